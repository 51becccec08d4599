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
import java.util.Map;
import java.util.TreeMap;

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
    /** The loads' target rate in transactions a second (sysbench --rate), or null: as fast as the master goes. */
    static final String RATE = System.getenv("RATE");
    static final String PROFILE = System.getenv().getOrDefault("PROFILE", "durable");
    /** sysbench's key distribution: its default, special, sends 75 % of the accesses to 1 % of the rows (hot rows). */
    static final String RAND = System.getenv().getOrDefault("RAND", "special");
    static final int LAG_SAMPLE_MS = Integer.parseInt(System.getenv().getOrDefault("LAG_SAMPLE_MS", "10"));
    /** MODE=scrape: the Tantalum slave's catch-up with every replicator's /metrics scraped each second, against without. */
    static final String MODE = System.getenv().getOrDefault("MODE", "compare");
    static final int PAIRS = Integer.parseInt(System.getenv().getOrDefault("PAIRS", "3"));
    /**
     * The load, in seconds, of the catch-up that both slaves make, not timed, before the first timed one and
     * after each restart of the Tantalum replicator (0: none): see {@link #warmUp}.
     */
    static final int WARMUP = Integer.parseInt(System.getenv().getOrDefault("WARMUP", "15"));
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
        if (profile(t, n)) {
            exec(n, "STOP SLAVE", "SET GLOBAL slave_parallel_mode='optimistic'", "START SLAVE");
        }
        exec(m, "CREATE DATABASE sbtest");
        sysbench("prepare", 0);
        awaitCaughtUp();

        Live live = live();
        Lag lag = live.lag();
        double masterTps = live.masterTps();
        if (MODE.equals("lag")) {
            System.out.printf(Locale.ROOT, "%nLive lag, Tantalum vs native (profile %s, %s threads, %ds)%n", PROFILE, THREADS,
                    DURATION);
            live.print();
            System.out.printf(Locale.ROOT, "RESULT live_lag_p99_ms=%.1f native_lag_p99_ms=%.1f live_lag_p50_ms=%.1f"
                    + " native_lag_p50_ms=%.1f live_lag_mean_ms=%.2f native_lag_mean_ms=%.2f master_tps=%.0f%n",
                    lag.p(1, 99), lag.p(0, 99), lag.p(1, 50), lag.p(0, 50), lag.mean(1), lag.mean(0), masterTps);
            return;
        }

        warmUp();
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
        live.print();
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
                + " catchup_ratio_channels4=%.2f live_lag_p99_ms=%.1f native_lag_p99_ms=%.1f replicator_rss_mb=%d%s%n",
                serial.tantalumRate / serial.nativeRate, parallel.tantalumRate / parallel.nativeRate,
                channels.tantalumRate / channels.nativeRate, lag.p(1, 99), lag.p(0, 99), rss,
                PROFILE.equals("relaxed") ? String.format(Locale.ROOT, " relaxed_ratio_parallel4=%.2f", bestParallel) : "");
    }

    /**
     * What Prometheus costs the replicator (issue 16: within 2 %): PAIRS rounds of Tantalum catch-ups
     * of a DURATION-second backlog, one without scraping, one while a scraper reads every
     * replicator's /metrics and /health/slave once a second (as Prometheus and a load balancer
     * would), one 20 times a second, in an order that turns each round so that a drift of the
     * machine falls on all alike. A scrape costs a few ms of CPU, so once a second is lost in the
     * noise of a catch-up; 20 a second shows the cost per scrape, and the loss grows linearly with
     * the rate: the loss at once a second is a twentieth of it.
     */
    static void scrapeCost() throws Exception {
        m = sb.layout().hosts().get(0);
        t = sb.layout().hosts().get(1);
        n = sb.layout().hosts().get(2);
        profile(t);
        exec(m, "CREATE DATABASE sbtest");
        sysbench("prepare", 0);
        awaitCaughtUp(false);
        // what a scrape costs, directly: the replicators' CPU over 10 s at rest, without scraping and at 20 a second
        double restCpu = scrapedCpuSeconds(0);
        double scrapedCpu = scrapedCpuSeconds(20);
        double cpuMsPerScrape = (scrapedCpu - restCpu) * 1000 / (20 * 10);
        System.out.printf(Locale.ROOT, "replicators' CPU over 10 s at rest: %.2f s not scraped, %.2f s scraped 20 times a"
                + " second: %.1f ms per scrape of the %d replicators (/metrics and /health/slave each)%n", restCpu,
                scrapedCpu, cpuMsPerScrape, sb.layout().hosts().size());
        int[] rates = {0, 1, 20};
        Map<Integer, List<Double>> byRate = new TreeMap<>();
        scrapedCatchup(0); // warms the slave up (JIT, buffer pool): not counted
        for (int round = 0; round < PAIRS; round++) {
            for (int k = 0; k < rates.length; k++) {
                int hz = rates[(round % 2 == 0 ? k : rates.length - 1 - k)];
                double rate = scrapedCatchup(hz);
                byRate.computeIfAbsent(hz, x -> new ArrayList<>()).add(rate);
                System.out.printf(Locale.ROOT, "round %d, %2d scrapes/s: %8.0f tx/s%n", round + 1, hz, rate);
            }
        }
        double none = median(byRate.get(0));
        double once = median(byRate.get(1));
        double often = median(byRate.get(20));
        double lossPerScrapePerSecond = (1 - often / none) / 20;
        System.out.printf(Locale.ROOT, "%nTantalum slave catch-up (profile %s, sysbench oltp_write_only %sx%s, %ds loads, %d rounds),"
                + " medians: %.0f tx/s not scraped, %.0f scraped once a second, %.0f scraped 20 times a second%n",
                PROFILE, TABLES, TABLE_SIZE, DURATION, PAIRS, none, once, often);
        System.out.printf(Locale.ROOT, "loss at 20 scrapes/s %.1f %% -> at one scrape a second %.2f %%%n",
                100 * (1 - often / none), 100 * lossPerScrapePerSecond);
        System.out.printf(Locale.ROOT, "RESULT not_scraped_tps=%.0f scraped_1hz_tps=%.0f scraped_20hz_tps=%.0f"
                + " scrape_ratio_1hz=%.3f scrape_ratio_20hz=%.3f scrape_loss_1hz_pct=%.2f scrape_cpu_ms=%.1f"
                + " scrape_cpu_1hz_pct_of_machine=%.2f%n", none, once, often, once / none, often / none,
                100 * lossPerScrapePerSecond, cpuMsPerScrape, cpuMsPerScrape / 1000 / Runtime.getRuntime()
                        .availableProcessors() * 100);
    }

    /** The CPU seconds every replicator used over 10 s of rest while scraped {@code hz} times a second. */
    static double scrapedCpuSeconds(int hz) throws Exception {
        Scraper scraper = new Scraper(hz);
        Thread thread = new Thread(scraper::run);
        long before = replicatorsCpuTicks();
        if (hz > 0) {
            thread.start();
        }
        Thread.sleep(10_000);
        long ticks = replicatorsCpuTicks() - before;
        scraper.stop = true;
        if (hz > 0) {
            thread.join();
        }
        return ticks / 100.0;
    }

    static long replicatorsCpuTicks() throws Exception {
        long ticks = 0;
        for (SandboxLayout.Host h : sb.layout().hosts()) {
            ticks += cpuTicks(sb.replicatorProcess(h).orElseThrow().pid());
        }
        return ticks;
    }

    /** The Tantalum slave's catch-up of a DURATION-second backlog while every replicator is scraped {@code hz} times a second. */
    static double scrapedCatchup(int hz) throws Exception {
        admin(t).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
        sysbench("run", DURATION);
        Scraper scraper = new Scraper(hz);
        Thread thread = new Thread(scraper::run);
        if (hz > 0) {
            thread.start();
        }
        double rate = tantalumCatchup(seq(m)).rate();
        scraper.stop = true;
        if (hz > 0) {
            thread.join();
        }
        return rate;
    }

    /** Reads /metrics and /health/slave of every replicator {@code hz} times a second, with the sandbox's admin token. */
    static final class Scraper {
        final int hz;
        volatile boolean stop;

        Scraper(int hz) {
            this.hz = hz;
        }

        void run() {
            String token = token();
            long next = System.nanoTime();
            while (!stop) {
                for (SandboxLayout.Host h : sb.layout().hosts()) {
                    for (String path : List.of("/metrics", "/health/slave?lag=10")) {
                        get("http://" + h.address() + ":" + h.adminPort() + path, token);
                    }
                }
                next += 1_000_000_000L / hz;
                while (!stop && System.nanoTime() < next) {
                    sleep(Math.max(1, Math.min(20, (next - System.nanoTime()) / 1_000_000)));
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
                // a replicator that is not serving is scraped again next time, as Prometheus does
            }
        }
    }

    /** The sandbox's admin token, from its secrets file. */
    static String token() {
        try {
            return Files.readAllLines(dir.resolve(sb.layout().service() + ".secrets")).stream()
                    .filter(l -> l.startsWith("admin-token=")).findFirst().orElseThrow().substring(12);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
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

    /** PROFILE=relaxed: the slaves run sync_binlog=0 and innodb_flush_log_at_trx_commit=2 (true); durable: nothing to do. */
    static boolean profile(SandboxLayout.Host... slaves) throws SQLException {
        if (PROFILE.equals("durable")) {
            return false;
        }
        if (!PROFILE.equals("relaxed")) {
            throw new IllegalArgumentException("PROFILE=" + PROFILE + ": use durable or relaxed");
        }
        for (SandboxLayout.Host h : slaves) {
            exec(h, "SET GLOBAL sync_binlog=0", "SET GLOBAL innodb_flush_log_at_trx_commit=2");
        }
        return true;
    }

    /**
     * Each stage's figures from a replicator's /metrics (tantalum_replicator_stage_seconds): "sum" (s),
     * "count", and each histogram bucket by its bound ("0.005": transactions that took 5 ms or less).
     */
    static Map<String, Map<String, Double>> stages(SandboxLayout.Host h) throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create("http://" + h.address() + ":"
                + h.adminPort() + "/metrics").toURL().openConnection();
        c.setRequestProperty("Authorization", "Bearer " + token());
        String text;
        try (var in = c.getInputStream()) {
            text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        Map<String, Map<String, Double>> m = new TreeMap<>();
        java.util.regex.Matcher x = java.util.regex.Pattern.compile(
                "(?m)^tantalum_replicator_stage_seconds_(sum|count|bucket)\\{([^}]*)} (\\S+)$").matcher(text);
        while (x.find()) {
            java.util.regex.Matcher stage = java.util.regex.Pattern.compile("stage=\"(\\w+)\"").matcher(x.group(2));
            java.util.regex.Matcher le = java.util.regex.Pattern.compile("le=\"([^\"]+)\"").matcher(x.group(2));
            if (stage.find()) {
                String key = x.group(1).equals("bucket") && le.find() ? le.group(1) : x.group(1);
                m.computeIfAbsent(stage.group(1), k -> new TreeMap<>()).put(key, Double.parseDouble(x.group(3)));
            }
        }
        return m;
    }

    /** A stage between two scrapes: mean ms, and the % of transactions over 5, 10 and 20 ms (NaN when none went through). */
    record StageFigures(double meanMs, double over5, double over10, double over20) {
        static StageFigures between(Map<String, Map<String, Double>> before, Map<String, Map<String, Double>> after,
                String stage) {
            Map<String, Double> b = before.getOrDefault(stage, Map.of());
            Map<String, Double> a = after.getOrDefault(stage, Map.of());
            double count = a.getOrDefault("count", 0.0) - b.getOrDefault("count", 0.0);
            if (count <= 0) {
                return new StageFigures(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            java.util.function.Function<String, Double> over = le -> 100 * (1 - (a.getOrDefault(le, 0.0)
                    - b.getOrDefault(le, 0.0)) / count);
            return new StageFigures(1000 * (a.getOrDefault("sum", 0.0) - b.getOrDefault("sum", 0.0)) / count,
                    over.apply("0.005"), over.apply("0.01"), over.apply("0.02"));
        }
    }

    record Catchup(double nativeRate, double tantalumRate, double cpuSecondsPer1000) {}

    /** Both slaves stopped during a load; then each catches up alone, native first (Tantalum with {@code channels}). */
    static Catchup catchup(int nativeThreads, int channels) throws Exception {
        if (setChannels(channels)) {
            warmUp();
        }
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

    /**
     * A catch-up of a {@link #WARMUP}-second load by both slaves, not timed: before the first timed one and
     * after each restart of the Tantalum replicator (the 4-channel catch-up restarts it). A JVM's first
     * catch-up after its start also pays for the JIT compiling the catch-up's code (blocks of 100, batches of
     * statements, which the live load's small blocks do not reach) and for its heap growing; a native replica,
     * which never restarts, pays nothing of the kind. Both slaves make this catch-up, so both are timed warm
     * (bench/README.md, 2026-12-04 evening: the first timed catch-up was the slower of two in 5 of 6 runs
     * without it, 1 of 3 with it; within the run-to-run spread).
     */
    static void warmUp() throws Exception {
        if (WARMUP <= 0) {
            return;
        }
        exec(n, "STOP SLAVE");
        admin(t).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
        sysbench("run", WARMUP);
        exec(n, "START SLAVE");
        admin(t).call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(null, false, null));
        awaitCaughtUp();
    }

    /**
     * Restarts the Tantalum slave's replicator with {@code channels} apply channels, if it has another number
     * (then true).
     */
    static boolean setChannels(int channels) throws Exception {
        Path conf = sb.replicatorConfig(t);
        String now = Files.readString(conf);
        String line = "replicator.apply.channels=" + channels;
        if (now.contains(line)) {
            return false;
        }
        Files.writeString(conf, now.replaceAll("(?m)^replicator\\.apply\\.channels=.*\n", "") + line + "\n");
        sb.stopReplicator(t);
        sb.startReplicator(t);
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) { // it goes online by itself (replicator.auto.online)
            try {
                if (admin(t).call(ReplicatorApi.STATUS).state().equals("ONLINE")) {
                    return true;
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

    /** The live load's figures: both slaves' lag, the master's rate, Tantalum's stage times. */
    record Live(Lag lag, double masterTps, Map<String, StageFigures> breakdown) {
        void print() {
            System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f%n", "live lag p50 ms", lag.p(0, 50), lag.p(1, 50));
            System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f%n", "live lag p99 ms", lag.p(0, 99), lag.p(1, 99));
            System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f%n", "live lag max ms", lag.p(0, 100), lag.p(1, 100));
            System.out.printf(Locale.ROOT, "%-44s %12.2f %12.2f%n", "live lag mean ms", lag.mean(0), lag.mean(1));
            System.out.printf(Locale.ROOT, "%-44s %12d %12d%n", "live lag samples", lag.lags.get(0).size(),
                    lag.lags.get(1).size());
            System.out.printf(Locale.ROOT, "%-44s %12.0f%n", "master tps during live load", masterTps);
            System.out.printf(Locale.ROOT, "live load, Tantalum's stages per transaction (tantalum_replicator_stage_seconds):%n");
            System.out.printf(Locale.ROOT, "  %-14s %7s %8s %8s %8s%n", "stage", "mean ms", "% >5ms", "% >10ms", "% >20ms");
            breakdown.forEach((stage, f) -> System.out.printf(Locale.ROOT, "  %-14s %7.2f %8.2f %8.2f %8.2f%n", stage,
                    f.meanMs(), f.over5(), f.over10(), f.over20()));
            // with one apply channel the slave's store runs beside wait, apply and commit (the COMMIT waits for it)
            System.out.printf(Locale.ROOT, "  %-14s %7.2f  (ship + wait + apply + commit; the slave's store runs beside"
                    + " them)%n", "extract->commit", breakdown.get("slave ship").meanMs()
                            + breakdown.get("slave wait").meanMs() + breakdown.get("slave apply").meanMs()
                            + breakdown.get("slave commit").meanMs());
        }
    }

    /** Both slaves replicate while the master runs the load for DURATION seconds; then both catch up. */
    static Live live() throws Exception {
        Lag lag = new Lag();
        Map<String, Map<String, Double>> masterStages = stages(m);
        Map<String, Map<String, Double>> slaveStages = stages(t);
        lag.start();
        double masterTps = sysbench("run", DURATION);
        lag.stop();
        awaitCaughtUp();
        Map<String, StageFigures> breakdown = new java.util.LinkedHashMap<>();
        breakdown.put("master store", StageFigures.between(masterStages, stages(m), "store"));
        Map<String, Map<String, Double>> slaveAfter = stages(t);
        for (String s : List.of("ship", "store", "wait", "apply", "commit")) {
            breakdown.put("slave " + s, StageFigures.between(slaveStages, slaveAfter, s));
        }
        return new Live(lag, masterTps, breakdown);
    }

    /**
     * Lag of each slave (0 native, 1 Tantalum): how long ago the master committed the oldest
     * transaction the slave lacks. The master's position is read every MASTER_SAMPLE_MS (1) in a
     * thread of its own, so a transaction's commit time is known to about a millisecond; each
     * slave's is read every LAG_SAMPLE_MS in its own thread. A slave sample at t that lacks
     * transaction s has lag t - (when the master first showed s); 0 when it lacks nothing the
     * master had shown by t. Computed once the load is over.
     */
    static final class Lag {
        static final int MASTER_SAMPLE_MS = Integer.parseInt(System.getenv().getOrDefault("MASTER_SAMPLE_MS", "1"));
        volatile boolean stop;
        /** {nanoTime before the query, seqno} of the master, then of each slave. */
        final List<List<long[]>> samples = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        final List<List<Double>> lags = List.of(new ArrayList<>(), new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();

        void start() {
            threads.add(sampler(m, 0, MASTER_SAMPLE_MS, c -> seq(c)));
            threads.add(sampler(n, 1, LAG_SAMPLE_MS, c -> seq(c, "SELECT @@gtid_slave_pos")));
            threads.add(sampler(t, 2, LAG_SAMPLE_MS, ReplicationBench::appliedGtidSeq));
        }

        interface Reading {
            long read(Connection c) throws SQLException;
        }

        Thread sampler(SandboxLayout.Host h, int which, int everyMs, Reading r) {
            Thread th = new Thread(() -> {
                try (Connection c = connect(h)) {
                    List<long[]> out = samples.get(which);
                    while (!stop) {
                        long now = System.nanoTime();
                        out.add(new long[] {now, r.read(c)});
                        Thread.sleep(everyMs);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "lag-" + which);
            th.start();
            return th;
        }

        /** Stops the samplers and computes each slave sample's lag. */
        void stop() throws InterruptedException {
            stop = true;
            for (Thread th : threads) {
                th.join();
            }
            List<long[]> master = samples.get(0);
            for (int which = 0; which < 2; which++) {
                for (long[] s : samples.get(which + 1)) {
                    lags.get(which).add(lagOf(master, s[0], s[1]));
                }
            }
        }

        /** When the master first showed a seqno above {@code applied}, up to {@code at}: the lag in ms, or 0. */
        static double lagOf(List<long[]> master, long at, long applied) {
            int lo = 0;
            int hi = master.size();
            while (lo < hi) { // first master sample with seqno > applied
                int mid = (lo + hi) >>> 1;
                if (master.get(mid)[1] > applied) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo < master.size() && master.get(lo)[0] < at ? (at - master.get(lo)[0]) / 1e6 : 0;
        }

        double mean(int which) {
            return lags.get(which).stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }

        double p(int which, int pct) {
            List<Double> l = new ArrayList<>(lags.get(which));
            Collections.sort(l);
            return l.isEmpty() ? 0 : l.get(Math.max(0, Math.min(l.size() - 1, (int) Math.ceil(pct / 100.0 * l.size()) - 1)));
        }
    }

    static double sysbench(String cmd, int seconds) throws Exception {
        List<String> c = new ArrayList<>(List.of("sysbench", "oltp_write_only", "--db-driver=mysql", "--mysql-host="
                + m.address(), "--mysql-port=3306", "--mysql-user=app", "--mysql-password=" + sb.layout().appPassword(), "--mysql-db=sbtest",
                "--tables=" + TABLES, "--table-size=" + TABLE_SIZE, "--threads=" + THREADS, "--rand-type=" + RAND));
        if (seconds > 0) {
            c.add("--time=" + seconds);
            c.add("--report-interval=0");
            if (RATE != null) {
                c.add("--rate=" + RATE);
            }
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
        return cpuTicks(pid());
    }

    /** User and system CPU time of process {@code pid}, in clock ticks (1/100 s). */
    static long cpuTicks(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).split(" ");
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
