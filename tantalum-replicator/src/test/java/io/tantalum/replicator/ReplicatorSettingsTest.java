package io.tantalum.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ReplicatorSettingsTest {
    private static final String TOKEN = "token-0123456789abcdef";
    private static final String SECRET = "secret-0123456789abcdef";
    private static Properties base() {
        Properties p = new Properties();
        p.setProperty("replicator.host", "host2");
        p.setProperty("thl.directory", "/tmp/thl");
        p.setProperty("replicator.master.uri", "thl://host1:2112/");
        p.setProperty("replicator.admin.token", TOKEN);
        p.setProperty("replicator.service.secret", SECRET);
        return p;
    }

    @Test
    void defaultsAreApplied() {
        ReplicatorSettings s = ReplicatorSettings.from(base(), "test");
        assertThat(s.service()).isEqualTo("alpha");
        assertThat(s.role()).isEqualTo(ReplicatorSettings.Role.SLAVE);
        assertThat(s.thlPort()).isEqualTo(2112);
        assertThat(s.adminPort()).isEqualTo(10000);
        assertThat(s.masterUri().getHost()).isEqualTo("host1");
        assertThat(s.blockCommitSize()).isEqualTo(100);
        assertThat(s.effectiveServerId()).isBetween(1_000_000L, 1_999_999L);
    }

    @Test
    void acceptsPrimaryAndReplicaAsAliases() {
        Properties p = base();
        p.setProperty("replicator.role", "primary");
        assertThat(ReplicatorSettings.from(p, "test").role()).isEqualTo(ReplicatorSettings.Role.MASTER);
        p.setProperty("replicator.role", "replica");
        assertThat(ReplicatorSettings.from(p, "test").role()).isEqualTo(ReplicatorSettings.Role.SLAVE);
    }

    @Test
    void reportsEveryProblemAtOnce() {
        Properties p = base();
        p.remove("thl.directory");
        p.setProperty("replicator.thl.port", "99999");
        p.setProperty("replicator.role", "boss");
        p.setProperty("replicator.typo", "1");
        p.setProperty("replicator.master.uri", "http://host1/");
        assertThatThrownBy(() -> ReplicatorSettings.from(p, "/etc/r.properties"))
                .isInstanceOf(TantalumException.class)
                .satisfies(e -> assertThat(((TantalumException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("/etc/r.properties")
                .hasMessageContaining("missing required key 'thl.directory'")
                .hasMessageContaining("replicator.thl.port=99999 is out of range [1, 65535]")
                .hasMessageContaining("role must be master or slave, not 'boss'")
                .hasMessageContaining("unknown key 'replicator.typo'")
                .hasMessageContaining("'http://host1/' is not a THL URI like thl://host1:2112/");
    }

    @Test
    void aSlaveNeedsAMaster() {
        Properties p = base();
        p.remove("replicator.master.uri");
        assertThatThrownBy(() -> ReplicatorSettings.from(p, "test"))
                .hasMessageContaining("replicator.master.uri is required for a slave");
    }

    @Test
    void thlUriGetsTheDefaultPort() {
        assertThat(ReplicatorSettings.thlUri("thl://db1/").getPort()).isEqualTo(2112);
    }

    @Test
    void secretsAreRequiredAndNeverPrinted() {
        Properties p = base();
        p.setProperty("db.password", "dbpass-0123456789");
        ReplicatorSettings s = ReplicatorSettings.from(p, "test");
        assertThat(s.security().adminToken()).isEqualTo(TOKEN);
        assertThat(s.toString()).doesNotContain(TOKEN, SECRET, "dbpass-0123456789");
        Properties q = base();
        q.remove("replicator.admin.token");
        q.setProperty("replicator.service.secret", "short-secret");
        assertThatThrownBy(() -> ReplicatorSettings.from(q, "r.properties"))
                .hasMessageContaining("missing required key 'replicator.admin.token'")
                .hasMessageContaining("replicator.service.secret is too short")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short-secret"));
    }
}
