package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import java.io.OutputStream;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: `datasource <host> recover` of an old master whose database holds binlog-only
 * transactions (committed there, never extracted) fails at once with the replicator's list and
 * leaves the datasource shunned; once the operator accepts the divergence on the replicator,
 * `recover` brings it back.
 */
@Sandboxed(cluster = true)
class RecoverIT {
    static SandboxFixture sb;

    @Test
    void recoverOfAnOldMasterWithBinlogOnlyTransactionsFailsWithTheirListUntilForced() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE rec", "CREATE TABLE rec.t (id INT PRIMARY KEY, v VARCHAR(20))",
                    "INSERT INTO rec.t VALUES (1, 'one')");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));

        // the master's replicator stops extracting; a row is committed on its database; the database dies
        sb.trepctl("-host", "host1", "offline").ok();
        String gtid;
        try (Connection c = sb.admin(1)) {
            Sql.exec(c, "INSERT INTO rec.t VALUES (2, 'lost'), (3, 'lost too')");
            gtid = String.valueOf(Sql.query(c, "SELECT @@last_gtid").get(0).get(0));
        }
        sb.sandbox().kill(sb.host(1), Sandbox.Component.DB);
        Await.until("a new master", Duration.ofSeconds(60), () -> !"host1".equals(sb.cluster().master()),
                sb::describe);
        int m = HaChecks.topologyMaster(sb);

        // its database back: recover refuses, with the replicator's list, and changes nothing
        sb.sandbox().startHost(sb.host(1), Sandbox.Component.DB, new PrintStream(OutputStream.nullOutputStream()));
        Await.until("host1's manager to observe its database", Duration.ofSeconds(30), () -> sb.cluster()
                .datasources().stream().anyMatch(d -> d.host().equals("host1") && "ONLINE".equals(d.dataserver())),
                sb::describe);
        SandboxFixture.CliResult refused = sb.cctrl("-e", "datasource host1 recover");
        assertThat(refused.exitCode()).as(refused.all()).isNotZero();
        assertThat(refused.all()).contains("Cannot bring host1 back", "host1 cannot go online as a slave of",
                "holds 1 binlog-only transaction(s)", "GTID " + gtid + " at mariadb-bin.", "(rec.t (2 inserted))",
                "host1 stays SHUNNED(FAILED-OVER-TO-host" + m + ")");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host1(slave:SHUNNED(FAILED-OVER-TO-host" + m + ")");
        try (Connection c = sb.admin(m)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM rec.t WHERE id IN (2, 3)")).isZero();
        }

        // the operator accepts the divergence on the replicator; recover then brings host1 back
        sb.trepctl("-host", "host1", "online", "-force-divergence").ok();
        SandboxFixture.CliResult recovered = sb.cctrl("-e", "datasource host1 recover");
        assertThat(recovered.exitCode()).as(recovered.all()).isZero();
        try (Connection c = sb.app(m)) {
            Sql.exec(c, "INSERT INTO rec.t VALUES (4, 'after')");
        }
        Await.until("host1 to apply the new master's row", Duration.ofSeconds(30), () -> {
            try (Connection c = sb.admin(1)) {
                return Sql.count(c, "SELECT COUNT(*) FROM rec.t WHERE id = 4") == 1;
            } catch (SQLException | RuntimeException e) {
                return false;
            }
        }, sb::describe);
    }
}
