package io.tantalum.it;

import io.tantalum.cli.install.Installer;
import io.tantalum.cli.sandbox.MariaDbServer;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.SchemaSnapshot;
import io.tantalum.testkit.Sql;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A native MariaDB replica of a sandbox master, the reference that Tantalum's slaves are measured
 * against: a further real {@code mariadbd} with the sandbox's options (row binlog, full images and
 * metadata, {@code log_slave_updates}) plus {@code read_only=ON}, on another loopback address of
 * the sandbox's subnet, replicating with {@code MASTER_USE_GTID=slave_pos} from the master's
 * {@code @@gtid_binlog_pos} at the time it starts.
 *
 * <p>It ignores Tantalum's catalogs ({@code tantalum_*}), which it never had. It lives in a
 * temporary directory of its own; {@link #close()} stops it by the pid it started with and deletes
 * that directory, and so does a shutdown hook if the JVM exits first. Not thread-safe.
 */
public final class NativeReplica implements AutoCloseable {
    private static final String IGNORE_CATALOGS = "--replicate-wild-ignore-table=tantalum\\_%.%";

    /**
     * The sandbox whose master it replicates from, the last byte of its own address in the
     * sandbox's subnet, its {@code server_id} (unique in the sandbox), and extra mariadbd options.
     */
    public record Options(SandboxLayout layout, SandboxLayout.Host master, int addressSuffix, int serverId,
            List<String> serverOptions) {}

    private final Options options;
    private final Path home;
    private final MariaDbServer.Spec spec;
    private final MariaDbServer server;
    private final Thread cleanup = new Thread(this::destroy, "native-replica-cleanup");
    private long pid = -1;

    private NativeReplica(Options options, Path home) {
        this.options = options;
        this.home = home;
        String prefix = options.master().address().substring(0, options.master().address().lastIndexOf('.'));
        SandboxLayout l = options.layout();
        this.spec = new MariaDbServer.Spec(home, prefix + "." + options.addressSuffix(), options.master().dbPort(),
                options.serverId(), true, l.replicatorUser(), l.replicatorPassword(), l.appUser(), l.appPassword());
        this.server = new MariaDbServer(spec);
    }

    /**
     * Creates and starts the replica and waits until both of its replication threads run; on
     * failure, stops it again and deletes its files.
     */
    public static NativeReplica start(Options options) {
        Path home;
        try {
            home = Files.createTempDirectory(Path.of("/tmp"), "tt-native-");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a directory for the native replica: " + e, e);
        }
        NativeReplica r = new NativeReplica(options, home);
        Runtime.getRuntime().addShutdownHook(r.cleanup);
        try {
            r.requireFreeAddress();
            r.server.initialize();
            List<String> serverOptions = new ArrayList<>(List.of(IGNORE_CATALOGS));
            serverOptions.addAll(options.serverOptions());
            r.server.start(serverOptions);
            r.pid = r.server.pid().orElseThrow(() -> new IllegalStateException("the native replica at "
                    + r.address() + " started but wrote no pid file " + r.server.pidFile()));
            r.replicateFromMaster();
            return r;
        } catch (RuntimeException | Error e) {
            r.close();
            throw e;
        }
    }

    public String address() {
        return spec.address();
    }

    public String label() {
        return "native replica " + spec.address();
    }

    public long pid() {
        return pid;
    }

    /** A connection as the sandbox's replicator user (it may write despite read_only, as a DBA would). */
    public Connection connect() {
        return Sql.connect("jdbc:mariadb://" + spec.address() + ":" + spec.port() + "/", spec.user(),
                spec.password());
    }

    private Connection master() {
        SandboxLayout.Host m = options.master();
        return Sql.connect("jdbc:mariadb://" + m.address() + ":" + m.dbPort() + "/", spec.user(), spec.password());
    }

    private void requireFreeAddress() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(spec.address()), spec.port()));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the native replica: " + spec.address() + ":" + spec.port()
                    + " is in use (" + e.getMessage() + "); another server runs there. Stop it or choose another"
                    + " address suffix.", e);
        }
    }

    private void replicateFromMaster() {
        String position;
        try (Connection m = master()) {
            position = String.valueOf(Sql.query(m, "SELECT @@GLOBAL.gtid_binlog_pos").get(0).get(0));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        SandboxLayout.Host m = options.master();
        try (Connection c = connect()) {
            Sql.exec(c, "SET GLOBAL gtid_slave_pos = " + SchemaSnapshot.quote(position),
                    "CHANGE MASTER TO MASTER_HOST = " + SchemaSnapshot.quote(m.address()) + ", MASTER_PORT = "
                            + m.dbPort() + ", MASTER_USER = " + SchemaSnapshot.quote(spec.user())
                            + ", MASTER_PASSWORD = " + SchemaSnapshot.quote(spec.password())
                            + ", MASTER_USE_GTID = slave_pos",
                    "START SLAVE");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        Await.until(label() + " to run both replication threads from " + position, Duration.ofSeconds(30), () -> {
            Map<String, String> st = slaveStatus();
            return "Yes".equals(st.get("Slave_IO_Running")) && "Yes".equals(st.get("Slave_SQL_Running"));
        }, () -> "SHOW SLAVE STATUS: " + slaveStatus());
    }

    /** {@code SHOW SLAVE STATUS} as column name to value. */
    public Map<String, String> slaveStatus() {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW SLAVE STATUS")) {
            Map<String, String> out = new LinkedHashMap<>();
            if (rs.next()) {
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    out.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(label() + ": SHOW SLAVE STATUS failed: " + e.getMessage(), e);
        }
    }

    /**
     * Why replication stopped, when a replication thread stopped with an error: the SQL thread's
     * {@code Last_SQL_Error}, or the IO thread's {@code Last_IO_Error} (also while it reconnects).
     */
    public Optional<String> error() {
        Map<String, String> st = slaveStatus();
        if (!"Yes".equals(st.get("Slave_SQL_Running")) && !"0".equals(st.get("Last_SQL_Errno"))) {
            return Optional.of("SQL thread error " + st.get("Last_SQL_Errno") + ": " + st.get("Last_SQL_Error"));
        }
        if (!"Yes".equals(st.get("Slave_IO_Running")) && !"0".equals(st.get("Last_IO_Errno"))) {
            return Optional.of("IO thread error " + st.get("Last_IO_Errno") + ": " + st.get("Last_IO_Error"));
        }
        return Optional.empty();
    }

    /**
     * Waits until the replica has applied the master's GTID position {@code gtidPos}, polling
     * {@code MASTER_GTID_WAIT} in short steps so that a replication error ends the wait at once.
     * Returns the error, or empty once the position is applied.
     */
    public Optional<String> awaitPosition(String gtidPos, Duration timeout) {
        String[] error = {null};
        try (Connection c = connect()) {
            Await.until(label() + " to apply GTID " + gtidPos, timeout, () -> {
                if (reached(c, gtidPos)) {
                    return true;
                }
                error[0] = error().orElse(null);
                return error[0] != null;
            }, () -> "SHOW SLAVE STATUS: " + slaveStatus());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (AssertionError e) {
            return Optional.of("did not apply GTID " + gtidPos + " within " + timeout.toSeconds() + "s: "
                    + e.getMessage());
        }
        return Optional.ofNullable(error[0]);
    }

    private static boolean reached(Connection c, String gtidPos) {
        return ((Number) Sql.query(c, "SELECT MASTER_GTID_WAIT(" + SchemaSnapshot.quote(gtidPos) + ", 0.5)").get(0)
                .get(0)).intValue() == 0;
    }

    /** Skips the one transaction the SQL thread stopped at, as a DBA would, and restarts replication. */
    public void skipOne() {
        try (Connection c = connect()) {
            Sql.exec(c, "STOP SLAVE", "SET GLOBAL sql_slave_skip_counter = 1", "START SLAVE");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server by its pid and deletes its directory. Idempotent. */
    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs destroy() itself
        }
    }

    private synchronized void destroy() {
        long p = pid > 0 ? pid : server.pid().orElse(-1L);
        if (p > 0) {
            ProcessHandle.of(p).ifPresent(h -> io.tantalum.common.Processes.stop(h, java.time.Duration.ofSeconds(60)));
            pid = -1;
        }
        saveLog();
        try {
            Installer.deleteTree(home);
        } catch (RuntimeException e) {
            System.err.println("cannot delete the native replica's directory " + home + ": " + e.getMessage());
        }
    }

    /** Keeps the server's error log under target/sandbox-logs for the test report. */
    private void saveLog() {
        try {
            if (Files.exists(server.errorLog())) {
                Path target = Files.createDirectories(Path.of("target", "sandbox-logs"));
                Files.copy(server.errorLog(), target.resolve(home.getFileName() + "-mariadb.err"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("cannot save the native replica's error log: " + e);
        }
    }
}
