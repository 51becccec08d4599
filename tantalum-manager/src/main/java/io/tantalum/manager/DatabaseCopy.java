package io.tantalum.manager;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data part of {@code datasource <host> rebuild}: replaces every schema of the target's
 * database (all but MariaDB's own) with a copy of the source slave's, made by {@code mariadb-dump
 * --single-transaction} piped into {@code mariadb}. The source's catalog schema is copied in the
 * same consistent snapshot as its data, so the target's applied position afterwards is exactly the
 * point its data stands at. Nothing of the copy is written to the target's binlog (its extractor
 * never sees it, its binlog-only check does not count it). Accounts ({@code mysql.*}) are not
 * copied. Tables of engines without transactions (MyISAM, Aria) are not copied consistently while
 * the source applies; stop the source's replicator for the copy if it has any.
 */
final class DatabaseCopy {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseCopy.class);
    static final Set<String> SYSTEM_SCHEMAS = Set.of("mysql", "information_schema", "performance_schema", "sys");
    private static final String USER_SCHEMAS = "SELECT schema_name FROM information_schema.schemata WHERE schema_name"
            + " NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY schema_name";

    /**
     * What the copy did.
     *
     * @param schemas the schemas copied
     * @param replaced the target's schemas dropped before the copy
     * @param appliedSeqno the applied seqno the copy carries
     * @param appliedEpoch its epoch
     */
    record Copied(List<String> schemas, List<String> replaced, long appliedSeqno, long appliedEpoch, long millis) {}

    private DatabaseCopy() {}

    static Copied copy(Dataservice ds, String source, String target, Duration limit) {
        ManagerSettings s = ds.settings();
        String catalog = "tantalum_" + s.service();
        long t0 = System.nanoTime();
        List<String> programs = List.of(binary("mariadb-dump", "mysqldump"), binary("mariadb", "mysql"));
        List<String> schemas;
        try (Connection c = ds.database(source, 5000)) {
            schemas = userSchemas(c);
        } catch (SQLException e) {
            throw unavailable("read the schemas of " + source + "'s database", source, ds, e);
        }
        if (!schemas.contains(catalog)) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, source + "'s database has no catalog schema "
                    + catalog + " (it never applied a transaction as a slave of this service), so its copy would carry"
                    + " no applied position. Copy from another slave (`from <host>`).");
        }
        List<String> replaced;
        try (Connection c = ds.database(target, 5000); Statement st = c.createStatement()) {
            st.execute("SET SESSION sql_log_bin=0");
            replaced = userSchemas(c);
            for (String schema : replaced) {
                st.execute("DROP DATABASE `" + schema.replace("`", "``") + "`");
            }
        } catch (SQLException e) {
            throw unavailable("drop the schemas of " + target + "'s database", target, ds, e);
        }
        LOG.warn("rebuild: dropped {} schema(s) of {}'s database {}; copying {} from {}", replaced.size(), target,
                replaced, schemas, source);
        pipe(ds, programs, source, target, schemas, limit);
        try (Connection c = ds.database(target, 5000); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT seqno, epoch_number FROM `" + catalog + "`.trep_commit_seqno"
                        + " WHERE task_id=0")) {
            if (!rs.next()) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "The copy of " + source + " carries no"
                        + " applied position (" + catalog + ".trep_commit_seqno is empty). Copy from another slave.");
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            return new Copied(schemas, replaced, rs.getLong(1), rs.getLong(2), ms);
        } catch (SQLException e) {
            throw unavailable("read the applied position the copy carries", target, ds, e);
        }
    }

    private static List<String> userSchemas(Connection c) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(USER_SCHEMAS)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    /** {@code mariadb-dump} of {@code schemas} on the source into {@code mariadb} on the target. */
    private static void pipe(Dataservice ds, List<String> programs, String source, String target, List<String> schemas,
            Duration limit) {
        ManagerSettings s = ds.settings();
        Path dir = null;
        List<Process> ps = List.of();
        try {
            dir = Files.createTempDirectory("tantalum-rebuild-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            Path cnf = dir.resolve("client.cnf");
            Files.writeString(cnf, "[client]\nuser=" + optionValue(s.dbUser()) + "\npassword="
                    + optionValue(s.dbPassword()) + "\n");
            List<String> dump = new ArrayList<>(List.of(programs.get(0), "--defaults-extra-file="
                    + cnf, "--host=" + s.address(source), "--port=" + s.dbPort(), "--protocol=TCP",
                    "--single-transaction", "--quick", "--routines", "--events", "--triggers", "--hex-blob",
                    "--add-drop-database", "--no-tablespaces", "--skip-dump-date", "--databases"));
            dump.addAll(schemas);
            List<String> load = List.of(programs.get(1), "--defaults-extra-file=" + cnf, "--host="
                    + s.address(target), "--port=" + s.dbPort(), "--protocol=TCP", "--binary-mode",
                    "--init-command=SET SESSION sql_log_bin=0");
            Path dumpErr = dir.resolve("dump.err");
            Path loadErr = dir.resolve("load.err");
            ps = ProcessBuilder.startPipeline(List.of(
                    new ProcessBuilder(dump).redirectError(dumpErr.toFile()),
                    new ProcessBuilder(load).redirectError(loadErr.toFile()).redirectOutput(
                            ProcessBuilder.Redirect.to(new File("/dev/null")))));
            long deadline = System.nanoTime() + limit.toNanos();
            for (Process p : ps) {
                if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "The copy from " + source + " to "
                            + target + " did not finish within " + limit.toMinutes() + " min; it was stopped.");
                }
            }
            int dumpExit = ps.get(0).exitValue();
            int loadExit = ps.get(1).exitValue();
            if (dumpExit != 0 || loadExit != 0) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "The copy from " + source + " to " + target
                        + " failed: " + (dumpExit != 0 ? "mariadb-dump on " + source + " exited " + dumpExit + ": "
                                + tail(dumpErr) + "; " : "") + (loadExit != 0 ? "mariadb on " + target + " exited "
                                        + loadExit + ": " + tail(loadErr) : "").trim());
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot run the copy from " + source + " to " + target
                    + ": " + e.getMessage() + ". mariadb-dump and mariadb (Debian's mariadb-client) must be installed on"
                    + " the coordinator's host.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while copying " + source + " to " + target);
        } finally {
            ps.forEach(Process::destroyForcibly);
            deleteQuietly(dir);
        }
    }

    /** An option file value: quoted, with the escapes option files know. */
    static String optionValue(String v) {
        return "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** The client program {@code name} (or its older name) on the PATH, or in /usr/bin. */
    private static String binary(String name, String older) {
        for (String n : List.of(name, older)) {
            Optional<Path> found = Stream.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator))
                    .map(d -> Path.of(d, n)).filter(Files::isExecutable).findFirst();
            if (found.isPresent()) {
                return found.get().toString();
            }
        }
        throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot rebuild: " + name + " is not installed on"
                + " the coordinator's host (install Debian's mariadb-client), so the copy cannot run. Nothing was"
                + " copied.");
    }

    private static String tail(Path file) {
        try {
            String all = Files.readString(file).trim();
            return all.length() <= 600 ? all : "..." + all.substring(all.length() - 600);
        } catch (IOException e) {
            return "(its error output is unreadable: " + e.getMessage() + ")";
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            LOG.warn("rebuild: cannot delete {}: {}", dir, e.toString());
        }
    }

    private static TantalumException unavailable(String what, String host, Dataservice ds, SQLException e) {
        return new TantalumException(ErrorCode.UNAVAILABLE, "Cannot " + what + " (" + ds.settings().address(host) + ":"
                + ds.settings().dbPort() + "): " + e.getMessage() + ". Check that it is running.", e);
    }
}
