package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.testkit.Sql;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** thl purge: offline only, from either end, never a gap, warns about hosts that still need events. */
@Sandboxed(hosts = 3)
class ThlPurgeIT {
    static SandboxFixture sb;

    @BeforeAll
    static void createData() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE p", "CREATE TABLE p.t (id INT PRIMARY KEY)");
            for (int i = 0; i < 20; i++) {
                Sql.exec(c, "INSERT INTO p.t VALUES (" + i + ")");
            }
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    private static Map<?, ?> info(String host) throws Exception {
        return new ObjectMapper().readValue(sb.thl("-host", host, "info", "-json").stdout(), Map.class);
    }

    @Test
    void purgeFromBothEndsWhileOfflineAndReplicationGoesOn() throws Exception {
        SandboxFixture.CliResult online = sb.thl("-host", "host2", "purge", "-high", "5", "-y");
        assertThat(online.exitCode()).isEqualTo(3);
        assertThat(online.stderr()).contains("host2's replicator is ONLINE: put it offline first");

        assertThat(sb.trepctl("-host", "host2", "offline").exitCode()).isZero();
        SandboxFixture.CliResult gap = sb.thl("-host", "host2", "purge", "-low", "3", "-high", "5", "-y");
        assertThat(gap.exitCode()).isEqualTo(2);
        assertThat(gap.stderr()).contains("would leave a gap");

        SandboxFixture.CliResult cancelled = sb.thl("-host", "host2", "purge", "-high", "5");
        assertThat(cancelled.exitCode()).isEqualTo(1);
        assertThat(cancelled.stdout()).contains("purge cancelled: nothing was deleted");
        assertThat(((Number) info("host2").get("minSeqno")).longValue()).isZero();

        SandboxFixture.CliResult head = sb.thl("-host", "host2", "purge", "-high", "5", "-y");
        assertThat(head.exitCode()).as(head.all()).isZero();
        assertThat(head.stdout()).contains("Deleted seqno 0 to 5");
        assertThat(((Number) info("host2").get("minSeqno")).longValue()).isEqualTo(6);

        long max = ((Number) info("host2").get("maxSeqno")).longValue();
        SandboxFixture.CliResult tail = sb.thl("-host", "host2", "purge", "-low", Long.toString(max - 3), "-y");
        assertThat(tail.exitCode()).as(tail.all()).isZero();
        assertThat(((Number) info("host2").get("maxSeqno")).longValue()).isEqualTo(max - 4);

        assertThat(sb.trepctl("-host", "host2", "online").exitCode()).isZero();
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO p.t VALUES (100)");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("p");
        assertThat(((Number) info("host2").get("maxSeqno")).longValue()).isGreaterThan(max);
    }

    @Test
    void purgingWhatASlaveStillNeedsWarnsFirst() throws Exception {
        assertThat(sb.trepctl("-host", "host3", "offline").exitCode()).isZero();
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO p.t VALUES (200)", "INSERT INTO p.t VALUES (201)");
        }
        assertThat(sb.trepctl("-host", "host1", "flush").exitCode()).isZero();
        assertThat(sb.trepctl("-host", "host1", "offline").exitCode()).isZero();
        SandboxFixture.CliResult warn = sb.thl("-host", "host1", "purge");
        assertThat(warn.exitCode()).isEqualTo(1);
        assertThat(warn.stdout()).contains("WARN >> host3 has applied only up to seqno", "purge cancelled");
        assertThat(sb.trepctl("-host", "host1", "online").exitCode()).isZero();
        assertThat(sb.trepctl("-host", "host3", "online").exitCode()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("p");
    }
}
