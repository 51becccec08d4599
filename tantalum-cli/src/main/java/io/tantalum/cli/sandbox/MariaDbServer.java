package io.tantalum.cli.sandbox;

import io.tantalum.cli.install.DaemonProcess;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.Processes;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@code mariadbd} process of the sandbox: its datadir, options and pid file under one
 * directory. Starts detached (it outlives the tpm command), stops by pid. Thread-safe for
 * distinct instances.
 */
public final class MariaDbServer {
    /** Where and how to run one server. */
    public record Spec(Path home, String address, int port, int serverId, boolean readOnly, String user,
            String password, String appUser, String appPassword) {
        @Override
        public String toString() {
            return "Spec[" + home + ", " + address + ":" + port + ", server_id=" + serverId + ", passwords hidden]";
        }
    }

    private final Spec spec;
    private final List<String> launcher;

    public MariaDbServer(Spec spec) {
        this(spec, List.of());
    }

    /** A server started through {@code launcher}, a command prefix that execs the rest (see SandboxNetwork). */
    public MariaDbServer(Spec spec, List<String> launcher) {
        this.spec = spec;
        this.launcher = List.copyOf(launcher);
    }

    public Path dataDir() {
        return spec.home().resolve("data");
    }

    public Path pidFile() {
        return spec.home().resolve("mariadb.pid");
    }

    public Path errorLog() {
        return spec.home().resolve("mariadb.err");
    }

    public Path socket() {
        return spec.home().resolve("mysql.sock");
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The path of the named MariaDB binary, or empty when it is not installed. */
    public static Optional<Path> binary(String name) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Creates the datadir with mariadb-install-db. */
    public void initialize() {
        Path installDb = binary("mariadb-install-db").orElseThrow(MariaDbServer::missing);
        try {
            Files.createDirectories(spec.home());
            List<String> cmd = new ArrayList<>(List.of(installDb.toString(), "--no-defaults",
                    "--auth-root-authentication-method=normal", "--skip-test-db", "--datadir=" + dataDir()));
            if (isRoot()) {
                cmd.add("--user=root");
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(spec.home().resolve("install-db.log").toFile()).start();
            if (p.waitFor() != 0) {
                throw new TantalumException(ErrorCode.INTERNAL, "mariadb-install-db failed for " + dataDir() + ":\n"
                        + DaemonProcess.tail(spec.home().resolve("install-db.log"), 20));
            }
            io.tantalum.common.PrivateFiles.write(spec.home().resolve("init.sql"), initSql());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot initialize " + dataDir() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while initializing " + dataDir());
        }
    }

    private String initSql() {
        String u = "'" + spec.user() + "'@'127.%'";
        String a = "'" + spec.appUser() + "'@'127.%'";
        return "SET sql_log_bin=0;\n"
                + "CREATE USER IF NOT EXISTS " + u + " IDENTIFIED BY '" + spec.password() + "';\n"
                + "GRANT ALL PRIVILEGES ON *.* TO " + u + " WITH GRANT OPTION;\n"
                + "CREATE USER IF NOT EXISTS " + a + " IDENTIFIED BY '" + spec.appPassword() + "';\n"
                + "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, INDEX, CREATE VIEW, SHOW VIEW, TRIGGER,"
                + " REFERENCES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE ROUTINE, ALTER ROUTINE, EVENT,"
                + " PROCESS ON *.* TO " + a + ";\n";
    }

    /** A host's own server options, one per line ({@code --name=value}), added at every start (maintenance scripts). */
    public static final String OPTIONS_FILE = "mariadbd.options";

    private List<String> savedOptions() {
        Path f = spec.home().resolve(OPTIONS_FILE);
        try {
            return Files.exists(f) ? Files.readAllLines(f).stream().map(String::trim).filter(l -> l.startsWith("--"))
                    .toList() : List.of();
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** The mariadbd command line: binlog settings of the design, loopback only. */
    public List<String> command(List<String> extraOptions) {
        Path mariadbd = binary("mariadbd").orElseThrow(MariaDbServer::missing);
        List<String> cmd = new ArrayList<>(List.of("setsid", mariadbd.toString(), "--no-defaults",
                "--datadir=" + dataDir(), "--bind-address=" + spec.address(), "--port=" + spec.port(),
                "--socket=" + socket(), "--pid-file=" + pidFile(), "--log-error=" + errorLog(),
                "--server-id=" + spec.serverId(), "--log-bin=mariadb-bin", "--binlog-format=ROW",
                "--binlog-row-image=FULL", "--binlog-row-metadata=FULL", "--log-slave-updates",
                "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=48M", "--skip-name-resolve",
                "--max-connections=300", "--binlog-cache-size=1M", "--character-set-server=utf8mb4", "--sync-binlog=1", "--collation-server=utf8mb4_general_ci", "--init-file=" + spec.home().resolve("init.sql"),
                "--read-only=" + (spec.readOnly() ? "ON" : "OFF")));
        if (isRoot()) {
            cmd.add("--user=root");
        }
        cmd.addAll(savedOptions());
        cmd.addAll(extraOptions);
        return cmd;
    }

    /** Starts the server detached and waits until it accepts the replicator's user. */
    public void start(List<String> extraOptions) {
        start(extraOptions, java.util.Map.of());
    }

    /** As {@link #start(List)}, with extra environment variables for mariadbd. */
    public void start(List<String> extraOptions, java.util.Map<String, String> env) {
        if (isRunning()) {
            return;
        }
        try {
            List<String> cmd = new ArrayList<>(launcher);
            cmd.addAll(command(extraOptions));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.home().resolve("mariadbd.out").toFile()));
            pb.environment().putAll(env);
            pb.start();
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot start mariadbd for " + spec.home() + ": " + e, e);
        }
        awaitReady(60_000);
    }

    public String jdbcUrl() {
        return "jdbc:mariadb://" + spec.address() + ":" + spec.port() + "/";
    }

    private void awaitReady(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        SQLException last = null;
        while (System.currentTimeMillis() < deadline) {
            try (Connection c = DriverManager.getConnection(jdbcUrl() + "?connectTimeout=1000", spec.user(),
                    spec.password())) {
                return;
            } catch (SQLException e) {
                last = e;
                Threads.sleep(200);
            }
        }
        throw new TantalumException(ErrorCode.UNAVAILABLE, "mariadbd at " + spec.address() + ":" + spec.port()
                + " did not accept connections within " + timeoutMillis / 1000 + "s (" + (last == null ? "" : last.getMessage())
                + "). Last lines of " + errorLog() + ":\n" + DaemonProcess.tail(errorLog(), 15));
    }

    public Optional<Long> pid() {
        try {
            return Optional.of(Long.parseLong(Files.readString(pidFile()).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** SIGKILL, as a crash would; waits until the process is gone. */
    public void kill() {
        pid().flatMap(ProcessHandle::of).ifPresent(Processes::kill);
    }

    public boolean isRunning() {
        return pid().flatMap(Processes::running).isPresent();
    }

    /** Stops the server cleanly (SIGTERM) and waits for it to exit. */
    public void stop() {
        pid().flatMap(ProcessHandle::of).ifPresent(h -> Processes.stop(h, java.time.Duration.ofSeconds(60)));
    }

    private static TantalumException missing() {
        return new TantalumException(ErrorCode.FAILED_PRECONDITION, "MariaDB is not installed on this machine"
                + " (mariadbd not found). Install it with: sudo apt-get update && sudo apt-get install -y"
                + " mariadb-server mariadb-client");
    }
}
