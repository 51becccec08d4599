package io.tantalum.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class TantalumConfigTest {
    private static final ServiceSecrets SECRETS = new ServiceSecrets("token-0123456789abcdef", "secret-0123456789abcdef",
            "test");
    private static TantalumConfig parse(String... lines) {
        return TantalumConfig.from(Path.of("t.ini"), IniFile.parse("t.ini", List.of(lines)));
    }

    @Test
    void aMinimalThreeHostServiceResolvesDefaultsAndTheHostMap() {
        TantalumConfig c = parse("[defaults]", "replication-password=s3cret", "install-directory=/opt/t/{host}",
                "[hosts]", "db1 = 10.0.0.1", "db2 = 10.0.0.2", "db3 = 10.0.0.3",
                "[alpha]", "master=db1", "members=db1, db2, db3", "apply-block-size=50");
        TantalumConfig.Service alpha = c.service("alpha");
        assertThat(alpha.members()).containsExactly("db1", "db2", "db3");
        assertThat(alpha.path(IniKey.INSTALL_DIRECTORY, "db2")).isEqualTo(Path.of("/opt/t/db2"));
        Properties slave = c.replicatorProperties("alpha", "db2", SECRETS);
        assertThat(slave.getProperty("replicator.role")).isEqualTo("slave");
        assertThat(slave.getProperty("replicator.master.uri")).isEqualTo("thl://10.0.0.1:2112/");
        assertThat(slave.getProperty("replicator.bind.address")).isEqualTo("10.0.0.2");
        assertThat(slave.getProperty("thl.directory")).isEqualTo("/var/lib/tantalum/thl/alpha");
        assertThat(slave.getProperty("replicator.apply.block.size")).isEqualTo("50");
        assertThat(c.replicatorProperties("alpha", "db1", SECRETS).getProperty("replicator.role")).isEqualTo("master");
    }

    @Test
    void aConnectorRunsOnAListedMemberAndFollowsTheManagersEnsemble() {
        TantalumConfig c = parse("[hosts]", "db1 = 10.0.0.1", "db2 = 10.0.0.2", "[alpha]", "master=db1",
                "members=db1,db2", "zookeeper-servers=db1:2181", "connectors=db2", "connector-readonly-max-latency=3");
        Properties p = c.connectorProperties("alpha", "db2", SECRETS);
        assertThat(p.getProperty("connector.bind.address")).isEqualTo("10.0.0.2");
        assertThat(p.getProperty("connector.port")).isEqualTo("9999");
        assertThat(p.getProperty("connector.readonly.port")).isEqualTo("9998");
        assertThat(p.getProperty("connector.readonly.max.latency.s")).isEqualTo("3");
        assertThat(p.getProperty("connector.zookeeper.servers")).isEqualTo("10.0.0.1:2181");
        assertThat(p.getProperty("connector.members")).isEqualTo("db1=10.0.0.1,db2=10.0.0.2");
        assertThat(p.getProperty("connector.admin.token")).isEqualTo("token-0123456789abcdef");
        assertThatThrownBy(() -> parse("[alpha]", "master=db1", "members=db1,db2", "connectors=db3"))
                .hasMessageContaining("t.ini:4: [alpha] connector host db3 is not one of its members")
                .hasMessageContaining("[alpha] connectors need zookeeper-servers");
        assertThatThrownBy(() -> parse("[alpha]", "master=db1", "members=db1", "zookeeper-servers=db1:2181",
                "connectors=db1", "connector-port=3306"))
                .hasMessageContaining("db1:3306 is both the database port of db1 and the alpha connector-port on db1");
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsLineAndSecretsStayHidden() {
        assertThatThrownBy(() -> parse(
                "[defaults]",                        // 1
                "replication-port=99999",            // 2
                "replication-pasword=x",             // 3
                "[alpha]",                           // 4
                "master=db9",                        // 5
                "members=db1,db2",                   // 6
                "thl-fsync=maybe",                   // 7
                "junk line",                         // 8
                "[beta]",                            // 9
                "members=db1",                       // 10
                "apply-block-size=ten"))             // 11
                .hasMessageContaining("problem(s); nothing was changed")
                .hasMessageContaining("t.ini:2: replication-port=99999: a port is between 1 and 65535")
                .hasMessageContaining("t.ini:3: unknown key 'replication-pasword' in [defaults]")
                .hasMessageContaining("t.ini:5: [alpha] master db9 is not one of its members (db1, db2)")
                .hasMessageContaining("t.ini:7: thl-fsync=maybe: use true or false")
                .hasMessageContaining("t.ini:8: expected key=value, found 'junk line'")
                .hasMessageContaining("t.ini:9: [beta] needs master")
                .hasMessageContaining("t.ini:11: apply-block-size=ten: expected int (transactions)");
        assertThatThrownBy(() -> parse("[defaults]", "replication-password", "[alpha]", "master=a", "members=a"))
                .hasMessageContaining("t.ini:2: expected key=value");
    }

    @Test
    void thePasswordNeverAppearsInTheProblemsOfItsSection() {
        assertThatThrownBy(() -> parse("[alpha]", "master=a", "members=a", "replication-password=hunter2",
                "replication-password=hunter3", "thl-port=0", "unknown=1"))
                .hasMessageContaining("replication-password is set twice")
                .hasMessageContaining("thl-port=0")
                .hasMessageContaining("unknown key 'unknown'")
                .hasMessageNotContaining("hunter");
    }

    @Test
    void twoListenersOnOneAddressAndPortAreRefused() {
        assertThatThrownBy(() -> parse("[hosts]", "a=127.0.0.1", "b=127.0.0.1",
                "[alpha]", "master=a", "members=a,b"))
                .hasMessageContaining("127.0.0.1:2112 would be used twice: by the alpha THL port on a and by the alpha"
                        + " THL port on b");
        assertThatThrownBy(() -> parse("[alpha]", "master=a", "members=a", "thl-port=3306"))
                .hasMessageContaining("a:3306 is both the database port of a and the alpha THL port on a");
    }

    @Test
    void aHostOutsideTheServiceIsNamed() {
        TantalumConfig c = parse("[alpha]", "master=a", "members=a,b");
        assertThatThrownBy(() -> c.replicatorProperties("alpha", "z", SECRETS))
                .hasMessageContaining("Host 'z' is not a member of service alpha");
        assertThat(c.address("b")).isEqualTo("b");
    }
}
