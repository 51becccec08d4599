import io.tantalum.api.AdminClient;
import io.tantalum.api.ManagerApi;
import io.tantalum.api.ReplicatorApi;
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

/**
 * Planned switches under a write load, on a 3-host sandbox with managers, ZooKeeper and a
 * connector. A client commits one small transaction after another through the connector
 * (reconnecting after an error, which it counts) while sysbench oltp_write_only runs through the
 * connector too; the bench asks the managers for SWITCHES switches, one every few seconds, and
 * prints each switch's duration (as the coordinator measured it), the longest time between two
 * of the client's acknowledged writes, its errors and sysbench's, and how many acknowledged writes
 * are missing from any host at the end. Before that it measures the connector's overhead:
 * sysbench oltp_read_only through the connector against a direct connection. Run with bench/switch.
 */
public final class SwitchBench {
    static final int SWITCHES = Integer.parseInt(System.getenv().getOrDefault("SWITCHES", "10"));
    /** SYSBENCH=0: only the writing client, no sysbench load and no overhead measurement. */
    static final boolean SYSBENCH = !"0".equals(System.getenv("SYSBENCH"));
    static Sandbox sb;
    static volatile boolean running = true;
    static final List<Long> acked = Collections.synchronizedList(new ArrayList<>());
    static volatile long lastAck = System.nanoTime();
    static volatile long maxGap;
    static volatile int writerErrors;

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "tsbench");
        Files.delete(dir);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        sb = Sandbox.deploy(new Sandbox.DeployOptions(dir, 3, System.getenv().getOrDefault("SUBNET", "127.0.8"), "alpha",
                false, false), quiet);
        try {
            run();
        } finally {
            sb.destroy(quiet);
        }
    }

    static SandboxLayout.Host master() {
        return sb.host(sb.manager(sb.layout().hosts().get(0)).call(ManagerApi.CLUSTER).master());
    }

    /** A session through the connector on the first host (the application's view). */
    static Connection viaConnector() throws Exception {
        return DriverManager.getConnection("jdbc:mariadb://" + sb.layout().hosts().get(0).address() + ":"
                + SandboxLayout.CONNECTOR_PORT + "/?connectTimeout=2000", sb.layout().appUser(), sb.layout().appPassword());
    }

    static Connection connect(SandboxLayout.Host h, String user, String password) throws Exception {
        return DriverManager.getConnection("jdbc:mariadb://" + h.address() + ":3306/?connectTimeout=2000", user, password);
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
                    maxGap = Math.max(maxGap, now - lastAck);
                    lastAck = now;
                }
            } catch (Exception e) {
                writerErrors++;
                System.out.println("writer: " + e.getMessage());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    static void run() throws Exception {
        try (Connection c = connect(master(), sb.layout().appUser(), sb.layout().appPassword());
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE bench");
            st.execute("CREATE TABLE bench.ledger (txn BIGINT PRIMARY KEY)");
            st.execute("CREATE DATABASE sbtest");
        }
        SandboxLayout.Host first = sb.layout().hosts().get(0);
        double direct = 0;
        double proxied = 0;
        double tcpProxy = Double.NaN;
        java.util.concurrent.CompletableFuture<String> load = java.util.concurrent.CompletableFuture.completedFuture("");
        if (SYSBENCH) {
            sysbench(first.address(), 3306, 10, "oltp_read_only", "prepare");
            double[] overhead = overhead(first.address());
            direct = overhead[0];
            proxied = overhead[1];
            tcpProxy = overhead[2];
            load = java.util.concurrent.CompletableFuture.supplyAsync(() -> sysbench(first.address(),
                    SandboxLayout.CONNECTOR_PORT, 5 + SWITCHES * 5, "oltp_write_only", "run"));
        }
        long deadlocksBefore = deadlocks();
        double adminMillis = adminRoundTripMillis(sb.admin(sb.layout().hosts().get(1)));
        Thread writer = new Thread(SwitchBench::write, "bench-writer");
        writer.start();
        Thread.sleep(3000);
        List<Long> durations = new ArrayList<>();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i <= SWITCHES; i++) {
            lastAck = System.nanoTime();
            maxGap = 0;
            ManagerApi.ProcedureReply r = sb.manager(sb.layout().hosts().get(0)).call(ManagerApi.SWITCH,
                    new ManagerApi.SwitchRequest(null));
            Thread.sleep(2000); // writes resume on the new master
            durations.add(r.totalMillis());
            gaps.add(maxGap / 1_000_000);
            StringBuilder phases = new StringBuilder();
            r.phases().forEach(p -> phases.append(' ').append(p.name()).append('=').append(p.millis()));
            System.out.printf(Locale.ROOT, "switch %2d: %s in %4d ms, longest write gap %4d ms;%s%n", i, r.master(),
                    r.totalMillis(), maxGap / 1_000_000, phases);
        }
        running = false;
        writer.join();
        String sysbench = load.get();
        java.util.regex.Matcher ignored = java.util.regex.Pattern.compile("ignored errors:\\s+(\\d+)").matcher(sysbench);
        long sysbenchErrors = (ignored.find() ? Long.parseLong(ignored.group(1)) : 0) + sysbench.lines()
                .filter(l -> l.startsWith("FATAL")).count();
        if (SYSBENCH) {
            System.out.printf(Locale.ROOT, "sysbench oltp_write_only through the connector during the switches: %.0f"
                    + " tps, %d error(s) (InnoDB deadlocks of the workload itself: %d)%n", tps(sysbench), sysbenchErrors,
                    deadlocks() - deadlocksBefore);
        }
        SandboxLayout.Host m = master();
        long seqno = sb.admin(m).call(ReplicatorApi.HEARTBEAT, new ReplicatorApi.HeartbeatRequest("bench")).seqno();
        long lost = 0;
        for (SandboxLayout.Host h : sb.layout().hosts()) {
            while (sb.admin(h).call(ReplicatorApi.STATUS).appliedLastSeqno() < seqno) {
                Thread.sleep(50);
            }
            Set<Long> present = new HashSet<>();
            try (Connection c = connect(h, sb.layout().replicatorUser(), sb.layout().replicatorPassword());
                    Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT txn FROM bench.ledger")) {
                while (rs.next()) {
                    present.add(rs.getLong(1));
                }
            }
            synchronized (acked) {
                for (long t : acked) {
                    if (!present.contains(t)) {
                        lost++;
                    }
                }
            }
        }
        List<Long> sorted = new ArrayList<>(durations);
        Collections.sort(sorted);
        System.out.printf(Locale.ROOT, "%d writes acknowledged; %d switches%n", acked.size(), durations.size());
        System.out.printf(Locale.ROOT, "RESULT switch_p50_ms=%d switch_max_ms=%d write_gap_max_ms=%d lost_writes=%d"
                + " writer_errors=%d sysbench_errors=%d ro_ratio=%.2f tcp_proxy_ratio=%.2f admin_call_p50_ms=%.1f%n",
                sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1), Collections.max(gaps), lost, writerErrors,
                sysbenchErrors, SYSBENCH ? proxied / direct : Double.NaN, tcpProxy / direct, adminMillis);
    }

    /**
     * sysbench oltp_read_only (4 threads) direct, through the connector and, when HAProxy is
     * installed, through HAProxy in TCP mode (a proxy that forwards bytes without reading them: the
     * floor for any proxy on this machine): three interleaved rounds of 8 s after a warm-up, the
     * median tps of each. Returns {direct, connector, haproxy or NaN}.
     */
    static double[] overhead(String host) throws Exception {
        sysbench(host, SandboxLayout.CONNECTOR_PORT, 5, "oltp_read_only", "run"); // the connector's JIT warms up
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "tshaproxy");
        Path pid = dir.resolve("haproxy.pid");
        int haproxyPort = SandboxLayout.CONNECTOR_PORT - 3;
        boolean haproxy = false;
        try {
            Path cfg = Files.writeString(dir.resolve("haproxy.cfg"), String.join("\n", "global", "    maxconn 1000",
                    "defaults", "    mode tcp", "    timeout connect 5s", "    timeout client 60s", "    timeout server 60s",
                    "listen mysql", "    bind " + host + ":" + haproxyPort, "    server m " + host + ":3306", ""));
            haproxy = new ProcessBuilder("haproxy", "-f", cfg.toString(), "-D", "-p", pid.toString()).inheritIO().start()
                    .waitFor() == 0;
        } catch (java.io.IOException e) {
            System.out.println("HAProxy is not installed (apt-get install haproxy): no TCP proxy reference");
        }
        try {
            List<List<Double>> tps = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (int round = 0; round < 3; round++) {
                tps.get(0).add(tps(sysbench(host, 3306, 8, "oltp_read_only", "run")));
                tps.get(1).add(tps(sysbench(host, SandboxLayout.CONNECTOR_PORT, 8, "oltp_read_only", "run")));
                if (haproxy) {
                    tps.get(2).add(tps(sysbench(host, haproxyPort, 8, "oltp_read_only", "run")));
                }
            }
            double[] median = tps.stream().mapToDouble(l -> l.isEmpty() ? Double.NaN
                    : l.stream().sorted().toList().get(l.size() / 2)).toArray();
            System.out.printf(Locale.ROOT, "sysbench oltp_read_only, 4 threads, median of 3 x 8 s: %s direct, %s through"
                    + " the connector (ratio %.2f), %s through HAProxy in TCP mode (ratio %.2f)%n", tps.get(0), tps.get(1),
                    median[1] / median[0], tps.get(2), median[2] / median[0]);
            return median;
        } finally {
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).trim())).ifPresent(ProcessHandle::destroy);
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /** sysbench with 4 threads on 4 tables of 10,000 rows (server-side prepared statements, its default). */
    static String sysbench(String host, int port, int seconds, String workload, String command) {
        try {
            Process p = new ProcessBuilder("sysbench", "--db-driver=mysql", "--mysql-host=" + host, "--mysql-port=" + port,
                    "--mysql-user=" + sb.layout().appUser(), "--mysql-password=" + sb.layout().appPassword(),
                    "--mysql-db=sbtest", "--tables=4", "--table-size=10000", "--threads=4", "--time=" + seconds, workload,
                    command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("sysbench " + workload + " " + command + " failed:\n" + out);
            }
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run sysbench (apt-get install sysbench)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static double tps(String sysbenchOutput) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("transactions:\\s+\\d+\\s+\\(([0-9.]+) per sec")
                .matcher(sysbenchOutput);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static long deadlocks() throws Exception {
        long n = 0;
        for (SandboxLayout.Host h : sb.layout().hosts()) {
            try (Connection c = connect(h, sb.layout().replicatorUser(), sb.layout().replicatorPassword());
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")) {
                rs.next();
                n += rs.getLong(2);
            }
        }
        return n;
    }

    /** The median round trip of a replicator status call (what every step of a switch pays), after 50 to warm up. */
    static double adminRoundTripMillis(AdminClient c) {
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            long t = System.nanoTime();
            c.call(ReplicatorApi.STATUS);
            if (i >= 50) {
                nanos.add(System.nanoTime() - t);
            }
        }
        Collections.sort(nanos);
        return nanos.get(nanos.size() / 2) / 1e6;
    }
}
