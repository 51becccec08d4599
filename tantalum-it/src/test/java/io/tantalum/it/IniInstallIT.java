package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** tpm install per host from the INI file, tpm update restarting only what changed, and configuration errors. */
@Sandboxed(hosts = 3)
class IniInstallIT {
    static SandboxFixture sb;

    @Test
    void installEachHostFromTheIniThenUpdateRestartsOnlyTheReplicators() throws Exception {
        // start from databases only: every replicator stopped and its configuration removed
        sb.tpm("stop").ok();
        for (SandboxLayout.Host h : sb.hosts()) {
            Files.delete(sb.sandbox().replicatorConfig(h));
        }
        for (SandboxLayout.Host h : sb.hosts()) {
            SandboxFixture.CliResult install = sb.tpm("install", "--host", h.name());
            install.ok();
            assertThat(install.stdout()).contains(h.name() + "/alpha: wrote", "catalog tantalum_alpha ready",
                    "replicator started");
        }
        sb.sandbox().awaitOnline(60_000);
        String conf = Files.readString(sb.sandbox().replicatorConfig(sb.host(2)));
        assertThat(conf).contains("replicator.role=slave", "replicator.apply.block.size=100");

        List<Long> dbPids = new ArrayList<>();
        List<Long> replicatorPids = new ArrayList<>();
        for (SandboxLayout.Host h : sb.hosts()) {
            dbPids.add(sb.sandbox().db(h).pid().orElseThrow());
            replicatorPids.add(sb.sandbox().replicatorProcess(h).orElseThrow().pid());
        }
        List<Long> acked;
        try (WriteLoad load = new WriteLoad(() -> sb.app(1), "ini")) {
            org.awaitility.Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> load.acknowledgedCount() > 200);
            Path ini = sb.sandbox().iniFile();
            Files.writeString(ini, Files.readString(ini).replace("[defaults]\n", "[defaults]\napply-block-size=10\n"));
            SandboxFixture.CliResult update = sb.tpm("update");
            update.ok();
            assertThat(update.stdout()).contains("host1/alpha: configuration changed, replicator restarted",
                    "host3/alpha: configuration changed, replicator restarted", "3 replicator(s) restarted");
            sb.sandbox().awaitOnline(60_000);
            int before = load.acknowledgedCount();
            org.awaitility.Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> load.acknowledgedCount() > before + 200);
            load.close();
            acked = load.acknowledged();
            assertThat(load.errors()).as("the application saw no error").isZero();
        }
        assertThat(Files.readString(sb.sandbox().replicatorConfig(sb.host(2)))).contains("replicator.apply.block.size=10");
        for (int k = 0; k < 3; k++) {
            SandboxLayout.Host h = sb.hosts().get(k);
            assertThat(sb.sandbox().db(h).pid().orElseThrow()).as(h.name() + " database not restarted")
                    .isEqualTo(dbPids.get(k));
            assertThat(sb.sandbox().replicatorProcess(h).orElseThrow().pid()).as(h.name() + " replicator restarted")
                    .isNotEqualTo(replicatorPids.get(k));
        }
        SandboxFixture.CliResult again = sb.tpm("update");
        assertThat(again.stdout()).contains("host2/alpha: unchanged", "0 replicator(s) restarted");

        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("ini");
        try (Connection c = sb.admin(3)) {
            assertThat(Sql.count(c, "SELECT COUNT(DISTINCT txn) FROM ini.ledger")).isGreaterThanOrEqualTo(acked.size());
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM ini.ledger")).isEqualTo(
                    Sql.count(c, "SELECT COUNT(DISTINCT txn) FROM ini.ledger"));
        }
    }

    @Test
    void uninstallKeepsTheThlAndAReinstallCatchesUp() throws Exception {
        SandboxLayout.Host h3 = sb.host(3);
        Path conf = sb.sandbox().replicatorConfig(h3);
        SandboxFixture.CliResult un = sb.tpm("uninstall", "--host", "host3");
        un.ok();
        assertThat(un.stdout()).contains("host3/alpha: replicator stopped", "host3/alpha: removed " + conf,
                "host3/alpha: kept the THL in " + h3.homePath().resolve("thl").resolve("alpha"));
        assertThat(conf).doesNotExist();
        assertThat(sb.sandbox().replicatorProcess(h3)).isEmpty();
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE IF NOT EXISTS un", "CREATE TABLE un.t (id INT PRIMARY KEY)",
                    "INSERT INTO un.t VALUES (1), (2), (3)");
        }
        sb.tpm("install", "--host", "host3").ok();
        sb.sandbox().awaitOnline(60_000);
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("un");
    }

    @Test
    void aBrokenIniIsReportedWithLinesAndChangesNothing() throws Exception {
        Path bad = sb.dir().resolve("bad.ini");
        Files.writeString(bad, "[defaults]\nreplication-password=topsecret\nthl-port=70000\n[alpha]\nmaster=host1\n"
                + "members=host2,host3\nbogus-key=1\n");
        SandboxFixture.CliResult r = sb.tpm("validate", "--ini", bad.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("3 problem(s); nothing was changed", bad + ":3: thl-port=70000",
                bad + ":5: [alpha] master host1 is not one of its members", bad + ":7: unknown key 'bogus-key'")
                .doesNotContain("topsecret");
        SandboxFixture.CliResult missing = sb.tpm("install", "--ini", sb.dir().resolve("nope.ini").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("nope.ini: no such file");
    }

    @Test
    void aReplicatorStartedWithABrokenFileSaysWhyAndExits() throws Exception {
        Path conf = sb.dir().resolve("broken.properties");
        Files.writeString(conf, "replicator.host=host9\nreplicator.thl.port=abc\nreplicator.rol=master\n");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "io.tantalum.replicator.ReplicatorMain", conf.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).startsWith("ERROR: Invalid replicator configuration " + conf)
                .contains("replicator.thl.port=abc", "missing required key 'thl.directory'", "unknown key 'replicator.rol'")
                .doesNotContain("Exception");
    }
}
