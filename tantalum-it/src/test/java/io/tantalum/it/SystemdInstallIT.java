package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.SystemdUserInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tpm install, start, stop, status and update with {@code service-manager=systemd-user}, against
 * a real systemd: each host gets a systemd user instance of its own, as if it were its own
 * machine, and tpm runs with that instance's environment.
 */
@Sandboxed(hosts = 2)
class SystemdInstallIT {
    static SandboxFixture sb;

    private static final String UNIT = "tantalum-alpha.service";

    private static void write(String schema, int from, int to) throws Exception {
        try (Connection c = sb.app(1)) {
            for (int i = from; i < to; i++) {
                Sql.exec(c, "INSERT INTO " + schema + ".t VALUES (" + i + ", 'row " + i + "')");
            }
        }
    }

    private static long mainPid(SystemdUserInstance m) {
        return Long.parseLong(m.property(UNIT, "MainPID"));
    }

    @Test
    void replicatorsRunAsSystemdUnitsThatRestartAfterACrashAndStopCleanly() throws Exception {
        sb.tpm("stop").ok();
        for (SandboxLayout.Host h : sb.hosts()) {
            Files.delete(sb.sandbox().replicatorConfig(h));
        }
        Path ini = sb.sandbox().iniFile();
        Files.writeString(ini, Files.readString(ini).replace("service-manager=background", "service-manager=systemd-user"));
        try (SystemdUserInstance host1 = new SystemdUserInstance(sb.dir().resolve("systemd-host1"));
                SystemdUserInstance host2 = new SystemdUserInstance(sb.dir().resolve("systemd-host2"))) {
            List<SystemdUserInstance> systemd = List.of(host1, host2);
            for (int k = 1; k <= 2; k++) {
                SandboxFixture.CliResult install = sb.tpm(systemd.get(k - 1).env(), "install", "--host", "host" + k);
                install.ok();
                assertThat(install.stdout()).contains("host" + k + "/alpha: catalog tantalum_alpha ready",
                        "host" + k + "/alpha: replicator started: systemd --user unit " + UNIT + " active (running,"
                                + " main pid ");
                Path unit = systemd.get(k - 1).unitDirectory().resolve(UNIT);
                assertThat(Files.readString(unit)).contains("Description=Tantalum replicator (service alpha on host" + k
                        + ")", "SuccessExitStatus=143", "Restart=on-failure");
                assertThat(systemd.get(k - 1).systemctl("is-enabled", UNIT)).isEqualTo("enabled");
            }
            sb.sandbox().awaitOnline(60_000);
            long pid = mainPid(host2);
            assertThat(sb.sandbox().replicatorProcess(sb.host(2)).orElseThrow().pid()).as("pid file = MainPID")
                    .isEqualTo(pid);
            try (Connection c = sb.app(1)) {
                Sql.exec(c, "CREATE DATABASE sd", "CREATE TABLE sd.t (id INT PRIMARY KEY, v VARCHAR(20))");
            }
            write("sd", 0, 100);
            sb.awaitCaughtUp(Duration.ofSeconds(60));

            // a crash: systemd starts the replicator again (RestartSec=5) and it resumes where it was
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            Await.until("systemd restarted host2's replicator", Duration.ofSeconds(60),
                    () -> host2.property(UNIT, "NRestarts").equals("1") && mainPid(host2) != 0 && mainPid(host2) != pid,
                    () -> host2.systemctl("status", "--no-pager", UNIT));
            sb.sandbox().awaitOnline(60_000);
            write("sd", 100, 200);
            sb.awaitCaughtUp(Duration.ofSeconds(60));

            SandboxFixture.CliResult status = sb.tpm(host2.env(), "status", "--host", "host2");
            status.ok();
            assertThat(status.stdout()).contains("systemd --user unit " + UNIT + " active (running, main pid "
                    + mainPid(host2) + ", restarts 1");

            // update: a changed block size restarts the unit through systemctl
            long beforeUpdate = mainPid(host2);
            Files.writeString(ini, Files.readString(ini).replace("[defaults]\n", "[defaults]\napply-block-size=7\n"));
            SandboxFixture.CliResult update = sb.tpm(host2.env(), "update", "--host", "host2");
            update.ok();
            assertThat(update.stdout()).contains("host2/alpha: configuration changed, replicator restarted");
            assertThat(mainPid(host2)).isNotIn(0L, beforeUpdate);
            assertThat(host2.property(UNIT, "ActiveState")).isEqualTo("active");

            // a clean stop is a success for systemd (the JVM exits with 143 on SIGTERM), not a failure
            sb.tpm(host2.env(), "stop", "--host", "host2").ok();
            assertThat(host2.property(UNIT, "ActiveState")).isEqualTo("inactive");
            assertThat(host2.property(UNIT, "Result")).isEqualTo("success");
            write("sd", 200, 300);

            // a replicator that cannot start says why, and systemd does not restart it in a loop
            Path conf = sb.sandbox().replicatorConfig(sb.host(2));
            Files.writeString(conf, Files.readString(conf) + "replicator.rol=master\n");
            SandboxFixture.CliResult broken = sb.tpm(host2.env(), "start", "--host", "host2");
            assertThat(broken.exitCode()).as(broken.all()).isEqualTo(4);
            assertThat(broken.stderr()).contains("host2/alpha: the replicator of " + UNIT + " exited at start-up"
                    + " (failed, exit-code)", "unknown key 'replicator.rol'");
            // an absence can only be seen over a window: the one in which systemd would have restarted it
            Await.pause((io.tantalum.cli.install.SystemdUnit.RESTART_SEC + 1) * 1000L);
            assertThat(host2.property(UNIT, "ActiveState")).isEqualTo("failed");
            assertThat(host2.property(UNIT, "NRestarts")).isEqualTo("0");
            SandboxFixture.CliResult repair = sb.tpm(host2.env(), "update", "--host", "host2");
            assertThat(repair.stdout()).as(repair.all())
                    .contains("host2/alpha: configuration changed, replicator not running");
            sb.tpm(host2.env(), "start", "--host", "host2").ok();
            assertThat(host2.property(UNIT, "ActiveState")).isEqualTo("active");
            sb.sandbox().awaitOnline(60_000);
            sb.awaitCaughtUp(Duration.ofSeconds(60));
            sb.assertSameData("sd");
            try (Connection c = sb.admin(2)) {
                assertThat(Sql.count(c, "SELECT COUNT(*) FROM sd.t")).isEqualTo(300);
            }
            assertThat(Files.readString(sb.sandbox().replicatorConfig(sb.host(2))))
                    .contains("replicator.apply.block.size=7");

            // uninstall: the unit is stopped, disabled and removed; the THL stays
            SandboxFixture.CliResult un = sb.tpm(host2.env(), "uninstall", "--host", "host2");
            un.ok();
            assertThat(un.stdout()).contains("host2/alpha: systemd unit " + UNIT + " stopped, disabled and removed",
                    "host2/alpha: removed " + conf, "host2/alpha: kept the THL in");
            assertThat(host2.unitDirectory().resolve(UNIT)).doesNotExist();
            assertThat(host2.property(UNIT, "LoadState")).isEqualTo("not-found");
            assertThat(conf).doesNotExist();
        }
    }
}
