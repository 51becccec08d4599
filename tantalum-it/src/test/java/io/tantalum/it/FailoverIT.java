package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.ManagerApi;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Automatic failover on the real clustered sandbox: the master's database is killed (-9) while a
 * client writes through the connector and another session sits idle in it. The coordinator must
 * find the master dead (its manager and every slave agree), promote the slave with the most THL,
 * shun the old master FAILED-OVER-TO-it and leave exactly one writable master; the idle session goes
 * on without an error, the writer loses at most the statement in flight (its outcome unknown), and
 * every write acknowledged, by the old master to its last moment or by the new one, is on the new
 * master and the other slave exactly once (semi-synchronous replication: a commit is acknowledged
 * only once a slave stored it).
 */
@Sandboxed(cluster = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {
    static SandboxFixture sb;

    static Connection viaConnector() {
        return HaChecks.viaConnector(sb);
    }

    @Test
    @Order(1)
    void theMastersDatabaseKilledIsReplacedWithinSecondsAndConnectorSessionsGoOn() throws Exception {
        Supplier<Connection> connector = FailoverIT::viaConnector;
        List<Long> acknowledged;
        List<Long> durable; // acknowledged at least 200 ms before the kill
        int promotedAt; // acknowledged from this index on: by the new master
        try (WriteLoad w = new WriteLoad(connector, "fo"); Connection idle = connector.get()) {
            idle.setCatalog("fo");
            Await.until("writes through the connector", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 50,
                    sb::describe);
            long errorsBefore = w.errors();
            durable = w.acknowledged();
            Thread.sleep(200);
            long t0 = System.nanoTime();
            sb.sandbox().kill(sb.host(1), Sandbox.Component.DB);
            Await.until("a new master", Duration.ofSeconds(30), () -> !"host1".equals(sb.cluster().master()),
                    sb::describe);
            long promotedMillis = (System.nanoTime() - t0) / 1_000_000;
            int k = HaChecks.topologyMaster(sb);
            int acked = w.acknowledgedCount();
            promotedAt = acked;
            Await.until("writes acknowledged by the new master", Duration.ofSeconds(30),
                    () -> w.acknowledgedCount() > acked + 20, sb::describe);
            long writableMillis = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("failover: new master host%d after %d ms, writes flowing again after %d ms, longest"
                    + " write gap %d ms, writer errors %d%n", k, promotedMillis, writableMillis, w.maxGapMillis(),
                    w.errors() - errorsBefore);

            // the idle session goes on, on the new master, with its default database
            assertThat(scalar(idle, "SELECT @@server_id")).isEqualTo(scalar(sb.app(k), "SELECT @@server_id"));
            assertThat(scalar(idle, "SELECT DATABASE()")).isEqualTo("fo");
            assertThat(w.errors() - errorsBefore).as("writer errors: at most the statement in flight").isLessThanOrEqualTo(1);

            String ls = sb.cctrl("-e", "ls").ok().stdout();
            assertThat(ls).contains("COORDINATOR[", "host" + k + "(master:ONLINE",
                    "host1(slave:SHUNNED(FAILED-OVER-TO-host" + k + ")");
            String history = sb.cctrl("-e", "cluster history 40").ok().stdout();
            assertThat(history).contains("DEAD_MASTER_DB", "FENCE", "PROMOTE", "REPOINT", "VERIFY");
            w.close();
            acknowledged = w.acknowledged();
        }
        // Every acknowledged write is on the new master and the other slave, exactly once, those of the last
        // 200 ms before the kill included (printed apart: before semi-synchronous replication some went missing)
        List<Long> window = acknowledged.subList(durable.size(), promotedAt);
        int m = HaChecks.topologyMaster(sb);
        int other = m == 2 ? 3 : 2;
        Await.until("host" + other + " to apply what the new master has", Duration.ofSeconds(30), () -> sb.state(other)
                .equals("ONLINE") && sb.appliedSeqno(other) >= sb.appliedSeqno(m), sb::describe);
        for (int h = 2; h <= 3; h++) {
            try (Connection c = sb.admin(h)) {
                assertThat(Sql.query(c, "SELECT txn FROM fo.ledger GROUP BY txn HAVING COUNT(*) > 1"))
                        .as("transactions applied twice on host" + h).isEmpty();
                List<Long> present = new ArrayList<>();
                for (List<Object> r : Sql.query(c, "SELECT txn FROM fo.ledger")) {
                    present.add(((Number) r.get(0)).longValue());
                }
                System.out.printf("host%d: of the %d writes acknowledged in the last 200 ms before the kill, missing: %s%n",
                        h, window.size(), window.stream().filter(t -> !present.contains(t)).toList());
                assertThat(present).as("acknowledged writes on host" + h).containsAll(acknowledged);
            }
        }
        // the old master's database started again is made read-only: one writable master, the topology's
        sb.sandbox().startHost(sb.host(1), Sandbox.Component.DB, new java.io.PrintStream(
                java.io.OutputStream.nullOutputStream()));
        Await.until("host1's database to be read-only", Duration.ofSeconds(20), () -> {
            try (Connection c = sb.admin(1)) {
                return "1".equals(scalar(c, "SELECT @@read_only"));
            } catch (SQLException | RuntimeException e) {
                return false;
            }
        }, sb::describe);
        List<Integer> writable = new ArrayList<>();
        for (int h = 1; h <= 3; h++) {
            try (Connection c = sb.admin(h)) {
                if ("0".equals(scalar(c, "SELECT @@read_only"))) {
                    writable.add(h);
                }
            }
        }
        assertThat(writable).containsExactly(m);
    }

    /**
     * The old master of the first test comes back as a slave with `recover`; in MANUAL a dead master
     * is not replaced until an operator runs `cctrl failover`, which is refused while the master lives.
     */
    @Test
    @Order(2)
    void theOldMasterRecoversAsASlaveAndInManualAnOperatorFailsOver() throws Exception {
        Await.until("host1's manager to observe its database", Duration.ofSeconds(30), () -> sb.cluster().datasources()
                .stream().anyMatch(d -> d.host().equals("host1") && "ONLINE".equals(d.dataserver())), sb::describe);
        SandboxFixture.CliResult recovered = sb.cctrl("-e", "datasource host1 recover");
        if (recovered.exitCode() != 0 && recovered.all().contains("binlog-only transaction(s)")) {
            // the commit in flight as mariadbd died (never acknowledged) was never extracted: recover lists it
            // and refuses; accepting the divergence brings host1 back with that row of its own
            System.out.println("recover refused: " + recovered.all());
            assertThat(recovered.all()).contains("Cannot bring host1 back", "fo.ledger (", "host1 stays SHUNNED(");
            sb.trepctl("-host", "host1", "online", "-force-divergence").ok();
            recovered = sb.cctrl("-e", "datasource host1 recover");
        }
        assertThat(recovered.exitCode()).as(recovered.all()).isZero();
        assertThat(recovered.stdout()).contains("host1: SHUNNED(FAILED-OVER-TO-");
        int m = HaChecks.topologyMaster(sb);

        SandboxFixture.CliResult refused = sb.cctrl("-e", "failover");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("Cannot fail over: MASTER_OK", "use `switch` to move a live one",
                "Nothing was changed");
        // asked again at once, it is judged on the same evidence: a refusal is not a procedure, whose end
        // would discount every observation taken before it (the master's too: MASTER_OBSERVATION_STALE)
        for (int i = 0; i < 3; i++) {
            String again;
            try {
                again = "ok: " + sb.manager(1).call(ManagerApi.FAILOVER, new ManagerApi.SwitchRequest(null));
            } catch (RuntimeException e) {
                again = e.getMessage();
            }
            assertThat(again).as("failover asked again at once (%d)", i).contains("Cannot fail over: MASTER_OK");
        }

        sb.cctrl("-e", "set policy manual").ok();
        try {
            sb.sandbox().kill(sb.host(m), Sandbox.Component.DB);
            Await.until("the master to show FAILED", Duration.ofSeconds(20), () -> sb.cluster().datasources().stream()
                    .anyMatch(d -> d.host().equals("host" + m) && d.state().equals("FAILED")), sb::describe);
            Thread.sleep(2000); // two seconds in which AUTOMATIC would have failed over
            assertThat(sb.cluster().master()).isEqualTo("host" + m);
            SandboxFixture.CliResult failover = sb.cctrl("-e", "failover to host1");
            assertThat(failover.exitCode()).as(failover.all()).isZero();
            assertThat(failover.stdout()).contains("DEAD_MASTER_DB", "FENCE", "PROMOTE")
                    .containsPattern("failover-\\S+ OK in \\d+ ms");
            assertThat(sb.cluster().master()).isEqualTo("host1");
            try (Connection c = viaConnector()) {
                Sql.exec(c, "CREATE TABLE fo.after_manual (id INT PRIMARY KEY)", "INSERT INTO fo.after_manual VALUES (1)");
                assertThat(scalar(c, "SELECT @@server_id")).isEqualTo(scalar(sb.app(1), "SELECT @@server_id"));
            }
        } finally {
            sb.cctrl("-e", "set policy automatic");
        }
    }

    /**
     * A hung master database (SIGSTOP for longer than the detection time) keeps its sockets open, so
     * only silence tells: its binlog stream sends not even the heartbeat it sends every second, its
     * replicator stops extracting and serving THL, its manager's queries time out, and the analysis
     * finds DEAD_MASTER_DB (here BLOCKED by the failover-block-period after this class's earlier
     * failovers, so the operator fails over by hand). Resumed (SIGCONT), the old master is fenced:
     * one writable master.
     */
    @Test
    @Order(3)
    void aHungMasterDatabaseIsFoundDeadAndFencedWhenItResumes() throws Exception {
        int m = HaChecks.topologyMaster(sb);
        long pid = sb.sandbox().db(sb.host(m)).pid().orElseThrow();
        signal("-STOP", pid);
        int k;
        try {
            Await.until("the hung master found dead", Duration.ofSeconds(30), () -> sb.cctrl("-e", "cluster history 5")
                    .stdout().contains("BLOCKED"), sb::describe);
            assertThat(sb.cctrl("-e", "cluster history 5").ok().stdout()).contains("DEAD_MASTER_DB: host" + m
                    + ": its manager cannot reach its database", "and no slave gets THL from it");
            SandboxFixture.CliResult failover = sb.cctrl("-e", "failover");
            assertThat(failover.exitCode()).as(failover.all()).isZero();
            k = HaChecks.topologyMaster(sb);
            assertThat(k).isNotEqualTo(m);
            try (Connection c = viaConnector()) {
                Sql.exec(c, "CREATE TABLE fo.after_hang (id INT PRIMARY KEY)", "INSERT INTO fo.after_hang VALUES (1)");
            }
        } finally {
            signal("-CONT", pid);
        }
        int newMaster = k;
        Await.until("one writable master once the old one resumed", Duration.ofSeconds(20), () -> {
            List<Integer> writable = new ArrayList<>();
            for (int h = 1; h <= 3; h++) {
                try (Connection c = sb.admin(h)) {
                    if ("0".equals(scalar(c, "SELECT @@read_only"))) {
                        writable.add(h);
                    }
                } catch (SQLException | RuntimeException e) {
                    // a database that is down (the one test 2 killed) is not writable
                }
            }
            return writable.equals(List.of(newMaster));
        }, sb::describe);
    }

    private static void signal(String signal, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", signal, Long.toString(pid)).inheritIO().start().waitFor()).isZero();
    }

    static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
