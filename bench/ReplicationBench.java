import io.tantalum.api.AdminClient;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.cli.sandbox.SandboxLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Tantalum against native MariaDB replication, in the same run on the same machine: a 3-host
 * sandbox where host2 is a Tantalum slave and host3 a native replica (CHANGE MASTER TO ...
 * MASTER_USE_GTID=slave_pos) of the same master. Run with bench/replication.
 *
 * <p>PROFILE=durable (default): every server keeps sync_binlog=1 and innodb_flush_log_at_trx_commit=1.
 * PROFILE=relaxed: both slaves run sync_binlog=0 and innodb_flush_log_at_trx_commit=2, as many DBAs set
 * replicas, and the native replica's parallel applier runs optimistic (slave_parallel_mode).
 */
public final class ReplicationBench {
    static final int DURATION = Integer.parseInt(System.getenv().getOrDefault("DURATION", "60"));
    static final String TABLES = System.getenv().getOrDefault("TABLES", "4");
    static final String TABLE_SIZE = System.getenv().getOrDefault("TABLE_SIZE", "10000");
    static final String THREADS = System.getenv().getOrDefault("THREADS", "2");
    static final String PROFILE = System.getenv().getOrDefault("PROFILE", "durable");
    /** sysbench's key distribution: its default, special, sends 75 % of the accesses to 1 % of the rows (hot rows). */
    static final String RAND = System.getenv().getOrDefault("RAND", "special");
    static final int LAG_SAMPLE_MS = Integer.parseInt(System.getenv().getOrDefault("LAG_SAMPLE_MS", "10"));
    /** MODE=scrape: the Tantalum slave's catch-up with every replicator's /metrics scraped each second, against without. */
    static final String MODE = System.getenv().getOrDefault("MODE", "compare");
    static final int PAIRS = Integer.parseInt(System.getenv().getOrDefault("PAIRS", "3"));
    static Sandbox sb;
    static Path dir;
    static SandboxLayout.Host m, t, n;

