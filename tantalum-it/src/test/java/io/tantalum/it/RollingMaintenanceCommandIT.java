package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code cctrl rolling-maintenance} on a clustered sandbox: the dry run, refused scripts, a whole run
 * that restarts every host's mariadbd with a changed setting under sysbench through the connector,
 * a run stopped by a failed validation and resumed, and a run stopped by a failing script whose
 * coordinator is then killed, resumed by the next coordinator.
 */
@Sandboxed(cluster = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RollingMaintenanceCommandIT {
    static SandboxFixture sb;

    @Test
    @Order(1)
    void aDryRunPrintsTheSeedTableAndChangesNothing() {
        String before = states();
        String plan = sb.cctrl("-e", "rolling-maintenance --dry-run --script restart-mariadb").ok().stdout();
        System.out.println(plan);
        assertThat(plan).contains("| step | action ", "| host1 ", "| host2 ", "| host3 ")
                .contains("| 0    | initial state |", "maintenance/restart-mariadb on host3", "tpm validate --host host1",
                        "dry run: nothing was changed; 23 steps")
                .containsPattern("\\| 1 +\\| SHUN +\\| host2 ")
                .containsPattern("\\| 15 +\\| SWITCH +\\| host2 +\\| cctrl -e \"switch to host2\" +\\| Slave +\\| Master ")
                .containsPattern("\\| 23 +\\| SWITCH +\\| host1 .*\\| Master +\\| Slave +\\| Slave +\\|");
        assertThat(plan.lines().filter(l -> l.startsWith("| ")).count()).isEqualTo(1 + 1 + 23);
        assertThat(states()).isEqualTo(before);
        assertThat(sb.cctrl("-e", "cluster history 10").ok().stdout()).doesNotContain("maintenance");
        assertThat(sb.cctrl("-e", "rolling-maintenance --dry-run --order host1,host2,host3").exitCode()).isNotZero();
    }

    @Test
    @Order(2)
    void aScriptOutsideTheMaintenanceDirectoryIsRefused() {
        SandboxFixture.CliResult path = sb.cctrl("-e", "rolling-maintenance --script ../../bin/tpm");
        assertThat(path.exitCode()).isNotZero();
        assertThat(path.all()).contains("Refused the script '../../bin/tpm': a rolling maintenance runs only scripts"
                + " of each host's maintenance directory");
        SandboxFixture.CliResult missing = sb.cctrl("-e", "rolling-maintenance --script no-such-script");
        assertThat(missing.exitCode()).isNotZero();
        assertThat(missing.all()).contains("There is no script no-such-script in the maintenance directory",
                "restart-mariadb, set-mariadb-option");
        assertThat(sb.cctrl("-e", "rolling-maintenance status").all()).contains("No rolling maintenance has run");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).doesNotContain("SHUNNED");
    }

    /**
     * The run: each host's mariadbd restarted with a changed setting while sysbench (4 threads,
     * prepared statements) and a client recording every acknowledged write go through the connector.
     */
    @Test
    @Order(3)
    void everyHostRestartedWithAChangedSettingWhileSysbenchRunsThroughTheConnector() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE sbtest");
        }
        sysbench(5, "prepare");
        AtomicBoolean done = new AtomicBoolean();
        List<String> runs = new ArrayList<>();
        long[] deadlocks = new long[1];
        CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
            while (!done.get()) {
                long[] before = deadlockCounters();
                runs.add(sysbench(10, "run"));
                long[] after = deadlockCounters();
                for (int k = 0; k < 3; k++) {
                    // a host restarted meanwhile counts from 0 again (it was a slave then: no deadlock of its own)
                    deadlocks[0] += after[k] >= before[k] ? after[k] - before[k] : after[k];
                }
            }
        });
        SandboxFixture.CliResult run;
        try (WriteLoad w = new WriteLoad(() -> HaChecks.viaConnector(sb), "rm")) {
            Await.until("writes through the connector", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 20,
                    sb::describe);
            run = sb.cctrl("-e", "rolling-maintenance --script set-mariadb-option max_connections 333");
            done.set(true);
            load.get();
            System.out.println(run.all());
            assertThat(run.exitCode()).as(run.all()).isZero();
            assertThat(run.stdout()).contains("step 3/23 MAINTAIN host2: ok", "mariadbd restarted with"
                    + " --max_connections=333", "step 23/23 SWITCH host1: ok", ": DONE, step 23 of 23");
            w.close();
            HaChecks.assertNoWriteLost(sb, w, "rm");
        }
        for (int k = 1; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                assertThat(Sql.count(c, "SELECT @@max_connections")).as("host" + k).isEqualTo(333);
            }
        }
        assertThat(sb.cluster().master()).isEqualTo("host1");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).doesNotContain("SHUNNED");
        assertThat(runs).isNotEmpty();
        long ignoredErrors = 0;
        for (String out : runs) {
            assertThat(out).doesNotContain("FATAL").contains("transactions:");
            Matcher ignored = Pattern.compile("ignored errors:\\s+(\\d+)").matcher(out);
            assertThat(ignored.find()).isTrue();
            ignoredErrors += Long.parseLong(ignored.group(1));
        }
        // sysbench retries deadlocks (1213) and counts them as ignored errors: each must be a real InnoDB deadlock
        // of the workload, not a transaction the connector or the maintenance broke
        System.out.printf("sysbench: %d runs, %d ignored errors, %d InnoDB deadlocks%n", runs.size(), ignoredErrors,
                deadlocks[0]);
        assertThat(ignoredErrors).as("sysbench errors beyond InnoDB deadlocks").isLessThanOrEqualTo(deadlocks[0]);
        sb.assertSameData("sbtest");
    }

    /**
     * A validation that fails stops the run at that host, offline and reported, the rest in service;
     * fixed by hand, {@code resume} validates it again and completes the run.
     */
    @Test
    @Order(4)
    void aFailedValidationStopsTheRunAndResumeCompletesIt() throws Exception {
        // host2's maintenance leaves binlog_format=STATEMENT behind, which tpm validate refuses
        for (SandboxLayout.Host h : sb.hosts()) {
            Path script = h.homePath().resolve("maintenance").resolve("upgrade");
            Files.writeString(script, "#!/bin/sh\nset -e\nif [ \"$TANTALUM_HOST\" = host2 ]; then\n"
                    + "  ./set-mariadb-option binlog_format STATEMENT\nfi\necho \"$TANTALUM_HOST upgraded\"\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        }
        SandboxFixture.CliResult run = sb.cctrl("-e", "rolling-maintenance --order host2,host3,host1 --script upgrade");
        System.out.println(run.all());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.all()).contains("step 4 (VALIDATE host2) failed: tpm validate --host host2 found errors",
                "binlog_format is STATEMENT", "rolling-maintenance resume");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host2(slave:SHUNNED(MAINTENANCE)",
                "host1(master:ONLINE", "host3(slave:ONLINE");
        assertThat(sb.status(2).state()).isEqualTo("OFFLINE:NORMAL");
        assertThat(sb.cctrl("-e", "rolling-maintenance status").stdout()).contains(": FAILED, step 4 of 23", "left:",
                "VALIDATE host2");
        // the DBA fixes host2 by hand, then resumes
        runScript(2, "set-mariadb-option", "binlog_format", "ROW");
        SandboxFixture.CliResult resumed = sb.cctrl("-e", "rolling-maintenance resume");
        System.out.println(resumed.all());
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.stdout()).contains("step 4/23 VALIDATE host2: ok", "step 23/23 SWITCH host1: ok")
                .doesNotContain("MAINTAIN host2");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).doesNotContain("SHUNNED");
        assertThat(sb.cluster().master()).isEqualTo("host1");
    }

    /**
     * The coordinator is killed -9 while a step runs: the run shows INTERRUPTED and {@code resume} on
     * the next coordinator runs that step again and goes on. Then a script that fails on host3 stops
     * the run there (host3 offline and reported, the rest in service); after the fix, {@code resume}
     * completes the run without redoing the finished hosts.
     */
    @Test
    @Order(5)
    void aCoordinatorKilledMidRunAndAFailingScriptAreBothResumed() throws Exception {
        Path marker = sb.host(3).homePath().resolve("fixed");
        for (SandboxLayout.Host h : sb.hosts()) {
            Path script = h.homePath().resolve("maintenance").resolve("check-host");
            Files.writeString(script, "#!/bin/sh\necho \"checking $TANTALUM_HOST\"\n"
                    + "if [ \"$TANTALUM_HOST\" = host2 ]; then sleep 4; fi\n"
                    + "if [ \"$TANTALUM_HOST\" = host3 ] && [ ! -e " + marker + " ]; then\n"
                    + "  echo \"host3: the disk check failed\" >&2; exit 3\nfi\necho ok\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        }
        String coordinator = sb.cluster().coordinator();
        // asked of a manager that is not the coordinator, which forwards it and outlives it
        int other = HaChecks.index(coordinator) == 1 ? 2 : 1;
        CompletableFuture<SandboxFixture.CliResult> first = CompletableFuture.supplyAsync(() -> sb.cctrl("-host",
                "host" + other, "-e", "rolling-maintenance --script check-host"));
        Await.until("the script to run on host2", Duration.ofSeconds(30), () -> sb.cctrl("-e",
                "rolling-maintenance status").stdout().contains("step 3 of 23: "), sb::describe);
        var manager = sb.sandbox().daemon(sb.layout().host(coordinator).orElseThrow(), Sandbox.Component.MANAGER)
                .orElseThrow();
        manager.handle().orElseThrow().destroyForcibly();
        System.out.println("killed the coordinator " + coordinator + " during step 3: " + first.get().all());
        HaChecks.awaitAnotherCoordinator(sb, coordinator);
        sb.sandbox().startHost(sb.layout().host(coordinator).orElseThrow(), Sandbox.Component.MANAGER,
                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        assertThat(sb.cctrl("-e", "rolling-maintenance status").stdout()).contains(": INTERRUPTED, step 3 of 23",
                "the coordinator that ran it (" + coordinator + ") stopped or lost the lead");

        SandboxFixture.CliResult run = sb.cctrl("-e", "rolling-maintenance resume");
        System.out.println(run.all());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.all()).contains("step 3/23 MAINTAIN host2: ok", "step 10 (MAINTAIN host3) failed: the script"
                + " check-host on host3 exited 3", "host3: the disk check failed");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host3(slave:SHUNNED(MAINTENANCE)",
                "host2(slave:ONLINE", "host1(master:ONLINE");
        assertThat(sb.status(3).state()).isEqualTo("OFFLINE:NORMAL");
        Files.writeString(marker, "");
        SandboxFixture.CliResult resumed = sb.cctrl("-e", "rolling-maintenance resume");
        System.out.println(resumed.all());
        assertThat(resumed.exitCode()).as(resumed.all()).isZero();
        assertThat(resumed.stdout()).contains("step 10/23 MAINTAIN host3: ok", "step 23/23 SWITCH host1: ok")
                .doesNotContain("MAINTAIN host2");
        Matcher id = Pattern.compile("rolling maintenance (maintenance-\\w+): DONE").matcher(resumed.stdout());
        assertThat(id.find()).isTrue();
        String history = sb.cctrl("-e", "cluster history 100").ok().stdout();
        assertThat(history.lines().filter(l -> l.contains(id.group(1) + ": step 3 host2")).count())
                .as("step 3 recorded once, by the coordinator that finished it:\n" + history).isEqualTo(1);
        assertThat(sb.cluster().master()).isEqualTo("host1");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).doesNotContain("SHUNNED");
    }

    /**
     * Without a script the run pauses at each host's maintenance until {@code continue}; an abort
     * leaves the hosts as they are, and {@code resume} picks the run up where it stopped.
     */
    @Test
    @Order(6)
    void withoutAScriptTheRunWaitsForTheOperatorAtEachHost() {
        SandboxFixture.CliResult paused = sb.cctrl("-e", "rolling-maintenance --order host3,host2,host1");
        assertThat(paused.exitCode()).as(paused.all()).isZero();
        assertThat(paused.stdout()).contains("step 2/23 OFFLINE host3: ok", ": PAUSED, step 3 of 23",
                "waiting for the operator: do the maintenance of host3", "rolling-maintenance continue");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("host3(slave:SHUNNED(MAINTENANCE)");
        assertThat(sb.status(3).state()).isEqualTo("OFFLINE:NORMAL");
        assertThat(sb.cctrl("-e", "rolling-maintenance continue").ok().stdout()).contains(
                "step 7/23 WELCOME host3: ok", ": PAUSED, step 10 of 23", "maintenance of host2");
        assertThat(sb.cctrl("-e", "rolling-maintenance abort").ok().stdout()).contains(": ABORTED, step 10 of 23");
        SandboxFixture.CliResult refused = sb.cctrl("-e", "rolling-maintenance continue");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.all()).contains("it is ABORTED, not waiting for the operator");
        assertThat(sb.cctrl("-e", "rolling-maintenance resume").ok().stdout()).contains(": PAUSED, step 10 of 23");
        assertThat(sb.cctrl("-e", "rolling-maintenance continue").ok().stdout()).contains(
                "step 15/23 SWITCH host3: ok", ": PAUSED, step 18 of 23", "maintenance of host1");
        assertThat(sb.cctrl("-e", "rolling-maintenance continue").ok().stdout()).contains(
                "step 23/23 SWITCH host1: ok", ": DONE, step 23 of 23");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).doesNotContain("SHUNNED");
    }

    /** Every datasource's state and role, as {@code cctrl ls} shows them (without the changing figures). */
    private static String states() {
        return String.join("\n", sb.cctrl("-e", "ls").ok().stdout().lines().filter(l -> l.startsWith("|host"))
                .map(l -> l.replaceAll(", progress=.*", "")).toList());
    }

    /** Innodb_deadlocks of each host (0 for a host whose database is down). */
    private static long[] deadlockCounters() {
        long[] n = new long[3];
        for (int k = 1; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                n[k - 1] = Long.parseLong(String.valueOf(Sql.query(c, "SELECT VARIABLE_VALUE FROM"
                        + " information_schema.global_status WHERE VARIABLE_NAME = 'INNODB_DEADLOCKS'").get(0).get(0)));
            } catch (java.sql.SQLException | RuntimeException e) {
                n[k - 1] = 0;
            }
        }
        return n;
    }

    /** Runs a sandbox maintenance script by hand, as the DBA would. */
    private static void runScript(int k, String... cmd) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of(sb.host(k).homePath().resolve("maintenance").resolve(cmd[0])
                .toString()));
        full.addAll(List.of(cmd).subList(1, cmd.length));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    /** sysbench oltp_write_only through the connector's read/write port, 4 threads, prepared statements. */
    private static String sysbench(int seconds, String command) {
        List<String> cmd = List.of("sysbench", "--db-driver=mysql", "--mysql-host=" + sb.host(1).address(),
                "--mysql-port=" + SandboxLayout.CONNECTOR_PORT, "--mysql-user=" + sb.layout().appUser(),
                "--mysql-password=" + sb.layout().appPassword(), "--mysql-db=sbtest", "--tables=2",
                "--table-size=5000", "--threads=4", "--time=" + seconds, "oltp_write_only", command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("sysbench " + command + " exit code; output:\n" + out).isZero();
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run sysbench (apt-get install sysbench): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
