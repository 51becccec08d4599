package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.api.ManagerApi;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The clustering layer on a real 3-host sandbox: managers, a 3-member ZooKeeper ensemble of
 * separate processes, {@code cctrl}. A client keeps writing to whatever the topology names as
 * master, and every write it had acknowledged must be on every host exactly once.
 */
@Sandboxed(cluster = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    static SandboxFixture sb;

    /** ls as cctrl prints it: the master and each slave ONLINE. */
    static void assertLs(int master) {
        String ls = sb.cctrl("-e", "ls").ok().stdout();
        assertThat(ls).contains("COORDINATOR[").contains(":AUTOMATIC:ONLINE]");
        for (int k = 1; k <= 3; k++) {
            assertThat(ls).contains("|host" + k + "(" + (k == master ? "master" : "slave") + ":ONLINE, progress=");
        }
        assertThat(ls).doesNotContain("PROCEDURE IN PROGRESS");
    }

    @Test
    @Order(1)
    void switchesBackAndForthTenTimesUnderLoadWithoutLosingAWrite() throws Exception {
        assertLs(1);
        try (WriteLoad w = HaChecks.load(sb)) {
            Await.until("the first writes", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 20, sb::describe);
            for (int i = 0; i < 10; i++) {
                int before = HaChecks.topologyMaster(sb);
                SandboxFixture.CliResult r = i % 2 == 0 ? sb.cctrl("-e", "switch")
                        : sb.cctrl("-e", "switch to host" + (before == 1 ? 2 : 1));
                r.ok();
                assertThat(r.stdout()).contains("PREFLIGHT", "DEMOTE", "FLUSH", "CATCH_UP", "PROMOTE", "REPOINT",
                        "VERIFY").containsPattern("switch-\\S+ OK in \\d+ ms");
                int after = HaChecks.topologyMaster(sb);
                assertThat(after).as("master after switch " + i).isNotEqualTo(before);
                assertThat(sb.master()).as("the replicator that is master").isEqualTo(after);
                assertLs(after);
                int acked = w.acknowledgedCount();
                Await.until("writes on the new master", Duration.ofSeconds(30), () -> w.acknowledgedCount() > acked + 5,
                        sb::describe);
            }
        }
        try (WriteLoad w = HaChecks.load(sb)) {
            Await.until("a few writes", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 5, sb::describe);
        }
        String history = sb.cctrl("-e", "cluster history 200").ok().stdout();
        assertThat(history.split("\n")).filteredOn(l -> l.contains(" VERIFY ") && l.contains(" ok ")).hasSize(10);
    }

    @Test
    @Order(2)
    void switchRefusalsChangeNothing() throws Exception {
        ManagerApi.ClusterView before = sb.cluster();
        int m = HaChecks.index(before.master());
        int slave = m == 1 ? 2 : 1;
        int other = 6 - m - slave;
        assertRefused("switch to host9", "not a member");
        assertRefused("switch to host" + m, "already the master");

        sb.trepctl("-host", "host" + slave, "offline").ok();
        awaitState(slave, "OFFLINE");
        assertRefused("switch to host" + slave, "OFFLINE(REPLICATOR-OFFLINE-BY-OPERATOR)");
        sb.cctrl("-e", "datasource host" + slave + " online").ok();
        awaitState(slave, "ONLINE");

        sb.cctrl("-e", "datasource host" + slave + " shun").ok();
        assertRefused("switch to host" + slave, "SHUNNED(MANUALLY-SHUNNED)");
        sb.cctrl("-e", "datasource host" + slave + " welcome").ok();
        awaitState(slave, "ONLINE");

        sb.sandbox().stopHost(sb.host(other), Sandbox.Component.DB, System.out);
        awaitState(other, "FAILED");
        assertRefused("switch to host" + other, "FAILED(");
        sb.sandbox().startHost(sb.host(other), Sandbox.Component.DB, System.out);
        awaitState(other, "ONLINE");

        assertLaggingCandidateRefused(slave);

        ManagerApi.ClusterView after = sb.cluster();
        assertThat(after.master()).isEqualTo(before.master());
        assertThat(sb.master()).isEqualTo(m);
        try (Connection c = sb.admin(m)) {
            assertThat(Sql.query(c, "SELECT @@read_only").get(0).get(0).toString()).isEqualTo("0");
        }
    }

    @Test
    @Order(3)
    void twoSwitchesAtOnceRunOneAndRefuseTheOther() throws Exception {
        // two managers asked at the same instant: both forward to the coordinator, which runs one
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int k : new int[] {1, 2}) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return "ok " + sb.manager(k).call(ManagerApi.SWITCH, new ManagerApi.SwitchRequest(null)).outcome();
                } catch (io.tantalum.common.TantalumException e) {
                    return e.code() + " " + e.getMessage();
                }
            }));
        }
        List<String> outcomes = List.of(calls.get(0).get(), calls.get(1).get());
        assertThat(outcomes).filteredOn(o -> o.startsWith("ok ok")).as(outcomes.toString()).hasSize(1);
        assertThat(outcomes).filteredOn(o -> o.startsWith("FAILED_PRECONDITION")).as(outcomes.toString())
                .singleElement().satisfies(o -> assertThat(o).containsAnyOf("in progress", "busy with another"));
        assertLs(HaChecks.topologyMaster(sb));
    }

    @Test
    @Order(4)
    void automaticPolicyFailsAndRecoversASlaveButNeverUndoesAnOperatorsOffline() throws Exception {
        int m = HaChecks.topologyMaster(sb);
        int slave = m == 3 ? 2 : 3;
        sb.sandbox().stopHost(sb.host(slave), Sandbox.Component.DB, System.out);
        awaitState(slave, "FAILED");
        assertThat(sb.cctrl("-e", "ls").ok().stdout()).contains("|host" + slave + "(slave:FAILED(DATASERVER-STOPPED)");
        sb.sandbox().startHost(sb.host(slave), Sandbox.Component.DB, System.out);
        awaitState(slave, "ONLINE");
        assertThat(sb.cctrl("-e", "cluster history 100").ok().stdout()).contains("host" + slave
                + ": FAILED(DATASERVER-STOPPED) -> ONLINE");

        sb.trepctl("-host", "host" + slave, "offline").ok();
        for (String policy : List.of("automatic", "manual", "maintenance")) {
            sb.cctrl("-e", "set policy " + policy).ok();
            awaitState(slave, "OFFLINE");
            io.tantalum.testkit.Await.pause(2000); // a few coordinator rounds: none may bring it back
            assertThat(sb.state(slave)).isEqualTo("OFFLINE:NORMAL");
            assertThat(state(slave)).isEqualTo("OFFLINE");
        }
        sb.cctrl("-e", "set policy automatic").ok();
        sb.trepctl("-host", "host" + slave, "online").ok();
        awaitState(slave, "ONLINE");
    }

    @Test
    @Order(5)
    void oneZooKeeperMemberDownChangesNothingTwoDownRefusesChangesAndReplicationGoesOn() throws Exception {
        sb.sandbox().kill(sb.host(3), Sandbox.Component.ZOOKEEPER);
        sb.cctrl("-e", "switch").ok();
        assertLs(HaChecks.topologyMaster(sb));

        int m = HaChecks.topologyMaster(sb);
        sb.sandbox().kill(sb.host(2), Sandbox.Component.ZOOKEEPER);
        Await.until("the managers to lose the quorum", Duration.ofSeconds(30), () -> {
            SandboxFixture.CliResult r = sb.cctrl("-e", "switch");
            return r.exitCode() != 0 && r.stderr().contains("ZooKeeper quorum");
        }, sb::describe);
        SandboxFixture.CliResult refused = sb.cctrl("-e", "switch");
        assertThat(refused.exitCode()).isEqualTo(4);
        SandboxFixture.CliResult validate = sb.tpm("validate");
        assertThat(validate.exitCode()).isEqualTo(2);
        assertThat(validate.stdout()).contains("ERROR >> host1 >> the ZooKeeper ensemble has no quorum: 0 of 3 members"
                + " serve", "ERROR >> host1 >> cannot reach ZooKeeper member " + sb.host(2).address() + ":2181 from this"
                + " host: start it, or open the port between them (ZooKeeperEnsembleCheck)");
        assertThat(refused.stderr()).contains("Nothing was changed", "Replication keeps running",
                "read-only until its manager reaches the quorum again");
        // the master's manager lost its lease with the quorum: it fenced its database, writes are refused
        Await.until("the master's database to be fenced", Duration.ofSeconds(20), () -> {
            try (Connection c = sb.app(m)) {
                Sql.exec(c, "CREATE DATABASE IF NOT EXISTS quorum");
                return false;
            } catch (RuntimeException | java.sql.SQLException e) {
                return e.getMessage().contains("read-only");
            }
        }, sb::describe);
        assertThat(sb.master()).isEqualTo(m);

        sb.sandbox().startHost(sb.host(2), Sandbox.Component.ZOOKEEPER, System.out);
        sb.sandbox().startHost(sb.host(3), Sandbox.Component.ZOOKEEPER, System.out);
        sb.sandbox().awaitCoordinator(60_000);
        // the quorum is back and no failover happened: the coordinator lifts the fence
        Await.until("the master to be writable again", Duration.ofSeconds(30), () -> {
            try (Connection c = sb.app(m)) {
                Sql.exec(c, "CREATE DATABASE IF NOT EXISTS quorum", "CREATE TABLE IF NOT EXISTS quorum.t (id INT PRIMARY"
                        + " KEY)", "INSERT IGNORE INTO quorum.t VALUES (1)");
                return true;
            } catch (RuntimeException | java.sql.SQLException e) {
                return false;
            }
        }, sb::describe);
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        assertThat(sb.cctrl("-e", "cluster history 50").ok().stdout()).contains("UNFENCE");
        Await.until("a switch to work again", Duration.ofSeconds(60), () -> sb.cctrl("-e", "switch").exitCode() == 0,
                sb::describe);
        assertLs(HaChecks.topologyMaster(sb));
        sb.assertSameData("quorum");
        assertThat(sb.tpm("validate").stdout()).doesNotContain("ZooKeeperEnsembleCheck");
    }

    /**
     * A slave whose applier waits on a row lock falls behind; with {@code switch-lag-limit=2}
     * (applied with `tpm update`, which restarts the managers) a switch to it is refused.
     */
    private static void assertLaggingCandidateRefused(int slave) throws Exception {
        java.nio.file.Path ini = sb.sandbox().iniFile();
        String original = java.nio.file.Files.readString(ini);
        java.nio.file.Files.writeString(ini, original.replace("zookeeper-install=true", "zookeeper-install=true\n"
                + "switch-lag-limit=2"));
        assertThat(sb.tpm("update").ok().stdout()).contains("3 manager(s) restarted").doesNotContain(
                "replicator restarted");
        sb.sandbox().awaitCoordinator(60_000);
        int m = HaChecks.topologyMaster(sb);
        try (Connection lock = sb.admin(slave); Connection app = sb.app(m)) {
            Sql.exec(app, "CREATE DATABASE IF NOT EXISTS lag", "CREATE TABLE IF NOT EXISTS lag.t (id INT PRIMARY KEY,"
                    + " n INT)", "INSERT IGNORE INTO lag.t VALUES (1, 0)");
            sb.awaitCaughtUp(Duration.ofSeconds(60));
            lock.setAutoCommit(false);
            Sql.query(lock, "SELECT * FROM lag.t WHERE id = 1 FOR UPDATE");
            Sql.exec(app, "UPDATE lag.t SET n = n + 1");
            Await.until("host" + slave + " to fall more than 2 s behind", Duration.ofSeconds(30),
                    () -> sb.status(slave).relativeLatency() > 3, sb::describe);
            assertRefused("switch to host" + slave, "behind the master (limit 2 s)");
            lock.rollback();
        }
        java.nio.file.Files.writeString(ini, original);
        sb.tpm("update").ok();
        sb.sandbox().awaitCoordinator(60_000);
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    /**
     * The managers' and the connector's /metrics: every documented metric, and only those; one
     * coordinator; every datasource's role and state; the switches counted; the connector's
     * sessions, bytes and refused logins (a switch ran in the previous tests).
     */
    @Test
    @Order(7)
    void managersAndTheConnectorServeTheirMetrics() throws Exception {
        int m = HaChecks.topologyMaster(sb);
        String token = viewerToken(); // what a Prometheus server should be given
        java.util.Map<String, Double> all = new java.util.TreeMap<>();
        double coordinators = 0;
        double switches = 0;
        for (int k = 1; k <= 3; k++) {
            var samples = Scrapes.scrape(java.net.URI.create("http://" + sb.host(k).address() + ":"
                    + io.tantalum.cli.sandbox.SandboxLayout.MANAGER_PORT + "/metrics"), token);
            coordinators += Scrapes.value(samples, "tantalum_manager_coordinator", "");
            switches += Scrapes.sum(samples, "tantalum_manager_procedures_seconds_count", "procedure=\"switch\"");
            assertThat(Scrapes.value(samples, "tantalum_manager_zookeeper_state", "state=\"CONNECTED\"")
                    + Scrapes.value(samples, "tantalum_manager_zookeeper_state", "state=\"RECONNECTED\"")).isEqualTo(1);
            assertThat(Scrapes.value(samples, "tantalum_manager_datasource_state", "datasource=\"host" + m + "\"",
                    "role=\"master\"", "state=\"ONLINE\"")).isEqualTo(1);
            assertThat(Scrapes.value(samples, "tantalum_manager_policy", "policy=\"automatic\"")).isEqualTo(1);
            all.putAll(samples);
        }
        assertThat(coordinators).as("coordinators").isEqualTo(1);
        assertThat(switches).as("switches counted since the managers' restart").isGreaterThanOrEqualTo(1);
        assertThat(Scrapes.families(all, "tantalum_manager_")).isEqualTo(Scrapes.documented("tantalum_manager_"));

        String connector = "http://" + sb.host(1).address() + ":"
                + io.tantalum.cli.sandbox.SandboxLayout.CONNECTOR_ADMIN_PORT + "/metrics";
        var before = Scrapes.scrape(java.net.URI.create(connector), token);
        assertThatThrownBy(() -> Sql.connect("jdbc:mariadb://" + sb.host(1).address() + ":"
                + io.tantalum.cli.sandbox.SandboxLayout.CONNECTOR_PORT + "/", sb.layout().appUser(), "wrong"))
                .hasMessageContaining("Access denied");
        try (Connection c = HaChecks.viaConnector(sb)) {
            Sql.query(c, "SELECT @@hostname, REPEAT('x', 10000)");
            var during = Scrapes.scrape(java.net.URI.create(connector), token);
            assertThat(Scrapes.value(during, "tantalum_connector_sessions", "backend=\"host" + m + "\"",
                    "port=\"read-write\"")).isGreaterThanOrEqualTo(1);
            assertThat(Scrapes.value(during, "tantalum_connector_sessions_served_total", "")
                    - Scrapes.value(before, "tantalum_connector_sessions_served_total", "")).isEqualTo(2);
            assertThat(Scrapes.value(during, "tantalum_connector_bytes_total", "direction=\"to_clients\"")
                    - Scrapes.value(before, "tantalum_connector_bytes_total", "direction=\"to_clients\""))
                    .isGreaterThan(10000);
            assertThat(Scrapes.value(during, "tantalum_connector_session_errors_total", "cause=\"access_denied\"")
                    - Scrapes.value(before, "tantalum_connector_session_errors_total", "cause=\"access_denied\""))
                    .isEqualTo(1);
            assertThat(Scrapes.value(during, "tantalum_connector_routing", "")).isEqualTo(1);
            assertThat(Scrapes.families(during, "tantalum_connector_")).isEqualTo(
                    Scrapes.documented("tantalum_connector_"));
        }
    }

    /** The read-only viewer token, as `tpm viewer-token` prints it; it may read but not switch. */
    private static String viewerToken() throws Exception {
        String out = sb.tpm("viewer-token").ok().stdout().trim();
        assertThat(out).startsWith(sb.layout().service() + " viewer-").doesNotContain(sb.replicatorToken());
        String viewer = out.substring(out.indexOf(' ') + 1);
        var post = Scrapes.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://"
                + sb.host(1).address() + ":" + io.tantalum.cli.sandbox.SandboxLayout.MANAGER_PORT + "/api/v1/cluster/switch"))
                .header("Authorization", "Bearer " + viewer).POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).as(post.body()).isEqualTo(403);
        assertThat(post.body()).contains("PERMISSION_DENIED", "needs the admin token");
        return viewer;
    }

    /**
     * The managers' web view in a real browser (Debian's Chromium, headless): after a login with the
     * viewer token it shows every host with its role, and after a `switch` the new master within 3 s,
     * without a reload. Screenshots go to target/web-view-*.png.
     */
    @Test
    @Order(8)
    void theWebViewShowsTheDataserviceAndFollowsASwitchWithoutAReload() throws Exception {
        org.openqa.selenium.WebDriver browser = WebView.open();
        try {
            int m = HaChecks.topologyMaster(sb);
            String base = "http://" + sb.host(2).address() + ":" + io.tantalum.cli.sandbox.SandboxLayout.MANAGER_PORT;
            browser.get(base + "/");
            WebView.login(browser, viewerToken());
            for (int k = 1; k <= 3; k++) {
                int host = k;
                Await.until("host" + k + " on the page", Duration.ofSeconds(10), () -> WebView.text(browser, "ds-host"
                        + host).startsWith("host" + host + " " + (host == m ? "master" : "slave") + " ONLINE"),
                        () -> WebView.text(browser, "view"));
            }
            assertThat(WebView.text(browser, "connectors")).contains("ONLINE");
            assertThat(WebView.text(browser, "summary")).contains("master host" + m);
            WebView.screenshot(browser, "web-view-before-switch");
            Object marker = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                    "window.tantalumMarker = 42; return window.tantalumMarker;");
            assertThat(marker).isEqualTo(42L);

            sb.cctrl("-e", "switch").ok();
            int now = HaChecks.topologyMaster(sb);
            long switched = System.nanoTime();
            Await.until("the page to show host" + now + " as the master", Duration.ofSeconds(3),
                    () -> WebView.text(browser, "ds-host" + now).startsWith("host" + now + " master ONLINE"),
                    () -> WebView.text(browser, "view"));
            long millis = (System.nanoTime() - switched) / 1_000_000;
            assertThat(WebView.text(browser, "ds-host" + m)).startsWith("host" + m + " slave");
            assertThat(WebView.text(browser, "history")).contains("switch", "PROMOTE");
            assertThat(((org.openqa.selenium.JavascriptExecutor) browser).executeScript("return window.tantalumMarker;"))
                    .as("the page was not reloaded").isEqualTo(42L);
            WebView.screenshot(browser, "web-view-after-switch");
            System.out.println("the web view showed the new master " + millis + " ms after the switch returned");
        } finally {
            browser.quit();
        }
    }

    @Test
    @Order(6)
    void cctrlReadsCommandsFromItsInputAndPrintsJson() {
        SandboxFixture.CliResult refreshed = sb.cctrl("-e", "ls -r 1 -c 2").ok();
        assertThat(refreshed.stdout().split("COORDINATOR\\[", -1)).as("ls -r 1 -c 2 prints twice").hasSize(3);
        SandboxFixture.CliResult r = sb.cliWithInput("ls\nhelp\ncluster heartbeat\nexit\nls\n",
                "io.tantalum.cli.CctrlMain").ok();
        assertThat(r.stdout()).contains("COORDINATOR[", "switch to <host>", "heartbeat OK in");
        assertThat(r.stdout().split("COORDINATOR\\[", -1)).as("nothing runs after exit").hasSize(2);
        SandboxFixture.CliResult bad = sb.cliWithInput("switch to nowhere\n", "io.tantalum.cli.CctrlMain");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stdout()).contains("ERROR: ", "not a member");
        String json = sb.cctrl("-json", "-e", "ls -l").ok().stdout();
        assertThat(json).contains("\"coordinator\"", "\"datasources\"", "\"gtidPosition\"");
        assertThat(sb.cctrl("-e", "ls -l").ok().stdout()).contains("ZOOKEEPER[", "TOPOLOGY[version=", "gtid=");
    }

    private static void assertRefused(String command, String reason) {
        int version = settledTopologyVersion();
        SandboxFixture.CliResult r = sb.cctrl("-e", command);
        assertThat(r.exitCode()).as(r.all()).isIn(2, 3);
        assertThat(r.stderr()).contains(reason);
        assertThat(r.stderr()).containsAnyOf("Nothing was changed", "members:");
        assertThat(sb.cluster().topologyVersion()).as("topology version after `" + command + "`").isEqualTo(version);
    }

    /**
     * The topology's version once it has stopped changing for half a second: a datasource that has
     * just failed gets its reason written a moment after its state.
     */
    private static int settledTopologyVersion() {
        int[] last = {sb.cluster().topologyVersion()};
        Await.until("the topology to settle", Duration.ofSeconds(15), () -> {
            io.tantalum.testkit.Await.pause(500);
            int now = sb.cluster().topologyVersion();
            boolean same = now == last[0];
            last[0] = now;
            return same;
        }, sb::describe);
        return last[0];
    }

    /** The datasource state of host k in the topology. */
    private static String state(int k) {
        return sb.cluster().datasources().stream().filter(d -> d.host().equals("host" + k)).findFirst().orElseThrow()
                .state();
    }

    private static void awaitState(int k, String state) {
        Await.until("host" + k + " to be " + state + " in the topology", Duration.ofSeconds(60),
                () -> state(k).equals(state), () -> sb.cctrl("-e", "ls").all());
    }
}
