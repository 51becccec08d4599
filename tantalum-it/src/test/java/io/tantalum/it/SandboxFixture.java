package io.tantalum.it;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real sandbox dataservice for one test class: real mariadbd and replicator processes on a
 * loopback subnet of its own, in a temporary directory, destroyed on close (and by a shutdown
 * hook if the test JVM dies first).
 */
public final class SandboxFixture implements AutoCloseable {
    private final Path dir;
    private final Sandbox sandbox;
    private final Thread cleanup;
    /** Everything the CLIs printed in this sandbox, checked for secrets at {@link #close()}. */
    private final StringBuffer cliOutputs = new StringBuffer();
    private final Map<String, String> secrets;

    /** The outcome of running a CLI: exit code and output. */
    public record CliResult(int exitCode, String stdout, String stderr) {
        public String all() {
            return stdout + stderr;
        }

        /** Fails the test, with everything the command printed, unless it exited with 0; returns this. */
        public CliResult ok() {
            org.assertj.core.api.Assertions.assertThat(exitCode).as(all()).isZero();
            return this;
        }
    }

    public SandboxFixture(int hosts) {
        this(hosts, false);
    }

    public SandboxFixture(int hosts, boolean tls) {
        this(hosts, tls, false);
    }

    /** A sandbox of {@code hosts} hosts; {@code cluster}: with ZooKeeper and managers, else replicator-only. */
    public SandboxFixture(int hosts, boolean tls, boolean cluster) {
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "tt-");
            Files.delete(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String subnet = "127." + r.nextInt(20, 250) + "." + r.nextInt(1, 250);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        cleanup = new Thread(this::destroyQuietly, "sandbox-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            sandbox = Sandbox.deploy(new Sandbox.DeployOptions(dir, hosts, subnet, "alpha", tls, !cluster),
                    new PrintStream(log, true, StandardCharsets.UTF_8));
            secrets = readSecrets();
        } catch (RuntimeException e) {
            destroyQuietly();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    public Sandbox sandbox() {
        return sandbox;
    }

    public SandboxLayout layout() {
        return sandbox.layout();
    }

    public SandboxLayout.Host host(int k) {
        return layout().hosts().get(k - 1);
    }

    public List<SandboxLayout.Host> hosts() {
        return layout().hosts();
    }

    /** A connection as the application user. */
    public Connection app(int k) {
        SandboxLayout.Host h = host(k);
        return Sql.connect("jdbc:mariadb://" + h.address() + ":" + h.dbPort() + "/", layout().appUser(),
                layout().appPassword());
    }

    /** A connection as the replicator's user (bypasses read_only, as a DBA would). */
    public Connection admin(int k) {
        SandboxLayout.Host h = host(k);
        return Sql.connect("jdbc:mariadb://" + h.address() + ":" + h.dbPort() + "/", layout().replicatorUser(),
                layout().replicatorPassword());
    }

    public ReplicatorStatus status(int k) {
        return sandbox.admin(host(k)).call(ReplicatorApi.STATUS);
    }

    /** The sandbox's admin token, as tpm install generated it. */
    public String replicatorToken() {
        return secrets.get("the admin token");
    }

    /** The sandbox's non-empty secrets by what they are: what {@link #assertNoSecretLeaked()} looks for. */
    public Map<String, String> secrets() {
        Map<String, String> set = new java.util.LinkedHashMap<>(secrets);
        set.values().removeIf(v -> v == null || v.isEmpty());
        return set;
    }

    /** The admin API client of host k's replicator, with the sandbox's token. */
    public AdminClient replicator(int k) {
        return sandbox.admin(host(k));
    }

    public long appliedSeqno(int k) {
        return status(k).appliedLastSeqno();
    }

    /** Waits up to a minute for host k's replicator to be in {@code state}, describing the sandbox if not. */
    public void awaitState(int k, String state) {
        io.tantalum.testkit.Await.until("host" + k + " to be " + state, Duration.ofSeconds(60),
                () -> state(k).equals(state), this::describe);
    }

    public String state(int k) {
        return status(k).state();
    }

    /** The host whose replicator is the master now (host1 until a switch). */
    public int master() {
        for (int k = 1; k <= hosts().size(); k++) {
            try {
                if (status(k).isMaster()) {
                    return k;
                }
            } catch (RuntimeException e) {
                // a stopped replicator is no master
            }
        }
        throw new AssertionError("no replicator is master: " + describe());
    }

    /** The master database's current binlog position as {@code file:offset} (zero-padded offset). */
    public String masterBinlogPosition() {
        try (Connection c = admin(master())) {
            List<Object> row = Sql.query(c, "SHOW MASTER STATUS").get(0);
            return String.format("%s:%016d", row.get(0), ((Number) row.get(1)).longValue());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the master extracted everything written so far and every slave applied it. */
    public void awaitCaughtUp(Duration timeout) {
        int m = master();
        String target = masterBinlogPosition();
        Await.until("the master replicator to extract up to " + target, timeout, () -> {
            String current = String.valueOf(status(m).currentEventId()).split(";")[0];
            return current.compareTo(target) >= 0;
        }, this::describe);
        Await.until("all slaves to apply the master's last seqno", timeout, () -> {
            long master = appliedSeqno(m);
            for (int k = 1; k <= hosts().size(); k++) {
                if (k != m && (appliedSeqno(k) != master || !state(k).equals("ONLINE"))) {
                    return false;
                }
            }
            // the extractor may have read past a large transaction that its THL writer has not made
            // durable yet (the master's applied seqno then moves on): only a settled master counts
            Await.pause(300);
            return appliedSeqno(m) == master;
        }, this::describe);
    }

    /** Waits until one slave has applied everything the master extracted. */
    public void awaitCaughtUpOn(int k, Duration timeout) {
        String target = masterBinlogPosition();
        Await.until("the master replicator to extract up to " + target, timeout, () ->
                String.valueOf(status(1).currentEventId()).split(";")[0].compareTo(target) >= 0, this::describe);
        Await.until("host" + k + " to apply the master's last seqno", timeout,
                () -> appliedSeqno(k) == appliedSeqno(1) && state(k).equals("ONLINE"), this::describe);
    }

    /**
     * Makes slave k diverge: runs {@code onSlave} there behind the replicator's back, then
     * {@code onMaster} on the master as the application, waits for k to stop with an error and
     * returns the seqno it stopped at.
     */
    public long conflictOn(int k, String onSlave, String... onMaster) throws java.sql.SQLException {
        try (Connection dba = admin(k)) {
            Sql.exec(dba, onSlave);
        }
        try (Connection c = app(1)) {
            Sql.exec(c, onMaster);
        }
        awaitState(k, "OFFLINE:ERROR");
        return status(k).pendingErrorSeqno();
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (int k = 1; k <= hosts().size(); k++) {
            try {
                ReplicatorStatus s = status(k);
                sb.append("host").append(k).append(": ").append(s.state()).append(" applied=")
                        .append(s.appliedLastSeqno()).append(" stored=").append(s.maximumStoredSeqNo())
                        .append(" error=").append(s.pendingError()).append("; ");
            } catch (RuntimeException e) {
                sb.append("host").append(k).append(": ").append(e.getMessage()).append("; ");
            }
        }
        return sb.toString();
    }

    /** Asserts that every host holds the same tables with the same checksums and row counts. */
    public Map<String, String> assertSameData(String... schemas) {
        Map<String, String> master;
        try (Connection c = admin(1)) {
            master = Sql.checksums(c, schemas);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        assertThat(master).as("master tables").isNotEmpty();
        for (int k = 2; k <= hosts().size(); k++) {
            try (Connection c = admin(k)) {
                assertThat(Sql.checksums(c, schemas)).as("checksums on host" + k + " vs host1").isEqualTo(master);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return master;
    }

    /** Runs a CLI main class in its own JVM, as the bin/ launchers do, against this sandbox. */
    public CliResult cli(String mainClass, String... args) {
        return cli(Map.of(), mainClass, args);
    }

    /** As {@link #cli(String, String...)}, with extra environment variables. */
    public CliResult cli(Map<String, String> env, String mainClass, String... args) {
        return run(env, null, mainClass, args);
    }

    /** As {@link #cli(String, String...)}, with {@code input} on its standard input. */
    public CliResult cliWithInput(String input, String mainClass, String... args) {
        return run(Map.of(), input, mainClass, args);
    }

    private CliResult run(Map<String, String> env, String input, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtantalum.log.level=WARN", "-Dfile.encoding=UTF-8", "-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("TANTALUM_SANDBOX", dir.toString());
            pb.environment().putAll(env);
            Path out = Files.createTempFile("cli", ".out");
            Path err = Files.createTempFile("cli", ".err");
            Path in = Files.createTempFile("cli", ".in");
            Files.writeString(in, input == null ? "" : input);
            Process p = pb.redirectInput(ProcessBuilder.Redirect.from(in.toFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(150, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("CLI did not finish: " + cmd);
            }
            CliResult r = new CliResult(p.exitValue(), Files.readString(out), Files.readString(err));
            cliOutputs.append(r.all());
            Files.delete(out);
            Files.delete(err);
            Files.delete(in);
            return r;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public CliResult trepctl(String... args) {
        return cli("io.tantalum.cli.TrepctlMain", args);
    }

    public CliResult cctrl(String... args) {
        return cli("io.tantalum.cli.CctrlMain", args);
    }

    /** The client of host k's manager, with the sandbox's token. */
    public AdminClient manager(int k) {
        return sandbox.manager(host(k));
    }

    /** The dataservice as the first manager that answers sees it. */
    public io.tantalum.api.ManagerApi.ClusterView cluster() {
        RuntimeException last = null;
        for (int k = 1; k <= hosts().size(); k++) {
            try {
                return manager(k).call(io.tantalum.api.ManagerApi.CLUSTER);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw last;
    }

    public CliResult thl(String... args) {
        return cli("io.tantalum.cli.ThlMain", args);
    }

    public CliResult tpm(String... args) {
        return cli("io.tantalum.cli.TpmMain", args);
    }

    public CliResult tpm(Map<String, String> env, String... args) {
        return cli(env, "io.tantalum.cli.TpmMain", args);
    }

    /**
     * Runs a script with the {@code mariadb} client as the database's root user over its unix socket
     * (the replicator's user may be the one a test breaks); the script is given as bytes, so that
     * it can be in the character set the options name. Fails the test unless the client exits 0.
     */
    public String mariadb(int k, byte[] script, String... options) {
        List<String> cmd = new ArrayList<>(List.of("mariadb", "--socket=" + host(k).homePath().resolve("mysql.sock"),
                "-uroot"));
        cmd.addAll(List.of(options));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                in.write(script);
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " exited with " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String mariadb(int k, String script, String... options) {
        return mariadb(k, script.getBytes(java.nio.charset.StandardCharsets.UTF_8), options);
    }

    /** Keeps each host's logs under target/sandbox-logs for the test report. */
    private void saveLogs() {
        try {
            Path target = Path.of("target", "sandbox-logs", dir.getFileName().toString());
            Files.createDirectories(target);
            for (SandboxLayout.Host h : hosts()) {
                for (String f : List.of("log/alpha.log", "mariadb.err", "log/alpha-manager.log", "log/zookeeper.log",
                        "log/alpha-connector.log")) {
                    Path src = h.homePath().resolve(f);
                    if (Files.exists(src)) {
                        Files.copy(src, target.resolve(h.name() + "-" + src.getFileName()),
                                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("cannot save sandbox logs: " + e);
        }
    }

    private void destroyQuietly() {
        if (sandbox != null) {
            saveLogs();
        }
        try {
            if (SandboxLayout.load(dir).isPresent()) {
                Sandbox.open(dir).destroy(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            System.err.println("sandbox cleanup of " + dir + " failed: " + e);
        }
    }

    @Override
    public void close() {
        try {
            assertNoSecretLeaked();
        } finally {
            closeQuietly();
        }
    }

    /**
     * Fails when a secret of this sandbox (admin token, service secret, database or keystore
     * password) is in any CLI output of the tests, in the process table, or in any log of its
     * hosts: run at the end of every sandboxed test class.
     */
    public void assertNoSecretLeaked() {
        Map<String, String> places = new java.util.LinkedHashMap<>();
        places.put("CLI output", cliOutputs.toString());
        try {
            Process ps = new ProcessBuilder("ps", "-eo", "args").redirectErrorStream(true).start();
            places.put("ps output", new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            if (Files.isDirectory(dir)) {
                try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".err"))
                            .toList()) {
                        places.put(f.toString(), Files.readString(f, StandardCharsets.ISO_8859_1));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        List<String> leaks = new ArrayList<>();
        secrets().forEach((what, value) -> places.forEach((where, text) -> {
            if (text.contains(value)) {
                leaks.add(what + " is in " + where);
            }
        }));
        if (!leaks.isEmpty()) {
            throw new AssertionError("secrets leaked: " + String.join("; ", leaks));
        }
    }

    /** The sandbox's secrets, by what they are (read once, after deploy: a test may destroy the sandbox). */
    private Map<String, String> readSecrets() {
        Map<String, String> secrets = new java.util.LinkedHashMap<>();
        io.tantalum.cli.config.TantalumConfig config = io.tantalum.cli.config.TantalumConfig.load(sandbox.iniFile());
        var s = io.tantalum.cli.config.ServiceSecrets.load(config, layout().service());
        secrets.put("the admin token", s.adminToken());
        secrets.put("the service secret", s.serviceSecret());
        secrets.put("the replicators' database password", layout().replicatorPassword());
        secrets.put("the application's database password", layout().appPassword());
        var svc = config.service(layout().service());
        secrets.put("the keystore password", svc.string(io.tantalum.cli.config.IniKey.TLS_KEYSTORE_PASSWORD));
        secrets.put("the truststore password", svc.string(io.tantalum.cli.config.IniKey.TLS_TRUSTSTORE_PASSWORD));
        return secrets;
    }

    private void closeQuietly() {
        destroyQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
