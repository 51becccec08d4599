import io.tantalum.api.ManagerApi;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.cli.sandbox.SandboxLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Automatic failovers under a write load through the connector, on a 3-host sandbox with managers,
 * a 3-member ZooKeeper ensemble and a connector on host1 (failover-block-period=0 for the run). A
 * client commits one row after another through the connector, recording each acknowledged one;
 * a sampler asks every running database for read_only every 100 ms and counts the samples with
 * more than one writable database. FAILOVERS times (default 5) the master's mariadbd is killed -9
 * ("db"), then FAILOVERS times the master host is cut off from the others by a network partition
 * (`tpm sandbox isolate`, "host"; a master on host1, the connector's host, is first switched away),
 * then FAILOVERS times every process of the master host but the connector is killed -9 (mariadbd,
 * replicator, manager, ZooKeeper member: "hostkill"). After each, the old master is healed or
 * started again (its database with --read-only=ON, as production servers should start) and
 * brought back with `datasource <host> recover`. Printed per failover: when the coordinator began (detection), when
 * the topology named the new master (promotion) and when the client's writes were acknowledged
 * again, from the kill. Run with bench/failover.
 */
public final class FailoverBench {
    static final int FAILOVERS = Integer.parseInt(System.getenv().getOrDefault("FAILOVERS", "5"));
    static Sandbox sb;
    static Path dir;
    static volatile boolean running = true;
    static final List<Long> acked = Collections.synchronizedList(new ArrayList<>());
    static volatile long lastAckNanos = System.nanoTime();
    static volatile long maxGapNanos;
    /** When the writer last got an error (System.nanoTime). */
    static volatile long lastErrorNanos;
    static final AtomicInteger writerErrors = new AtomicInteger();
    static final AtomicInteger twoMasters = new AtomicInteger();

    public static void main(String[] args) throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "tfbench");
        Files.delete(dir);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        sb = Sandbox.deploy(new Sandbox.DeployOptions(dir, 3, System.getenv().getOrDefault("SUBNET", "127.0.6"), "alpha",
                false, false), quiet);
        try {
            noBlockPeriod();
            run();
        } finally {
            running = false;
            if (System.getenv("KEEP") != null) {
                System.out.println("sandbox kept (KEEP set): TANTALUM_SANDBOX=" + dir + " bin/tpm sandbox destroy");
            } else {
                sb.destroy(quiet);
            }
        }
    }

    /** failover-block-period=0 in the sandbox's INI, applied with tpm update (which restarts the managers). */
    static void noBlockPeriod() throws Exception {
        Path ini = sb.iniFile();
        Files.writeString(ini, Files.readString(ini).replace("zookeeper-install=true", "zookeeper-install=true\n"
                + "failover-block-period=0"));
        Path root = Path.of(System.getProperty("user.dir"));
        ProcessBuilder pb = new ProcessBuilder(root.resolve("bin/tpm").toString(), "update").inheritIO();
        pb.environment().put("TANTALUM_SANDBOX", dir.toString());
        if (pb.start().waitFor() != 0) {
            throw new IllegalStateException("tpm update failed");
        }
        sb.awaitCoordinator(60_000);
    }

    static String master() {
        return manager().call(ManagerApi.CLUSTER).master();
    }

    /** The first manager that answers (the one of a killed host does not). */
    static io.tantalum.api.AdminClient manager() {
        RuntimeException last = null;
        for (SandboxLayout.Host h : sb.layout().hosts()) {
            try {
                io.tantalum.api.AdminClient m = sb.manager(h);
                m.call(ManagerApi.HEALTH);
                return m;
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    static Connection viaConnector() throws Exception {
        return DriverManager.getConnection("jdbc:mariadb://" + sb.layout().hosts().get(0).address() + ":"
                + SandboxLayout.CONNECTOR_PORT + "/?connectTimeout=30000", sb.layout().appUser(),
                sb.layout().appPassword());
    }

    static Connection direct(SandboxLayout.Host h) throws Exception {
        return DriverManager.getConnection("jdbc:mariadb://" + h.address() + ":3306/?connectTimeout=500&socketTimeout=1000",
                sb.layout().replicatorUser(), sb.layout().replicatorPassword());
    }

    static void write() {
        long txn = 0;
        while (running) {
            try (Connection c = viaConnector();
                    PreparedStatement ins = c.prepareStatement("INSERT INTO bench.ledger VALUES (?)")) {
                while (running) {
                    ins.setLong(1, ++txn);
                    ins.executeUpdate();
                    acked.add(txn);
                    long now = System.nanoTime();
                    maxGapNanos = Math.max(maxGapNanos, now - lastAckNanos);
                    lastAckNanos = now;
                }
            } catch (Exception e) {
                writerErrors.incrementAndGet();
                lastErrorNanos = System.nanoTime();
                System.out.println("  writer: " + e.getMessage());
                sleep(20);
            }
        }
    }

    /** Every 100 ms: how many running databases answer read_only=OFF; more than one is two masters. */
    static void sample() {
        while (running) {
            int writable = 0;
            for (SandboxLayout.Host h : sb.layout().hosts()) {
                try (Connection c = direct(h); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT @@read_only")) {
                    rs.next();
                    writable += rs.getInt(1) == 0 ? 1 : 0;
                } catch (Exception e) {
                    // a database that is down cannot take writes
                }
            }
            if (writable > 1) {
                twoMasters.incrementAndGet();
                System.out.println("  TWO WRITABLE DATABASES seen");
            }
            sleep(100);
        }
    }

    static void run() throws Exception {
        try (Connection c = viaConnector(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE bench");
            st.execute("CREATE TABLE bench.ledger (txn BIGINT PRIMARY KEY)");
        }
        Thread writer = new Thread(FailoverBench::write, "bench-writer");
        Thread sampler = new Thread(FailoverBench::sample, "bench-sampler");
        writer.start();
        sampler.start();
        sleep(3000);
        List<Long> db = new ArrayList<>();
        List<Long> host = new ArrayList<>();
        List<Long> hostKill = new ArrayList<>();
        List<Long> gaps = new ArrayList<>();
        List<String> notRecovered = new ArrayList<>();
        failovers:
        for (String kind : List.of("db", "host", "hostkill")) {
            for (int i = 1; i <= FAILOVERS; i++) {
                long[] r = failover(kind, i);
                (kind.equals("db") ? db : kind.equals("host") ? host : hostKill).add(r[0]);
                gaps.add(r[1]);
                if (r[2] == 0) {
                    notRecovered.add(kind + " " + i);
                    break failovers; // two hosts left: no further failover
                }
            }
        }
        running = false;
        writer.join();
        sampler.join();
        long lost = lostWrites();
        System.out.printf(Locale.ROOT, "%d writes acknowledged, %d writer error(s); old masters not recovered"
                + " (diverged): %s%n", acked.size(), writerErrors.get(), notRecovered);
        System.out.printf(Locale.ROOT, "host killed (every process but the connector): failover_host_kill_p50_ms=%d%n",
                median(hostKill));
        System.out.printf(Locale.ROOT, "RESULT failover_db_p50_ms=%d failover_host_p50_ms=%d write_gap_max_ms=%d"
                + " lost_acked_writes=%d two_masters=%d%n", median(db), median(host), Collections.max(gaps), lost,
                twoMasters.get());
    }

    /** One failover: returns {ms from the kill until writes are acknowledged again, longest write gap ms}. */
    static long[] failover(String kind, int i) throws Exception {
        String old = master();
        if (kind.equals("host") && old.equals("host1")) {
            // the connector runs on host1: cut off with it, it could not follow the new master
            manager().call(ManagerApi.SWITCH, new ManagerApi.SwitchRequest("host2"));
            old = master();
            sleep(2000);
        }
        SandboxLayout.Host h = sb.host(old);
        long before = acked.size();
        maxGapNanos = 0;
        long killedAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        if (kind.equals("db")) {
            sb.kill(h, Sandbox.Component.DB);
        } else if (kind.equals("host")) {
            sb.network().isolate(Set.of(h.name()));
        } else {
            for (Sandbox.Component c : List.of(Sandbox.Component.DB, Sandbox.Component.REPLICATOR,
                    Sandbox.Component.MANAGER, Sandbox.Component.ZOOKEEPER)) {
                sb.kill(h, c);
            }
        }
        long promoted = -1;
        long writable = -1;
        while ((promoted < 0 || writable < 0) && System.nanoTime() - t0 < 60_000_000_000L) {
            String m = masterOrNull();
            if (promoted < 0 && m != null && !old.equals(m)) {
                promoted = (System.nanoTime() - t0) / 1_000_000;
            }
            // writes acknowledged again: the first acknowledgement after the writer's error (the statement
            // the dead master left unanswered), or after the promotion if the writer saw none
            long since = lastErrorNanos > t0 ? lastErrorNanos : promoted >= 0 ? t0 + promoted * 1_000_000 : Long.MAX_VALUE;
            if (writable < 0 && acked.size() > before && lastAckNanos > since) {
                writable = (lastAckNanos - t0) / 1_000_000;
            }
            sleep(20);
        }
        String now = masterOrNull();
        long detected = history().stream().filter(r -> r.procedure().equals("failover") && r.phase().equals("PREFLIGHT")
                && r.timeMillis() >= killedAt).mapToLong(r -> r.timeMillis() - killedAt).min().orElse(-1);
        System.out.printf(Locale.ROOT, "failover %s %d: %s -> %s; detected %d ms, promoted %d ms, writes again %d ms"
                + " after the kill%n", kind, i, old, now, detected, promoted, writable);
        if (promoted < 0 || writable < 0) {
            throw new IllegalStateException("no failover within 60 s after killing " + kind + " of " + old);
        }
        semiSyncCounters(now);
        StringBuilder phases = new StringBuilder("  phases (ms after the kill):");
        history().stream().filter(r -> r.procedure().equals("failover") && r.timeMillis() >= killedAt)
                .sorted(java.util.Comparator.comparingLong(ManagerApi.AuditRecord::timeMillis))
                .forEach(r -> phases.append(' ').append(r.phase()).append('=').append(r.timeMillis() - killedAt));
        System.out.println(phases);
        long gap = maxGapNanos / 1_000_000;
        return new long[] {writable, gap, bringBack(kind, h) ? 1 : 0};
    }

    /**
     * The old master started again (its database read-only) and recovered as a slave of the new
     * master, or rebuilt from a slave of the new master when its history diverged (transactions it
     * committed or extracted that the new master never received); false when neither works.
     */
    static boolean bringBack(String kind, SandboxLayout.Host h) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        sb.network().heal();
        sb.db(h).start(List.of("--read-only=ON")); // running already after a partition
        if (kind.equals("hostkill")) {
            for (Sandbox.Component c : List.of(Sandbox.Component.ZOOKEEPER, Sandbox.Component.REPLICATOR,
                    Sandbox.Component.MANAGER)) {
                sb.startHost(h, c, quiet);
            }
            sb.awaitCoordinator(60_000);
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                manager().call(ManagerApi.DATASOURCE, new ManagerApi.DatasourceRequest(
                        h.name(), "recover"));
                break;
            } catch (RuntimeException e) {
                if (e.getMessage().contains("binlog-only transaction(s)") || e.getMessage().contains(
                        "refused this slave")) {
                    // committed (or extracted) on the old master as it died, never acknowledged to the client
                    // (lost_acked_writes counts those): rebuilt from a slave of the new master, as an operator would
                    System.out.printf(Locale.ROOT, "  %s diverged: %s%n", h.name(), e.getMessage());
                    long t0 = System.nanoTime();
                    var r = manager().call(ManagerApi.DATASOURCE, new ManagerApi.DatasourceRequest(h.name(),
                            "rebuild"));
                    System.out.printf(Locale.ROOT, "  %s rebuilt in %d ms: %s%n", h.name(),
                            (System.nanoTime() - t0) / 1_000_000, r.message());
                    break;
                }
                if (System.nanoTime() > deadline || e.getMessage().contains("Timed out")) {
                    System.out.printf(Locale.ROOT, "  %s NOT recovered: %s%n", h.name(), e.getMessage());
                    return false;
                }
                sleep(500);
            }
        }
        System.out.printf(Locale.ROOT, "  %s recovered as a slave%n", h.name());
        sleep(2000);
        return true;
    }

    /** The new master's semi-sync counters: commits that waited out the timeout show as no_tx. */
    static void semiSyncCounters(String master) {
        try (Connection c = direct(sb.host(master)); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_yes_tx',"
                        + " 'Rpl_semi_sync_master_no_tx', 'Rpl_semi_sync_master_no_times',"
                        + " 'Rpl_semi_sync_master_clients', 'Rpl_semi_sync_master_status')")) {
            StringBuilder sbuf = new StringBuilder("  " + master + " semi-sync:");
            while (rs.next()) {
                sbuf.append(' ').append(rs.getString(1).replace("Rpl_semi_sync_master_", "")).append('=')
                        .append(rs.getString(2));
            }
            System.out.println(sbuf);
        } catch (Exception e) {
            System.out.println("  " + master + " semi-sync counters: " + e.getMessage());
        }
    }

    static String masterOrNull() {
        try {
            return master();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static List<ManagerApi.AuditRecord> history() {
        return manager().call(ManagerApi.HISTORY, new ManagerApi.HistoryRequest(200))
                .records();
    }

    static long lostWrites() throws Exception {
        String m = master();
        long lost = 0;
        ManagerApi.ClusterView v = manager().call(ManagerApi.CLUSTER);
        for (SandboxLayout.Host h : sb.layout().hosts()) {
            if (v.datasources().stream().noneMatch(d -> d.host().equals(h.name()) && d.state().equals("ONLINE"))) {
                System.out.printf(Locale.ROOT, "  %s: not in service, not counted%n", h.name());
                continue;
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            Set<Long> present = new HashSet<>();
            while (true) {
                present.clear();
                try (Connection c = direct(h); Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT txn FROM bench.ledger")) {
                    while (rs.next()) {
                        present.add(rs.getLong(1));
                    }
                }
                synchronized (acked) {
                    if (present.containsAll(acked) || System.nanoTime() > deadline) {
                        List<Long> missing = new ArrayList<>();
                        for (long t : acked) {
                            if (!present.contains(t)) {
                                missing.add(t);
                            }
                        }
                        lost += missing.size();
                        Set<Long> unacked = new HashSet<>(present);
                        acked.forEach(unacked::remove);
                        if (!missing.isEmpty() || !unacked.isEmpty()) {
                            System.out.printf(Locale.ROOT, "  %s: acknowledged but missing %s; present but never"
                                    + " acknowledged %s%n", h.name(), missing, new java.util.TreeSet<>(unacked));
                        }
                        break;
                    }
                }
                sleep(500); // a slave still applying
            }
            System.out.printf(Locale.ROOT, "  %s%s: %d rows%n", h.name(), h.name().equals(m) ? " (master)" : "",
                    present.size());
        }
        return lost;
    }

    static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.isEmpty() ? -1 : s.get(s.size() / 2);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