    public static void main(String[] args) throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "trbench");
        Files.delete(dir);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        sb = Sandbox.deploy(new Sandbox.DeployOptions(dir, 3, System.getenv().getOrDefault("SUBNET", "127.0.7"), "alpha",
                "1".equals(System.getenv("TLS")), true),
                quiet);
        try {
            if (MODE.equals("scrape")) {
                scrapeCost();
            } else {
                run();
            }
        } finally {
            sb.destroy(quiet);
        }
    }

    static void run() throws Exception {
        m = sb.layout().hosts().get(0);
        t = sb.layout().hosts().get(1);
        n = sb.layout().hosts().get(2);
        sb.stopReplicator(n);
        exec(n, "STOP ALL SLAVES", "SET GLOBAL gtid_slave_pos='" + query(m, "SELECT @@gtid_binlog_pos") + "'",
                "CHANGE MASTER TO MASTER_HOST='" + m.address() + "', MASTER_PORT=3306, MASTER_USER='tungsten',"
                        + " MASTER_PASSWORD='" + sb.layout().replicatorPassword() + "', MASTER_USE_GTID=slave_pos", "START SLAVE");
        if (PROFILE.equals("relaxed")) {
            for (SandboxLayout.Host h : List.of(t, n)) {
                exec(h, "SET GLOBAL sync_binlog=0", "SET GLOBAL innodb_flush_log_at_trx_commit=2");
            }
            exec(n, "STOP SLAVE", "SET GLOBAL slave_parallel_mode='optimistic'", "START SLAVE");
        } else if (!PROFILE.equals("durable")) {
            throw new IllegalArgumentException("PROFILE=" + PROFILE + ": use durable or relaxed");
        }
        exec(m, "CREATE DATABASE sbtest");
        sysbench("prepare", 0);
        awaitCaughtUp();

        // live: both slaves replicate while the master runs the load; lag sampled every LAG_SAMPLE_MS
        Lag lag = new Lag();
        Thread sampler = new Thread(lag::sample);
        sampler.start();
        double masterTps = sysbench("run", DURATION);
        lag.stop = true;
        sampler.join();
        awaitCaughtUp();

        Catchup serial = catchup(0, 1);
        Catchup parallel = catchup(4, 1);
        long rss = rssMb();
        Catchup channels = catchup(4, 4);
        rss = Math.max(rss, rssMb());

        System.out.printf(Locale.ROOT, "%nTantalum vs native MariaDB replication (profile %s, sysbench oltp_write_only %sx%s,"
                + " rand-type %s, %s threads, %ds per load)%n", PROFILE, TABLES, TABLE_SIZE, RAND, THREADS, DURATION);
        System.out.printf(Locale.ROOT, "%-44s %12s %12s %8s%n", "figure", "native", "tantalum", "ratio");
        System.out.printf(Locale.ROOT, "%-44s %12.0f %12.0f %8.2f%n", "catch-up tx/s (native serial, 1 channel)",
                serial.nativeRate, serial.tantalumRate, serial.tantalumRate / serial.nativeRate);
        System.out.printf(Locale.ROOT, "%-44s %12.0f %12.0f %8.2f%n", "catch-up tx/s (native 4 threads, 1 channel)",
                parallel.nativeRate, parallel.tantalumRate, parallel.tantalumRate / parallel.nativeRate);
        System.out.printf(Locale.ROOT, "%-44s %12.0f %12.0f %8.2f%n", "catch-up tx/s (native 4 threads, 4 channels)",
                channels.nativeRate, channels.tantalumRate, channels.tantalumRate / channels.nativeRate);
        System.out.printf(Locale.ROOT, "%-44s %12.0f %12.0f %8.2f%n", "catch-up tx/s (native serial, 4 channels)",
                serial.nativeRate, channels.tantalumRate, channels.tantalumRate / serial.nativeRate);
        System.out.printf(Locale.ROOT, "%-44s %12.0f %12.0f %8s%n", "live lag p50 ms", lag.p(0, 50), lag.p(1, 50), "");
        System.out.printf(Locale.ROOT, "%-44s %12.0f %12.0f %8s%n", "live lag p99 ms", lag.p(0, 99), lag.p(1, 99), "");
        System.out.printf(Locale.ROOT, "%-44s %12.0f %12.0f %8s%n", "live lag max ms", lag.p(0, 100), lag.p(1, 100), "");
        System.out.printf(Locale.ROOT, "%-44s %12.0f%n", "master tps during live load", masterTps);
        System.out.printf(Locale.ROOT, "%-44s %12s %12.2f%n", "replicator CPU s per 1000 tx", "",
                serial.cpuSecondsPer1000);
        System.out.printf(Locale.ROOT, "%-44s %12s %12d%n", "replicator RSS MiB (slave)", "", rss);
        System.out.printf(Locale.ROOT, "figure native_serial_tps=%.0f tantalum_serial_tps=%.0f native_parallel4_tps=%.0f"
                + " tantalum_parallel_run_tps=%.0f tantalum_channels4_tps=%.0f native_lag_p99_ms=%.0f master_tps=%.0f%n",
                serial.nativeRate, serial.tantalumRate, parallel.nativeRate, parallel.tantalumRate, channels.tantalumRate,
                lag.p(0, 99), masterTps);
        double bestParallel = Math.max(parallel.tantalumRate / parallel.nativeRate,
                channels.tantalumRate / channels.nativeRate);
        System.out.printf(Locale.ROOT, "RESULT catchup_ratio_serial=%.2f catchup_ratio_parallel4=%.2f"
                + " catchup_ratio_channels4=%.2f live_lag_p99_ms=%.0f native_lag_p99_ms=%.0f replicator_rss_mb=%d%s%n",
                serial.tantalumRate / serial.nativeRate, parallel.tantalumRate / parallel.nativeRate,
                channels.tantalumRate / channels.nativeRate, lag.p(1, 99), lag.p(0, 99), rss,
                PROFILE.equals("relaxed") ? String.format(Locale.ROOT, " relaxed_ratio_parallel4=%.2f", bestParallel) : "");
    }

    /**
     * What Prometheus costs the replicator (issue 16: within 2 %): PAIRS pairs of Tantalum catch-ups
     * of a DURATION-second backlog, one while a scraper reads every replicator's /metrics and
     * /health/slave each second (as Prometheus and a load balancer would), one without, in
     * alternating order so that a drift of the machine falls on both sides alike.
     */
    static void scrapeCost() throws Exception {
        m = sb.layout().hosts().get(0);
        t = sb.layout().hosts().get(1);
        n = sb.layout().hosts().get(2);
        exec(m, "CREATE DATABASE sbtest");
        sysbench("prepare", 0);
        awaitCaughtUp(false);
        List<Double> plain = new ArrayList<>();
        List<Double> scraped = new ArrayList<>();
        long scrapes = 0;
        for (int pair = 0; pair < PAIRS; pair++) {
            for (boolean scraping : pair % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                admin(t).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
                sysbench("run", DURATION);
                Scraper scraper = new Scraper();
                Thread thread = new Thread(scraper::run);
                if (scraping) {
                    thread.start();
                }
                double rate = tantalumCatchup(seq(m)).rate();
                scraper.stop = true;
                if (scraping) {
                    thread.join();
                    scrapes += scraper.count;
                }
                (scraping ? scraped : plain).add(rate);
                System.out.printf(Locale.ROOT, "pair %d %-13s %8.0f tx/s%s%n", pair + 1, scraping ? "scraped" : "not scraped",
                        rate, scraping ? " (" + scraper.count + " scrapes)" : "");
            }
        }
        double withScrapes = median(scraped);
        double without = median(plain);
        System.out.printf(Locale.ROOT, "%nTantalum slave catch-up (sysbench oltp_write_only %sx%s, %ds loads, %d pairs):"
                + " median %.0f tx/s scraped every second, %.0f tx/s not scraped (%d scrapes)%n", TABLES, TABLE_SIZE,
                DURATION, PAIRS, withScrapes, without, scrapes);
        System.out.printf(Locale.ROOT, "RESULT scraped_tps=%.0f not_scraped_tps=%.0f scrape_ratio=%.3f%n", withScrapes,
                without, withScrapes / without);
    }

    /** Reads /metrics and /health/slave of every replicator once a second, with the sandbox's admin token. */
    static final class Scraper {
        volatile boolean stop;
        volatile long count;

        void run() {
            String token;
            try {
                token = Files.readAllLines(dir.resolve(sb.layout().service() + ".secrets")).stream()
                        .filter(l -> l.startsWith("admin-token=")).findFirst().orElseThrow().substring(12);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            while (!stop) {
                long next = System.currentTimeMillis() + 1000;
                for (SandboxLayout.Host h : sb.layout().hosts()) {
                    for (String path : List.of("/metrics", "/health/slave?lag=10")) {
                        get("http://" + h.address() + ":" + h.adminPort() + path, token);
                    }
                }
                count++;
                while (!stop && System.currentTimeMillis() < next) {
                    sleep(20);
                }
            }
        }

        static void get(String url, String token) {
            try {
                java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(url).toURL()
                        .openConnection();
                c.setRequestProperty("Authorization", "Bearer " + token);
                try (var in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
                    if (in != null) {
                        in.readAllBytes();
                    }
                }
            } catch (java.io.IOException e) {
                // a replicator that is not serving (the stopped one) is scraped again next second, as Prometheus does
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static double median(List<Double> values) {
        List<Double> l = new ArrayList<>(values);
        Collections.sort(l);
        return l.size() % 2 == 1 ? l.get(l.size() / 2) : (l.get(l.size() / 2 - 1) + l.get(l.size() / 2)) / 2;
    }

    record Catchup(double nativeRate, double tantalumRate, double cpuSecondsPer1000) {}

    /** Both slaves stopped during a load; then each catches up alone, native first (Tantalum with {@code channels}). */
    static Catchup catchup(int nativeThreads, int channels) throws Exception {
        setChannels(channels);
        exec(n, "STOP SLAVE", "SET GLOBAL slave_parallel_threads=" + nativeThreads);
        admin(t).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
        sysbench("run", DURATION);
        long target = seq(m);
        long nFrom = nativeSeq();
        long start = System.nanoTime();
        exec(n, "START SLAVE");
        while (nativeSeq() < target) {
            Thread.sleep(20);
        }
        double nativeRate = (target - nFrom) / ((System.nanoTime() - start) / 1e9);
        Timed tantalum = tantalumCatchup(target);
        return new Catchup(nativeRate, tantalum.rate(), tantalum.cpuSecondsPer1000());
    }

    record Timed(double rate, double cpuSecondsPer1000) {}

    /** Puts the (offline) Tantalum slave online and times its catch-up to the master's GTID seqno {@code target}. */
    static Timed tantalumCatchup(long target) throws Exception {
        long tFrom = tantalumSeq();
        long cpu0 = cpuTicks();
        long start = System.nanoTime();
        admin(t).call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(null, false, null));
        while (tantalumSeq() < target) {
            tantalumHealthy();
            Thread.sleep(20);
        }
        double rate = (target - tFrom) / ((System.nanoTime() - start) / 1e9);
        double cpu = (cpuTicks() - cpu0) / 100.0;
        return new Timed(rate, cpu * 1000 / Math.max(1, target - tFrom));
    }

    /** Restarts the Tantalum slave's replicator with {@code channels} apply channels, if it has another number. */
    static void setChannels(int channels) throws Exception {
        Path conf = sb.replicatorConfig(t);
        String now = Files.readString(conf);
        String line = "replicator.apply.channels=" + channels;
        if (now.contains(line)) {
            return;
        }
        Files.writeString(conf, now.replaceAll("(?m)^replicator\\.apply\\.channels=.*\n", "") + line + "\n");
        sb.stopReplicator(t);
        sb.startReplicator(t);
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) { // it goes online by itself (replicator.auto.online)
            try {
                if (admin(t).call(ReplicatorApi.STATUS).state().equals("ONLINE")) {
                    return;
                }
            } catch (RuntimeException starting) {
                // its admin API is not up yet
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(t.name() + " is not ONLINE 60 s after its restart");
            }
            Thread.sleep(100);
        }
    }

    /** Lag of each slave (0 native, 1 Tantalum): how long ago the master committed the oldest transaction it lacks. */
    static final class Lag {
        volatile boolean stop;
        final List<long[]> master = new ArrayList<>();
        final List<List<Double>> lags = List.of(new ArrayList<>(), new ArrayList<>());

        void sample() {
            try (Connection cm = connect(m); Connection cn = connect(n); Connection ct = connect(t)) {
                while (!stop) {
                    long now = System.currentTimeMillis();
                    master.add(new long[] {now, seq(cm)});
                    lags.get(0).add(lagOf(seq(cn, "SELECT @@gtid_slave_pos"), now));
                    lags.get(1).add(lagOf(appliedGtidSeq(ct), now));
                    Thread.sleep(LAG_SAMPLE_MS);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        double lagOf(long applied, long now) {
            for (long[] s : master) {
                if (s[1] > applied) {
                    return now - s[0];
                }
            }
            return 0;
        }

        double p(int which, int pct) {
            List<Double> l = new ArrayList<>(lags.get(which));
            Collections.sort(l);
            return l.isEmpty() ? 0 : l.get(Math.min(l.size() - 1, (int) Math.ceil(pct / 100.0 * l.size()) - 1 < 0 ? 0
                    : (int) Math.ceil(pct / 100.0 * l.size()) - 1));
        }
    }

    static double sysbench(String cmd, int seconds) throws Exception {
        List<String> c = new ArrayList<>(List.of("sysbench", "oltp_write_only", "--db-driver=mysql", "--mysql-host="
                + m.address(), "--mysql-port=3306", "--mysql-user=app", "--mysql-password=" + sb.layout().appPassword(), "--mysql-db=sbtest",
                "--tables=" + TABLES, "--table-size=" + TABLE_SIZE, "--threads=" + THREADS, "--rand-type=" + RAND));
        if (seconds > 0) {
            c.add("--time=" + seconds);
            c.add("--report-interval=0");
        }
        c.add(cmd);
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("sysbench " + cmd + " failed:\n" + out);
        }
        for (String line : out.split("\n")) {
            if (line.trim().startsWith("transactions:")) {
                return Double.parseDouble(line.replaceAll(".*\\(([0-9.]+) per sec.*", "$1"));
            }
        }
        return 0;
    }

    static void awaitCaughtUp() throws Exception {
        awaitCaughtUp(true);
    }

    static void awaitCaughtUp(boolean nativeToo) throws Exception {
        long target = seq(m);
        while ((nativeToo && nativeSeq() < target) || tantalumSeq() < target) {
            tantalumHealthy();
            Thread.sleep(100);
        }
    }

    /** Ends the run at once if the Tantalum slave stopped with an error (it would never catch up). */
    static void tantalumHealthy() {
        ReplicatorStatus st = admin(t).call(ReplicatorApi.STATUS);
        if (st.state().startsWith("OFFLINE:ERROR")) {
            throw new IllegalStateException("the Tantalum slave stopped: " + st.pendingError());
        }
    }

    static Connection connect(SandboxLayout.Host h) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + h.address() + ":3306/", "tungsten",
                sb.layout().replicatorPassword());
    }

    static String query(SandboxLayout.Host h, String sql) throws SQLException {
        try (Connection c = connect(h); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void exec(SandboxLayout.Host h, String... sql) throws SQLException {
        try (Connection c = connect(h); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    static long gtidSeq(String gtid) {
        if (gtid == null || gtid.isBlank()) {
            return 0;
        }
        String first = gtid.split(",")[0].trim();
        return Long.parseLong(first.substring(first.lastIndexOf('-') + 1));
    }

    static long seq(SandboxLayout.Host h) throws SQLException {
        return gtidSeq(query(h, "SELECT @@gtid_binlog_pos"));
    }

    static long seq(Connection c) throws SQLException {
        return seq(c, "SELECT @@gtid_binlog_pos");
    }

    static long seq(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return gtidSeq(rs.getString(1));
        }
    }

    static long nativeSeq() throws SQLException {
        return gtidSeq(query(n, "SELECT @@gtid_slave_pos"));
    }

    static long appliedGtidSeq(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT eventid FROM tantalum_alpha.trep_commit_seqno")) {
            if (!rs.next()) {
                return 0;
            }
            String e = rs.getString(1);
            int i = e.indexOf("gtid=");
            return i < 0 ? 0 : gtidSeq(e.substring(i + 5));
        }
    }

    static long tantalumSeq() throws SQLException {
        try (Connection c = connect(t)) {
            return appliedGtidSeq(c);
        }
    }

    static AdminClient admin(SandboxLayout.Host h) {
        return sb.admin(h);
    }

    static long pid() {
        return sb.replicatorProcess(t).orElseThrow().pid();
    }

    static long cpuTicks() throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid() + "/stat")).split(" ");
        return Long.parseLong(f[13]) + Long.parseLong(f[14]);
    }

    static long rssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
