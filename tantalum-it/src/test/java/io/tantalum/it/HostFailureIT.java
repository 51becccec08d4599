package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.ManagerApi;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.common.Threads;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Failures of whole hosts during and as a failover (with {@code failover-block-period=0}, so that
 * each is automatic): the coordinator cut off by a partition in the middle of a failover, and every
 * process of the master host (database, replicator, manager, ZooKeeper member) killed -9 while a
 * client writes through the connector. After each: exactly one writable master, the one the
 * topology names; every write acknowledged through the connector on every surviving host exactly
 * once; the hosts' data identical once the failed one is back. Then `recover` of an old master
 * whose database holds binlog-only transactions, and a failover's candidate cut off after the point
 * of no return.
 */
@Sandboxed(cluster = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostFailureIT {
    static SandboxFixture sb;
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @BeforeAll
    static void noBlockPeriod() throws Exception {
        Path ini = sb.sandbox().iniFile();
        Files.writeString(ini, Files.readString(ini).replace("zookeeper-install=true", "zookeeper-install=true\n"
                + "failover-block-period=0"));
        sb.tpm("update").ok();
        sb.sandbox().awaitCoordinator(60_000);
    }

    @AfterEach
    void heal() {
        sb.sandbox().network().heal();
    }

    /**
     * The master's database dies; the coordinator, on a third host, begins the failover and is cut
     * off from the others as soon as the failover's first phase is recorded. Whatever it had done,
     * a coordinator on the majority side finishes the failover or abandons and redoes it: one
     * writable master, the slave on the majority side. A client that starts writing through the
     * connector right after the kill (so that no commit of its is in flight on the dying database)
     * gets its writes acknowledged by the new master; healed, the cut-off host catches up.
     */
    @Test
    @Order(1)
    void theCoordinatorCutOffDuringAFailoverLeavesOneMasterAndTheMajorityFinishesIt() throws Exception {
        // the connector runs on host1: the master and the coordinator go to host2 and host3
        sb.cctrl("-e", "switch to host2").ok();
        moveCoordinatorOff("host1", "host2");
        String coordinator = sb.cluster().coordinator();
        int c = HaChecks.index(coordinator);
        int candidate = 6 - 2 - c;
        // the coordinator's own replicator offline, so that it cannot pick itself as the candidate: a
        // candidate cut off after the point of no return is the fourth test
        sb.cctrl("-e", "datasource " + coordinator + " offline").ok();
        long killedAt = System.currentTimeMillis();
        sb.sandbox().kill(sb.host(2), Sandbox.Component.DB);
        // the writer's first session waits in the connector until a master is routable again
        java.util.concurrent.CompletableFuture<WriteLoad> load = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> new WriteLoad(HostFailureIT::viaConnector, "hc"));
        Await.until("the failover to begin", Duration.ofSeconds(20), () -> failoverPhases(killedAt).contains(
                "PREFLIGHT"), sb::describe);
        sb.sandbox().network().isolate(Set.of(coordinator));
        List<String> seen = failoverPhases(killedAt);
        System.out.printf("coordinator %s cut off after the failover's phases %s%n", coordinator, seen);
        try (WriteLoad w = load.get(60, java.util.concurrent.TimeUnit.SECONDS)) {
            Await.until("host" + candidate + " the master", Duration.ofSeconds(60),
                    () -> ("host" + candidate).equals(sb.cluster().master()) && sb.cluster().procedure() == null,
                    () -> sb.cctrl("-e", "ls;cluster history 30").all());
            int acked = w.acknowledgedCount();
            Await.until("writes acknowledged by host" + candidate, Duration.ofSeconds(30),
                    () -> w.acknowledgedCount() > acked + 20, sb::describe);
            assertThat(writableHosts()).containsExactly(candidate);
            String history = sb.cctrl("-e", "cluster history 40").ok().stdout();
            assertThat(history).contains("DEAD_MASTER_DB", "PROMOTE");
            System.out.println(history);
            sb.sandbox().network().heal();
            w.close();
            // the operator puts it back: recover points it at the new master
            Await.until(coordinator + "'s manager back", Duration.ofSeconds(40), () -> sb.cluster().datasources()
                    .stream().anyMatch(d -> d.host().equals(coordinator) && "RUNNING".equals(d.manager())),
                    sb::describe);
            sb.cctrl("-e", "datasource " + coordinator + " recover").ok();
            Await.until("host" + c + " to be a slave of host" + candidate + " again", Duration.ofSeconds(60),
                    () -> sb.cluster().datasources().stream().anyMatch(d -> d.host().equals(coordinator)
                            && d.state().equals("ONLINE")) && sb.state(c).equals("ONLINE"), sb::describe);
            assertThat(writableHosts()).containsExactly(candidate);
            for (int h : new int[] {candidate, c}) {
                sb.awaitCaughtUpOn(h, Duration.ofSeconds(30));
                assertPresentOnce(h, "hc", w.acknowledged());
            }
        }
        // the old master comes back: its database started read-only and recovered as a slave
        sb.sandbox().db(sb.host(2)).start(List.of("--read-only=ON"));
        Await.until("host2's manager to observe its database", Duration.ofSeconds(30), () -> sb.cluster().datasources()
                .stream().anyMatch(d -> d.host().equals("host2") && "ONLINE".equals(d.dataserver())), sb::describe);
        sb.cctrl("-e", "datasource host2 recover").ok();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("hc");
        assertThat(writableHosts()).containsExactly(candidate);
    }

    /**
     * Every process of the master host but the connector is killed -9 (database, replicator,
     * manager, ZooKeeper member) under a write load through the connector: the others fail over,
     * the writes go on, and none that was acknowledged is missing. Started again (its database
     * read-only), the old master stays SHUNNED and read-only until `recover`, which either brings it
     * back with the same data or refuses, naming the commit that was in flight when it died (never
     * acknowledged: semi-synchronous replication acknowledges only what a slave stored).
     */
    @Test
    @Order(2)
    void everyProcessOfTheMasterHostKilledIsReplacedAndNoAcknowledgedWriteIsLost() throws Exception {
        int m = HaChecks.topologyMaster(sb);
        if (m == 1) { // the connector's host: its connector must survive, so the master moves
            sb.cctrl("-e", "switch to host3").ok();
            m = 3;
        }
        int dead = m;
        List<Long> acknowledged;
        int k;
        try (WriteLoad w = new WriteLoad(HostFailureIT::viaConnector, "hk")) {
            Await.until("writes through the connector", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 30,
                    sb::describe);
            long t0 = System.nanoTime();
            for (Sandbox.Component part : List.of(Sandbox.Component.DB, Sandbox.Component.REPLICATOR,
                    Sandbox.Component.MANAGER, Sandbox.Component.ZOOKEEPER)) {
                sb.sandbox().kill(sb.host(dead), part);
            }
            Await.until("a new master", Duration.ofSeconds(40), () -> {
                String master = sb.cluster().master();
                return master != null && !master.equals("host" + dead) && sb.cluster().procedure() == null;
            }, sb::describe);
            long promotedMillis = (System.nanoTime() - t0) / 1_000_000;
            k = HaChecks.topologyMaster(sb);
            int acked = w.acknowledgedCount();
            Await.until("writes acknowledged by the new master", Duration.ofSeconds(30),
                    () -> w.acknowledgedCount() > acked + 20, sb::describe);
            System.out.printf("host%d killed: new master host%d after %d ms, writes again after %d ms (longest gap"
                    + " %d ms)%n", dead, k, promotedMillis, (System.nanoTime() - t0) / 1_000_000, w.maxGapMillis());
            assertThat(sb.cctrl("-e", "cluster history 40").ok().stdout()).contains("DEAD_MASTER_HOST", "PROMOTE");
            assertThat(writableHosts()).containsExactly(k);
            w.close();
            acknowledged = w.acknowledged();
        }
        int other = 6 - dead - k;
        int master = k;
        Await.until("host" + other + " to apply what the new master has", Duration.ofSeconds(30), () -> sb.state(other)
                .equals("ONLINE") && sb.appliedSeqno(other) >= sb.appliedSeqno(master), sb::describe);
        for (int h : new int[] {k, other}) {
            assertPresentOnce(h, "hk", acknowledged);
        }
        assertThat(checksum(k, "hk.ledger")).isEqualTo(checksum(other, "hk.ledger"));

        // started again, its database read-only: shunned and read-only until recover
        sb.sandbox().db(sb.host(dead)).start(List.of("--read-only=ON"));
        for (Sandbox.Component part : List.of(Sandbox.Component.ZOOKEEPER, Sandbox.Component.REPLICATOR,
                Sandbox.Component.MANAGER)) {
            sb.sandbox().startHost(sb.host(dead), part, QUIET);
        }
        Await.until("host" + dead + "'s manager back", Duration.ofSeconds(60), () -> sb.cluster().datasources().stream()
                .anyMatch(d -> d.host().equals("host" + dead) && "RUNNING".equals(d.manager())), sb::describe);
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host" + dead + "(slave:SHUNNED(FAILED-OVER-TO-host"
                + k + ")");
        assertThat(writableHosts()).containsExactly(k);
        SandboxFixture.CliResult recover = sb.cctrl("-e", "datasource host" + dead + " recover");
        System.out.println("recover: " + recover.all());
        if (recover.exitCode() == 0) {
            sb.awaitCaughtUp(Duration.ofSeconds(60));
            sb.assertSameData("hk");
        } else {
            // the statement in flight when the host died: committed there, never acknowledged, never on a slave;
            // the way out: rebuild it from a slave of the new master
            assertThat(recover.all()).contains("Cannot bring host" + dead + " back").containsAnyOf(
                    "binlog-only transaction(s)", "refused this slave");
            String rebuilt = sb.cctrl("-e", "datasource host" + dead + " rebuild").ok().stdout();
            System.out.println("rebuild: " + rebuilt);
            assertThat(rebuilt).contains("copied from host" + other, "ONLINE as a slave of host" + k);
            sb.awaitCaughtUp(Duration.ofSeconds(60));
            sb.assertSameData("hk");
        }
        assertThat(writableHosts()).containsExactly(k);
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host" + dead + "(slave:ONLINE");
    }

    /** Through the connector, waiting as long as a failover may hold a new session (60 s). */
    /**
     * {@code datasource <host> recover} of an old master whose database holds binlog-only
     * transactions (committed there, never extracted) fails at once with the replicator's list and
     * leaves the datasource shunned; once the operator accepts the divergence on the replicator,
     * {@code recover} brings it back.
     */
    @Test
    @Order(3)
    void recoverOfAnOldMasterWithBinlogOnlyTransactionsFailsWithTheirListUntilForced() throws Exception {
        int old = HaChecks.topologyMaster(sb);
        String h = "host" + old;
        try (Connection c = sb.app(old)) {
            Sql.exec(c, "CREATE DATABASE rec", "CREATE TABLE rec.t (id INT PRIMARY KEY, v VARCHAR(20))",
                    "INSERT INTO rec.t VALUES (1, 'one')");
        }
        // the master's replicator stops extracting; a row is committed on its database; the database dies
        sb.trepctl("-host", h, "offline").ok();
        String gtid;
        try (Connection c = sb.admin(old)) {
            Sql.exec(c, "INSERT INTO rec.t VALUES (2, 'lost'), (3, 'lost too')");
            gtid = String.valueOf(Sql.query(c, "SELECT @@last_gtid").get(0).get(0));
        }
        sb.sandbox().kill(sb.host(old), Sandbox.Component.DB);
        Await.until("a new master", Duration.ofSeconds(60), () -> {
            String master = sb.cluster().master();
            return master != null && !master.equals(h) && sb.cluster().procedure() == null;
        }, sb::describe);
        int m = HaChecks.topologyMaster(sb);

        // its database back: recover refuses, with the replicator's list, and changes nothing
        sb.sandbox().startHost(sb.host(old), Sandbox.Component.DB, QUIET);
        Await.until(h + "'s manager to observe its database", Duration.ofSeconds(30), () -> sb.cluster()
                .datasources().stream().anyMatch(d -> d.host().equals(h) && "ONLINE".equals(d.dataserver())),
                sb::describe);
        SandboxFixture.CliResult refused = sb.cctrl("-e", "datasource " + h + " recover");
        assertThat(refused.exitCode()).as(refused.all()).isNotZero();
        assertThat(refused.all()).contains("Cannot bring " + h + " back", h + " cannot go online as a slave of",
                "holds 1 binlog-only transaction(s)", "GTID " + gtid + " at mariadb-bin.", "(rec.t (2 inserted))",
                h + " stays SHUNNED(FAILED-OVER-TO-host" + m + ")");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains(h + "(slave:SHUNNED(FAILED-OVER-TO-host" + m + ")");
        try (Connection c = sb.admin(m)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM rec.t WHERE id IN (2, 3)")).isZero();
        }

        // the operator accepts the divergence on the replicator; recover then brings it back
        sb.trepctl("-host", h, "online", "-force-divergence").ok();
        SandboxFixture.CliResult recovered = sb.cctrl("-e", "datasource " + h + " recover");
        assertThat(recovered.exitCode()).as(recovered.all()).isZero();
        try (Connection c = sb.app(m)) {
            Sql.exec(c, "INSERT INTO rec.t VALUES (4, 'after')");
        }
        Await.until(h + " to apply the new master's row", Duration.ofSeconds(30), () -> {
            try (Connection c = sb.admin(old)) {
                return Sql.count(c, "SELECT COUNT(*) FROM rec.t WHERE id = 4") == 1;
            } catch (SQLException | RuntimeException e) {
                return false;
            }
        }, sb::describe);

        // forced, it holds rows no other host has; rebuilt from a slave of the master, it holds what they hold
        SandboxFixture.CliResult rebuilt = sb.cctrl("-e", "datasource " + h + " rebuild");
        assertThat(rebuilt.exitCode()).as(rebuilt.all()).isZero();
        System.out.println("rebuild: " + rebuilt.stdout());
        assertThat(rebuilt.stdout()).contains("copied from host" + (6 - old - m), "ONLINE as a slave of host" + m);
        try (Connection c = sb.app(m)) {
            Sql.exec(c, "INSERT INTO rec.t VALUES (5, 'rebuilt')");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        try (Connection c = sb.admin(old)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM rec.t WHERE id IN (2, 3)")).isZero();
        }
        sb.assertSameData("rec");
        assertThat(sb.cctrl("-e", "cluster history 5").ok().stdout()).contains("rebuild", "PREPARE", "COPY",
                "RECOVER");
    }

    /**
     * An operator fails over to the coordinator's own host, which is cut off right after the point
     * of no return (it stalls 4 s after recording PROMOTING, as in a long GC pause, and is isolated
     * meanwhile). It must not leave a writable database behind (its manager keeps its database
     * read-only once its lease runs out), and the majority must not wait for the heal: once the
     * candidate's lease has run out and it does not answer, the next coordinator abandons the
     * failover, and a failover to the other slave succeeds.
     */
    @Test
    @Order(4)
    void aCandidateCutOffAfterThePointOfNoReturnIsAbandonedAndAnotherPromoted() throws Exception {
        if (HaChecks.topologyMaster(sb) != 2) {
            sb.cctrl("-e", "switch to host2").ok();
        }
        HaChecks.managerFault(sb, "pause.after.phase", "PROMOTING:4000");
        try {
            moveCoordinatorOff("host1", "host2"); // the connector runs on host1: it stays on the majority side
            sb.cctrl("-e", "set policy manual").ok(); // the operator chooses the candidate: host3, the coordinator
            long killedAt = System.currentTimeMillis();
            sb.sandbox().kill(sb.host(2), Sandbox.Component.DB);
            // STOPPED, not "not ONLINE": right after the managers' restart a datasource has no observation yet
            // (UNKNOWN), and a failover asked then finds the master's last observation healthy and is refused
            Await.until("host2's database seen dead", Duration.ofSeconds(30), () -> sb.cluster().datasources().stream()
                    .anyMatch(d -> d.host().equals("host2") && "STOPPED".equals(d.dataserver())), sb::describe);
            // and the candidate's manager publishing again since the managers' restart (the failover below is
            // asked again while the coordinator does not count that observation yet)
            Await.until("host3's manager reporting", Duration.ofSeconds(30), () -> sb.cluster().datasources().stream()
                    .anyMatch(d -> d.host().equals("host3") && "RUNNING".equals(d.manager())), sb::describe);
            // asked of host3's manager itself (clients outside the sandbox reach an isolated host); asked
            // again, as an operator would, while it is refused because the coordinator does not count host3's
            // observation yet (one taken before the end of the last procedure is not judged)
            var failover = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                long until = System.currentTimeMillis() + 30_000;
                while (true) {
                    try {
                        return "ok: " + sb.manager(3).call(ManagerApi.FAILOVER, new ManagerApi.SwitchRequest("host3"));
                    } catch (RuntimeException e) {
                        if (!e.getMessage().contains("does not report") || System.currentTimeMillis() > until) {
                            return "failed: " + e.getMessage();
                        }
                    }
                    Threads.sleep(200);
                }
            });
            Await.until("the failover to reach PROMOTING", Duration.ofSeconds(30), () -> failoverPhases(killedAt)
                    .contains("PROMOTING"), () -> sb.describe() + "; the failover asked of host3: "
                    + (failover.isDone() ? failover.join() : "still running") + "\n"
                    + sb.cctrl("-e", "ls;cluster history 20").all());
            sb.sandbox().network().isolate(Set.of("host3"));
            System.out.printf("host3 (coordinator and candidate) cut off after %s%n", failoverPhases(killedAt));
            String cut = failover.get(60, java.util.concurrent.TimeUnit.SECONDS);
            System.out.println("failover to host3: " + cut);
            assertThat(cut).startsWith("failed: ");
            Await.until("the failover to host3 abandoned", Duration.ofSeconds(40), () -> failoverPhases(killedAt)
                    .contains("ABANDON"), () -> sb.cctrl("-e", "ls;cluster history 30").all());
            assertThat(writableHosts()).as("no writable database while no master is named").isEmpty();
            // the operator fails over again: host1 takes over without waiting for host3
            sb.cctrl("-e", "failover").ok();
            assertThat(sb.cluster().master()).isEqualTo("host1");
            try (WriteLoad w = new WriteLoad(HostFailureIT::viaConnector, "hp")) {
                Await.until("writes acknowledged by host1", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 20,
                        sb::describe);
                assertThat(writableHosts()).containsExactly(1);
                String history = sb.cctrl("-e", "cluster history 40").ok().stdout();
                System.out.println(history);
                assertThat(history).contains("ABANDON", "the promotion of host3 was not finished");
                sb.sandbox().network().heal();
                w.close();
                assertThat(writableHosts()).containsExactly(1);
                Await.until("host3's manager back", Duration.ofSeconds(40), () -> sb.cluster().datasources()
                        .stream().anyMatch(d -> d.host().equals("host3") && "RUNNING".equals(d.manager())),
                        sb::describe);
                sb.cctrl("-e", "datasource host3 recover").ok();
                sb.awaitCaughtUpOn(3, Duration.ofSeconds(60));
                assertPresentOnce(1, "hp", w.acknowledged());
                assertPresentOnce(3, "hp", w.acknowledged());
                assertThat(writableHosts()).containsExactly(1);
            }
        } finally {
            sb.sandbox().network().heal();
            sb.cctrl("-e", "set policy automatic");
            HaChecks.managerFault(sb, "pause.after.phase", null);
        }
    }

    static Connection viaConnector() {
        return Sql.connect("jdbc:mariadb://" + sb.host(1).address() + ":"
                + io.tantalum.cli.sandbox.SandboxLayout.CONNECTOR_PORT + "/", sb.layout().appUser(),
                sb.layout().appPassword(), 60_000);
    }

    /** Restarts managers until the coordinator is on neither of {@code hosts}. */
    private static void moveCoordinatorOff(String... hosts) {
        for (int attempt = 0; attempt < 4 && List.of(hosts).contains(sb.cluster().coordinator()); attempt++) {
            String was = sb.cluster().coordinator();
            var manager = sb.sandbox().daemon(sb.layout().host(was).orElseThrow(), Sandbox.Component.MANAGER)
                    .orElseThrow();
            manager.stop();
            HaChecks.awaitAnotherCoordinator(sb, was);
            manager.start();
        }
        sb.sandbox().awaitCoordinator(60_000);
        assertThat(sb.cluster().coordinator()).isNotIn((Object[]) hosts);
    }

    /** The phases the failover begun after {@code sinceMillis} has recorded so far, in order. */
    private static List<String> failoverPhases(long sinceMillis) {
        try {
            return sb.manager(1).call(ManagerApi.HISTORY, new ManagerApi.HistoryRequest(40)).records().stream()
                    .filter(r -> r.procedure().equals("failover") && r.timeMillis() >= sinceMillis)
                    .sorted(java.util.Comparator.comparingLong(ManagerApi.AuditRecord::timeMillis))
                    .map(ManagerApi.AuditRecord::phase).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static void assertPresentOnce(int h, String schema, List<Long> acknowledged) throws SQLException {
        try (Connection c = sb.admin(h)) {
            assertThat(Sql.query(c, "SELECT txn FROM " + schema + ".ledger GROUP BY txn HAVING COUNT(*) > 1"))
                    .as("transactions applied twice on host" + h).isEmpty();
            List<Long> present = new ArrayList<>();
            for (List<Object> r : Sql.query(c, "SELECT txn FROM " + schema + ".ledger")) {
                present.add(((Number) r.get(0)).longValue());
            }
            assertThat(present).as("acknowledged writes on host" + h).containsAll(acknowledged);
        }
    }

    /** The hosts whose database answers read_only=OFF (a database that is down is not writable). */
    private static List<Integer> writableHosts() {
        List<Integer> writable = new ArrayList<>();
        for (int h = 1; h <= 3; h++) {
            try (Connection c = sb.admin(h)) {
                if ("0".equals(String.valueOf(Sql.query(c, "SELECT @@read_only").get(0).get(0)))) {
                    writable.add(h);
                }
            } catch (SQLException | RuntimeException e) {
                // down
            }
        }
        return writable;
    }

    private static String checksum(int k, String table) throws SQLException {
        try (Connection c = sb.admin(k)) {
            return String.valueOf(Sql.query(c, "CHECKSUM TABLE " + table).get(0).get(1));
        }
    }
}
