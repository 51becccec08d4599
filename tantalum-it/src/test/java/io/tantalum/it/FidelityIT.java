package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.install.Installer;
import io.tantalum.testkit.BinlogChanges;
import io.tantalum.testkit.MariaDbTestRunner;
import io.tantalum.testkit.SchemaSnapshot;
import io.tantalum.testkit.Sql;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replays files of MariaDB's own regression suite ({@code mysql-test}, Debian package
 * {@code mariadb-test}) through the sandbox master and checks, file by file, that the Tantalum
 * slave (host2) ends up an exact copy of the master (host1), with a native MariaDB replica of the
 * same master ({@link NativeReplica}) as the reference.
 *
 * <p>Per file:
 * <ol>
 *   <li>every server starts clean: its system schemas, an empty {@code test} database, its own
 *       accounts;</li>
 *   <li>{@code mariadb-test} runs the file against host1 without comparing results, so only the
 *       statements matter ({@link MariaDbTestRunner});</li>
 *   <li>the master replicator is flushed ({@code trepctl flush}); the Tantalum slave must apply up
 *       to that seqno, and its {@code OFFLINE:ERROR} ends the wait at once with its
 *       {@code pendingError} as the file's result; the native replica must apply up to the master's
 *       {@code @@gtid_binlog_pos} ({@code MASTER_GTID_WAIT}), and a stopped SQL or IO thread ends
 *       the wait at once too;</li>
 *   <li>each replica is compared with the master: its {@link SchemaSnapshot} (schemas, tables,
 *       rows with invisible columns and history, views, routines, triggers, events, accounts) and
 *       the {@link BinlogChanges} it logged during the file (every row change and statement), since
 *       most files drop what they created before they end, so that the snapshot alone would
 *       compare little more than empty schemas;</li>
 *   <li>every replica is recovered, the Tantalum slave with {@code online -skip-seqno} (the admin
 *       call {@code trepctl} makes), the native replica with {@code sql_slave_skip_counter}, and
 *       all servers are reset to the clean state (drops on the master, replicated, then whatever
 *       is left on each replica, locally), so that each file is judged on its own.</li>
 * </ol>
 *
 * <p>The rule ({@link FidelityReport}): where the native replica is identical, the Tantalum slave
 * must be identical and must have applied everything; where the native replica differs, the
 * Tantalum slave must have applied everything and may differ only on the objects that differ
 * natively too ("MariaDB native replication differs too"); where the native replica stops with an
 * error or lags, the file is reported, not judged. The report goes to stdout and
 * {@code target/fidelity-report.txt}.
 *
 * <p>The servers keep the sandbox's settings (ROW binlog with FULL images and metadata, InnoDB,
 * utf8mb4), plus three things that mysql-test-run provides, set up locally on every server:
 * {@code log_bin_trust_function_creators=ON} (without it the master refuses most of the files'
 * stored functions), the suite's time zone tables and a no-op {@code mtr.add_suppression}. Global
 * variables a file changed on the master and did not set back (when it stopped half-way) are
 * restored after it, and reported.
 *
 * <p>The files: {@code src/test/resources/fidelity/files.txt} (the CI list, 111 files, two to
 * three minutes on two cores; its header says how the files were chosen), or with
 * {@code -Dfidelity.files=}: {@code nightly} (234 files, about fifteen minutes), {@code all} (812,
 * a few hours), a list file ({@code /path/list.txt}), or files named directly
 * ({@code main/view.test,suite/json/t/json_table.test}); paths are relative to
 * {@code /usr/share/mysql/mysql-test}. For example:
 * {@code mvn -B verify -pl tantalum-it -Dit.test=FidelityIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfidelity.files=nightly}.
 */
@Sandboxed(hosts = 2)
class FidelityIT {
    private static final Duration FILE_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(120);
    private static final Path REPORT = Path.of("target", "fidelity-report.txt");
    private static final int TANTALUM_SLAVE = 2;

    static SandboxFixture sb;
    private static NativeReplica nativeReplica;
    private static ReplicaSet servers;
    private static MariaDbTestRunner runner;
    private static Path work;

    @BeforeAll
    static void startNativeReplicaAndPrepareServers() throws IOException {
        assertThat(MariaDbTestRunner.BINARY).as("mariadb-test, from the Debian package mariadb-test (apt-get install"
                + " -y mariadb-test)").isExecutable();
        int suffix = sb.hosts().size() + 1;
        nativeReplica = NativeReplica.start(new NativeReplica.Options(sb.layout(), sb.host(1), suffix, 100 + suffix,
                List.of()));
        servers = new ReplicaSet(sb, nativeReplica, CATCH_UP_TIMEOUT);
        List<String> timeZones = timeZoneStatements();
        servers.forEach("prepare the server as mysql-test-run does", c -> {
            Sql.exec(c, "SET GLOBAL log_bin_trust_function_creators = ON", "SET SESSION sql_log_bin = 0",
                    "CREATE DATABASE mtr", "CREATE PROCEDURE mtr.add_suppression(pattern VARCHAR(255)) BEGIN END",
                    "USE mysql");
            Sql.exec(c, timeZones.toArray(String[]::new));
        });
        servers.rememberAccounts();
        servers.resetToCleanState();
        servers.rememberMasterGlobals();
        work = Files.createTempDirectory(Path.of("/tmp"), "tt-fidelity-");
        runner = new MariaDbTestRunner(MariaDbTestRunner.SUITE, work, FILE_TIMEOUT, Map.of());
    }

