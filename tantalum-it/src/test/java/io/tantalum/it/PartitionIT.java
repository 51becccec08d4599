package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Network partitions, not crashes: {@code tpm sandbox isolate} cuts hosts off from each other with
 * nft rules (each host's processes run in a cgroup of their own; SandboxNetwork), while this test's
 * own clients still reach every host. A client writes through the connector and records every
 * acknowledged write; in the master's case a second client writes directly to the old master the
 * whole time. After each: one writable master, every write acknowledged through the connector on
 * the surviving hosts exactly once, no write acknowledged by the old master once the new one took
 * writes. The rules are removed after each test, even when it fails.
 */
@Sandboxed(cluster = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PartitionIT {
    static SandboxFixture sb;

    static Connection viaConnector() {
        return HaChecks.viaConnector(sb);
    }

    @AfterEach
    void heal() {
        sb.sandbox().network().heal();
    }

    SandboxFixture.CliResult tpm(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--dir", sb.dir().toString()));
        return sb.tpm(all.toArray(String[]::new));
    }

    /**
     * A slave cut off from the others: marked FAILED(HOST-UNREACHABLE), no failover, writes go on;
     * healed, it catches up and is ONLINE again.
     */
    @Test
    @Order(1)
    void anIsolatedSlaveCausesNoFailoverAndCatchesUpWhenHealed() throws Exception {
        try (WriteLoad w = new WriteLoad(PartitionIT::viaConnector, "ps")) {
            Await.until("writes through the connector", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 20,
                    sb::describe);
            SandboxFixture.CliResult cut = tpm("sandbox", "isolate", "host3");
            assertThat(cut.exitCode()).as(cut.all()).isZero();
            assertThat(cut.stdout()).contains("isolated host3 from host1, host2; undo with `tpm sandbox heal`");
            assertThat(tpm("sandbox", "status").ok().stdout()).contains("PARTITION: host3 cut off from the other hosts");
            long errors = w.errors();
            int acked = w.acknowledgedCount();
            // the coordinator's verdict on the host and the end of host3's manager's ZooKeeper session
            // (its observation gone: MANAGER UNREACHABLE) come in either order
            Await.until("host3 marked FAILED(HOST-UNREACHABLE), its manager UNREACHABLE", Duration.ofSeconds(30),
                    () -> {
                        String ls = sb.cctrl("-e", "ls").stdout();
                        return ls.contains("host3(slave:FAILED(HOST-UNREACHABLE)")
                                && ls.contains("MANAGER(state=UNREACHABLE)");
                    }, sb::describe);
            Thread.sleep(3000); // time in which a wrong analysis would fail over
            assertThat(sb.cluster().master()).isEqualTo("host1");
            assertThat(w.acknowledgedCount()).isGreaterThan(acked + 20);
            assertThat(w.errors()).as("writer errors while a slave is cut off").isEqualTo(errors);
            assertThat(sb.cctrl("-e", "cluster history 40").ok().stdout()).doesNotContain("failover-");

            SandboxFixture.CliResult healed = tpm("sandbox", "heal");
            assertThat(healed.stdout()).contains("healed: host3 reach the other hosts again");
            int after = w.acknowledgedCount();
            Await.until("writes to go on after the heal", Duration.ofSeconds(10), () -> w.acknowledgedCount() > after + 20,
                    sb::describe);
            Await.until("host3 ONLINE again", Duration.ofSeconds(60), () -> sb.cluster().datasources().stream()
                    .anyMatch(d -> d.host().equals("host3") && "RUNNING".equals(d.manager())
                            && d.state().equals("ONLINE")), sb::describe);
            w.close();
            HaChecks.assertNoWriteLost(sb, w, "ps");
        }
    }

    /**
     * The master cut off from the other hosts and the ZooKeeper majority, while one client writes
     * through the connector and another directly to the master: the master fences itself when its
     * lease runs out, the others fail over, and the old master acknowledged nothing once the new one
     * took writes. Healed, it stays fenced and shunned; `recover` refuses it, naming the transactions
     * only it has (those its direct client wrote while it was cut off).
     */
    @Test
    @Order(2)
    void anIsolatedMasterFencesItselfAndIsReplacedWhileAClientWritesToItDirectly() throws Exception {
        // the connector runs on host1: make host2 the master, so that the connector stays with the majority
        sb.cctrl("-e", "switch to host2").ok();
        List<Long> acknowledged;
        List<Long> durable;
        int promotedAt;
        long isolatedAtMillis;
        AtomicLong lateWrite = new AtomicLong(); // 1 acknowledged, else the error code of its refusal
        AtomicLong lateAckMillis = new AtomicLong(Long.MAX_VALUE);
        try (WriteLoad w = new WriteLoad(PartitionIT::viaConnector, "pm"); DirectWriter direct = new DirectWriter(2);
                Connection late = Sql.connect("jdbc:mariadb://" + sb.host(2).address() + ":" + sb.host(2).dbPort()
                        + "/?socketTimeout=5000", sb.layout().appUser(), sb.layout().appPassword())) {
            Await.until("writes through the connector and directly", Duration.ofSeconds(30),
                    () -> w.acknowledgedCount() > 30 && direct.acknowledged() > 10, sb::describe);
            durable = w.acknowledged();
            Thread.sleep(200);
            isolatedAtMillis = System.currentTimeMillis();
            long t0 = System.nanoTime();
            sb.sandbox().network().isolate(java.util.Set.of("host2")); // in this JVM: timed from the cut itself
            long cutMillis = (System.nanoTime() - t0) / 1_000_000;
            // the direct writer's last write may race the rules (shipped before they hold, its acknowledgement
            // lost); this one starts once they hold: if host2 commits it, no other host can have it
            Thread lateWriter = new Thread(() -> {
                try (PreparedStatement ins = late.prepareStatement("INSERT INTO pm.direct (id) VALUES (-1)")) {
                    ins.executeUpdate();
                    lateAckMillis.set(System.currentTimeMillis());
                    lateWrite.set(1);
                } catch (SQLException e) {
                    lateWrite.set(e.getErrorCode());
                }
            }, "test-late-writer");
            lateWriter.setDaemon(true);
            lateWriter.start();
            Await.until("a new master", Duration.ofSeconds(40), () -> !"host2".equals(sb.cluster().master()),
                    sb::describe);
            long promotedMillis = (System.nanoTime() - t0) / 1_000_000;
            int acked = w.acknowledgedCount();
            promotedAt = acked;
            Await.until("writes acknowledged by the new master", Duration.ofSeconds(30),
                    () -> w.acknowledgedCount() > acked + 20, sb::describe);
            long writableMillis = (System.nanoTime() - t0) / 1_000_000;
            int k = HaChecks.topologyMaster(sb);
            System.out.printf("partition: rules in place after %d ms; new master host%d after %d ms, writes through"
                    + " the connector again after %d ms (longest gap %d ms); host2 acknowledged its direct client"
                    + " until %d ms after the isolation began, then refused it%n", cutMillis, k, promotedMillis,
                    writableMillis, w.maxGapMillis(), direct.lastAckMillis() - isolatedAtMillis);

            // the old master, cut off: fenced (read-only) before the new master could take a write (its
            // PROMOTING record is written before the new master is made writable)
            long promoting = sb.manager(k).call(io.tantalum.api.ManagerApi.HISTORY,
                    new io.tantalum.api.ManagerApi.HistoryRequest(40)).records().stream()
                    .filter(a -> a.procedure().equals("failover") && a.phase().equals("PROMOTING"))
                    .mapToLong(io.tantalum.api.ManagerApi.AuditRecord::timeMillis).max().orElseThrow();
            System.out.printf("partition: host2 fenced itself %d ms before the new master was promoted%n",
                    promoting - direct.lastAckMillis());
            assertThat(direct.lastAckMillis()).as("the old master's last acknowledged direct write, against the"
                    + " failover's point of no return").isLessThan(promoting);
            assertThat(direct.ackedAfterRefusal()).as("direct writes acknowledged after a refusal").isZero();
            assertThat(lateAckMillis.get() == Long.MAX_VALUE || lateAckMillis.get() < promoting)
                    .as("the write begun once cut off, acknowledged after the failover's point of no return").isTrue();
            assertThat(writableHosts()).containsExactly(k);
            assertThat(sb.cctrl("-e", "cluster history 40").ok().stdout()).contains("DEAD_MASTER_HOST", "FENCE",
                    "PROMOTE");
            w.close();
            acknowledged = w.acknowledged();
        }
        int m = HaChecks.topologyMaster(sb);
        int other = m == 1 ? 3 : 1;
        // semi-synchronous: every write the connector acknowledged, even in the last moments before the
        // cut, was stored by a slave first
        List<Long> window = acknowledged.subList(durable.size(), promotedAt);
        Await.until("host" + other + " to apply what the new master has", Duration.ofSeconds(30), () -> sb.state(other)
                .equals("ONLINE") && sb.appliedSeqno(other) >= sb.appliedSeqno(m), sb::describe);
        for (int h : new int[] {m, other}) {
            try (Connection c = sb.admin(h)) {
                assertThat(Sql.query(c, "SELECT txn FROM pm.ledger GROUP BY txn HAVING COUNT(*) > 1"))
                        .as("transactions applied twice on host" + h).isEmpty();
                List<Long> present = new ArrayList<>();
                for (List<Object> r : Sql.query(c, "SELECT txn FROM pm.ledger")) {
                    present.add(((Number) r.get(0)).longValue());
                }
                System.out.printf("host%d: of the %d writes acknowledged through the connector in the last 200 ms"
                        + " before the isolation, missing: %s%n", h, window.size(),
                        window.stream().filter(t -> !present.contains(t)).toList());
                assertThat(present).as("acknowledged writes on host" + h).containsAll(acknowledged);
            }
        }
        assertThat(checksum(m, "pm.ledger")).isEqualTo(checksum(other, "pm.ledger"));

        // healed: host2 comes back fenced and shunned, never a second writable master
        tpm("sandbox", "heal").ok();
        Await.until("host2's manager back", Duration.ofSeconds(40), () -> sb.cluster().datasources().stream()
                .anyMatch(d -> d.host().equals("host2") && "RUNNING".equals(d.manager())), sb::describe);
        Thread.sleep(2000); // rounds in which a wrong coordinator would lift host2's fence
        assertThat(writableHosts()).containsExactly(m);
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host2(slave:SHUNNED(FAILED-OVER-TO-host" + m + ")");

        // it holds what its clients wrote while cut off: recover refuses, naming them
        List<Long> onlyOnHost2 = directRows(2);
        onlyOnHost2.removeAll(directRows(m));
        System.out.printf("partition: direct writes only host2 has: %s (the write begun once cut off: %s)%n",
                onlyOnHost2, lateWrite.get() == 1 ? "acknowledged" : "error " + lateWrite.get());
        assertThat(onlyOnHost2).as("host2 committed a write begun once it was cut off (else it refused it: fenced)")
                .isNotEmpty();
        SandboxFixture.CliResult recover = sb.cctrl("-e", "datasource host2 recover");
        assertThat(recover.exitCode()).as(recover.all()).isNotZero();
        // extracted into its THL while cut off, never shipped: the new master's handshake refuses it
        assertThat(recover.all()).contains("Cannot bring host2 back", "refused this slave", "stays SHUNNED");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host2(slave:SHUNNED(FAILED-OVER-TO-host" + m + ")");
        assertThat(writableHosts()).containsExactly(m);
    }

    private static List<Long> directRows(int h) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Connection c = sb.admin(h)) {
            for (List<Object> r : Sql.query(c, "SELECT id FROM pm.direct")) {
                ids.add(((Number) r.get(0)).longValue());
            }
        }
        return ids;
    }

    private static List<Integer> writableHosts() throws SQLException {
        List<Integer> writable = new ArrayList<>();
        for (int h = 1; h <= 3; h++) {
            try (Connection c = sb.admin(h)) {
                if ("0".equals(String.valueOf(Sql.query(c, "SELECT @@read_only").get(0).get(0)))) {
                    writable.add(h);
                }
            }
        }
        return writable;
    }

    private static String checksum(int k, String table) throws SQLException {
        try (Connection c = sb.admin(k)) {
            return String.valueOf(Sql.query(c, "CHECKSUM TABLE " + table).get(0).get(1));
        }
    }

    /** A client writing to one host's database directly (not through the connector), one row per commit. */
    static final class DirectWriter implements AutoCloseable {
        private final AtomicLong acked = new AtomicLong();
        private final AtomicLong ackedAfterRefusal = new AtomicLong();
        private volatile long lastAckMillis;
        private volatile boolean refused;
        private volatile boolean running = true;
        private final Thread thread;

        DirectWriter(int k) {
            try (Connection c = sb.app(k)) {
                Sql.exec(c, "CREATE DATABASE IF NOT EXISTS pm", "CREATE TABLE IF NOT EXISTS pm.direct (id BIGINT"
                        + " PRIMARY KEY, created DATETIME(6) DEFAULT NOW(6))");
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            thread = new Thread(() -> run(k), "test-direct-writer");
            thread.setDaemon(true);
            thread.start();
        }

        private void run(int k) {
            long id = 0;
            while (running) {
                SandboxLayout.Host h = sb.host(k);
                try (Connection c = Sql.connect("jdbc:mariadb://" + h.address() + ":" + h.dbPort()
                        + "/?socketTimeout=5000", sb.layout().appUser(), sb.layout().appPassword());
                        PreparedStatement ins = c.prepareStatement("INSERT INTO pm.direct (id) VALUES (?)")) {
                    while (running) {
                        ins.setLong(1, ++id);
                        ins.executeUpdate();
                        lastAckMillis = System.currentTimeMillis();
                        acked.incrementAndGet();
                        if (refused) {
                            ackedAfterRefusal.incrementAndGet();
                        }
                        Thread.sleep(20);
                    }
                } catch (SQLException e) {
                    if (e.getErrorCode() == 1290) { // read-only: fenced
                        refused = true;
                    }
                    Await.pause(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long acknowledged() {
            return acked.get();
        }

        long lastAckMillis() {
            return lastAckMillis;
        }

        long ackedAfterRefusal() {
            return ackedAfterRefusal.get();
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