    @AfterAll
    static void stopNativeReplica() {
        if (nativeReplica != null) {
            nativeReplica.close();
        }
        if (work != null) {
            Installer.deleteTree(work);
        }
    }

    @Test
    void theTantalumSlaveIsAsFaithfulAsMariaDbsOwnReplicationOnEachFile() throws IOException {
        List<String> files = files();
        FidelityReport report = new FidelityReport();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < files.size(); i++) {
                FidelityReport.FileResult r = replay(files.get(i));
                report.add(r);
                System.out.printf("fidelity [%d/%d] %s: master %s, Tantalum %s, native %s%n", i + 1, files.size(),
                        r.file(), r.run().completed() ? "complete" : "incomplete", r.tantalum().summary(),
                        r.nativeReplica().summary());
                servers.resetToCleanState();
            }
        } finally {
            String text = report.render("Fidelity of replication over " + files.size() + " files of MariaDB's"
                    + " regression suite, master host1 (" + Duration.ofNanos(System.nanoTime() - start).toSeconds()
                    + "s)");
            System.out.println(text);
            Files.writeString(REPORT, text);
        }
        assertThat(report.failures()).as("Files on which the Tantalum slave is less faithful than MariaDB's own"
                + " replication (full report in " + REPORT.toAbsolutePath() + "):\n" + report.failures().stream()
                        .map(FidelityReport::details).collect(Collectors.joining())).isEmpty();
    }

    private static FidelityReport.FileResult replay(String file) {
        Map<String, BinlogChanges.Position> before = servers.binlogPositions();
        MariaDbTestRunner.Outcome run = runner.run(file, new MariaDbTestRunner.Target(sb.host(1).address(),
                sb.host(1).dbPort(), sb.layout().replicatorUser(), sb.layout().replicatorPassword(),
                sb.host(1).homePath().resolve("mysql.sock")));
        List<String> globals = servers.restoreMasterGlobals();
        ReplicaSet.Position p = servers.flushMaster();
        ReplicaSet.CatchUp tantalumCatchUp = p.masterError() != null
                ? new ReplicaSet.CatchUp(ReplicaSet.Ending.STOPPED, p.masterError())
                : servers.awaitTantalum(TANTALUM_SLAVE, p.seqno());
        ReplicaSet.CatchUp nativeCatchUp = servers.awaitNative(p.gtid());
        SortedMap<String, String> master = state("host1", before);
        return new FidelityReport.FileResult(file, run, globals, new FidelityReport.Compared(master),
                compare(master, "host" + TANTALUM_SLAVE, before, tantalumCatchUp),
                compare(master, "native", before, nativeCatchUp));
    }

    /** The server's snapshot, plus what it logged since {@code before}. */
    private static SortedMap<String, String> state(String label, Map<String, BinlogChanges.Position> before) {
        SortedMap<String, String> out = servers.snapshot(label);
        out.putAll(servers.binlogChanges(label, before.get(label)));
        return out;
    }

    private static FidelityReport.Replica compare(SortedMap<String, String> master, String label,
            Map<String, BinlogChanges.Position> before, ReplicaSet.CatchUp catchUp) {
        SortedMap<String, String> replica = state(label, before);
        return new FidelityReport.Replica(catchUp, SchemaSnapshot.differences(master, replica).keySet(),
                SchemaSnapshot.diff(master, replica, "host1", label, 4));
    }

    /** The files named by {@code -Dfidelity.files} (see the class comment), in order. */
    static List<String> files() throws IOException {
        String spec = System.getProperty("fidelity.files", "files");
        if (spec.contains(".test")) {
            return Arrays.stream(spec.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        }
        if (Files.isRegularFile(Path.of(spec))) {
            return entries(Files.readString(Path.of(spec)));
        }
        try (InputStream in = FidelityIT.class.getResourceAsStream("/fidelity/" + spec + ".txt")) {
            if (in == null) {
                throw new IllegalArgumentException("-Dfidelity.files=" + spec + " names no list: give the name of one"
                        + " in src/test/resources/fidelity (files, nightly, all), a list file, or test files separated"
                        + " by commas");
            }
            return entries(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static List<String> entries(String list) {
        List<String> out = new ArrayList<>();
        for (String line : list.split("\n")) {
            String entry = line.replaceFirst("#.*", "").strip();
            if (!entry.isEmpty()) {
                out.add(entry);
            }
        }
        return out;
    }

    /** The suite's time zone tables as mysql-test-run loads them: statements against schema mysql. */
    private static List<String> timeZoneStatements() throws IOException {
        String script = Files.readString(Path.of("/usr/share/mysql/mysql_test_data_timezone.sql"));
        return Arrays.stream(script.replaceAll("(?m)^--.*$", "").split(";\\s*\n")).map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
    }
}
