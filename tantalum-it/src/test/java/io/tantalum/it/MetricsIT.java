package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The replicators' {@code /metrics} (every metric of docs/metrics.md, and only those, moving as
 * the dataservice works) and health checks (master, slave, lagging slave, offline and stopped
 * replicator), as Prometheus and a load balancer see them.
 */
@Sandboxed(hosts = 3)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsIT {
    static SandboxFixture sb;

    @Test
    @Order(1)
    void everyDocumentedMetricIsServedAndMovesWithTheLoad() throws Exception {
        Set<String> documented = Scrapes.documented("tantalum_replicator_");
        documented.addAll(Scrapes.documented("tantalum_thl_"));
        assertThat(documented).hasSizeGreaterThan(15);
        Map<String, Double> master0 = scrape(1);
        Map<String, Double> slave0 = scrape(2);
        try (Connection c = sb.app(1); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE metrics");
            s.execute("CREATE TABLE metrics.t (id INT PRIMARY KEY, v INT)");
            for (int i = 0; i < 50; i++) {
                s.execute("INSERT INTO metrics.t VALUES (" + i + ", 0), (" + (1000 + i) + ", 0)");
            }
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        Map<String, Double> master = scrape(1);
        Map<String, Double> slave = scrape(2);

        Set<String> servedFamilies = Scrapes.families(master, "tantalum_");
        servedFamilies.addAll(Scrapes.families(slave, "tantalum_"));
        Set<String> expected = new java.util.TreeSet<>(documented);
        expected.removeIf(n -> n.startsWith("tantalum_replicator_channel_")); // only with apply-channels > 1
        assertThat(servedFamilies).as("served, against docs/metrics.md").containsAll(expected);
        assertThat(documented).as("documented in docs/metrics.md, against what is served").containsAll(servedFamilies);

        assertThat(value(master, "tantalum_replicator_role", "role=\"master\"")).isEqualTo(1);
        assertThat(value(slave, "tantalum_replicator_role", "role=\"slave\"")).isEqualTo(1);
        assertThat(value(slave, "tantalum_replicator_state", "state=\"ONLINE\"")).isEqualTo(1);
        double seqno = value(master, "tantalum_replicator_applied_seqno", "");
        assertThat(seqno).isEqualTo(sb.appliedSeqno(1)).isGreaterThan(value(master0, "tantalum_replicator_applied_seqno",
                "") + 50);
        assertThat(value(slave, "tantalum_replicator_applied_seqno", "")).isEqualTo(seqno);
        assertThat(value(master, "tantalum_replicator_transactions_extracted_total", "")
                - value(master0, "tantalum_replicator_transactions_extracted_total", "")).isGreaterThanOrEqualTo(52);
        assertThat(value(master, "tantalum_replicator_rows_extracted_total", "")
                - value(master0, "tantalum_replicator_rows_extracted_total", "")).isGreaterThanOrEqualTo(100);
        assertThat(value(slave, "tantalum_replicator_transactions_applied_total", "")
                - value(slave0, "tantalum_replicator_transactions_applied_total", "")).isGreaterThanOrEqualTo(52);
        assertThat(value(slave, "tantalum_replicator_rows_applied_total", "")
                - value(slave0, "tantalum_replicator_rows_applied_total", "")).isGreaterThanOrEqualTo(100);
        assertThat(value(master, "tantalum_replicator_connected_slaves", "")).isEqualTo(2);
        assertThat(value(slave, "tantalum_thl_fsync_seconds_count", "")).isGreaterThan(
                value(slave0, "tantalum_thl_fsync_seconds_count", ""));
        // every transaction timed through each stage; what a transaction of this idle sandbox took, bounded
        assertThat(value(master, "tantalum_replicator_stage_seconds_count", "stage=\"store\"")
                - value(master0, "tantalum_replicator_stage_seconds_count", "stage=\"store\"")).isGreaterThanOrEqualTo(52);
        for (String stage : List.of("ship", "store", "wait", "apply", "commit")) {
            String label = "stage=\"" + stage + "\"";
            double count = value(slave, "tantalum_replicator_stage_seconds_count", label)
                    - value(slave0, "tantalum_replicator_stage_seconds_count", label);
            assertThat(count).as(stage).isGreaterThanOrEqualTo(52);
            assertThat((value(slave, "tantalum_replicator_stage_seconds_sum", label)
                    - value(slave0, "tantalum_replicator_stage_seconds_sum", label)) / count).as(stage + " mean, s")
                    .isBetween(0.0, 1.0);
        }
        assertThat(value(slave, "tantalum_thl_size_bytes", "")).isGreaterThan(1000);
        assertThat(value(slave, "tantalum_thl_files", "")).isGreaterThanOrEqualTo(1);
        assertThat(value(slave, "process_resident_memory_bytes", "")).isBetween(10e6, 512e6);
        assertThat(master.keySet()).allMatch(k -> !k.startsWith("tantalum_") || k.contains("service=\"alpha\"")
                && k.contains("host=\"host1\""));
    }

    @Test
    @Order(2)
    void healthChecksAnswerForMasterSlaveLaggingSlaveAndOfflineOrStoppedReplicator() throws Exception {
        assertThat(health(1, "/health/master").statusCode()).isEqualTo(200);
        assertThat(health(1, "/health/slave").statusCode()).isEqualTo(503);
        assertThat(health(1, "/health/slave").body()).contains("this host is a master, not a slave");
        assertThat(health(2, "/health/slave?lag=5").statusCode()).isEqualTo(200);
        assertThat(health(2, "/health/master").statusCode()).isEqualTo(503);

        // a slave whose applier waits on a row lock: it lags more every second, yet stays ONLINE
        try (Connection lock = sb.admin(2)) {
            lock.setAutoCommit(false);
            Sql.query(lock, "SELECT * FROM metrics.t WHERE id = 1 FOR UPDATE");
            try (Connection c = sb.app(1)) {
                Sql.exec(c, "UPDATE metrics.t SET v = v + 1 WHERE id = 1");
            }
            Await.until("host2 to lag over a second", Duration.ofSeconds(30),
                    () -> health(2, "/health/slave?lag=1").statusCode() == 503, sb::describe);
            HttpResponse<String> lagging = health(2, "/health/slave?lag=1");
            assertThat(lagging.body()).contains("\"state\" : \"ONLINE\"", "lagging: ", "1 transaction(s) not applied");
            assertThat(health(2, "/health/slave").statusCode()).as("no lag limit asked").isEqualTo(200);
            assertThat(value(scrape(2), "tantalum_replicator_behind_seqnos", "")).isEqualTo(1);
            lock.rollback();
        }
        Await.until("host2 to catch up", Duration.ofSeconds(30),
                () -> health(2, "/health/slave?lag=1").statusCode() == 200, sb::describe);

        sb.trepctl("-host", "host3", "offline").ok();
        sb.awaitState(3, "OFFLINE:NORMAL");
        assertThat(health(3, "/health/slave").statusCode()).isEqualTo(503);
        assertThat(health(3, "/health/slave").body()).contains("the replicator is OFFLINE:NORMAL, not ONLINE");
        assertThat(health(3, "/health").statusCode()).isEqualTo(503);
        Map<String, Double> offline = scrape(3);
        assertThat(value(offline, "tantalum_replicator_state", "state=\"OFFLINE:NORMAL\"")).isEqualTo(1);
        assertThat(value(offline, "tantalum_replicator_state", "state=\"ONLINE\"")).isEqualTo(0);

        sb.sandbox().stopReplicator(sb.host(3));
        assertThatThrownBy(() -> health(3, "/health/slave")).as("a stopped replicator answers nothing")
                .hasCauseInstanceOf(java.net.ConnectException.class);
        sb.sandbox().startReplicator(sb.host(3));
        sb.awaitState(3, "ONLINE");
        assertThat(health(3, "/health/slave?lag=5").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(3)
    void metricsNeedTheTokenAndHealthChecksDoNot() throws Exception {
        HttpResponse<String> noToken = Scrapes.HTTP.send(HttpRequest.newBuilder(uri(2, "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.body()).doesNotContain("tantalum_");
        assertThat(health(2, "/health/slave").body()).doesNotContain(sb.replicatorToken());
    }

    @Test
    @Order(4)
    void trepctlStatusRefreshesEverySecondsCountTimes() {
        long start = System.nanoTime();
        SandboxFixture.CliResult r = sb.trepctl("-host", "host2", "status", "-r", "1", "-c", "3").ok();
        assertThat(r.stdout().split("Processing status command\\.\\.\\.", -1)).hasSize(4);
        assertThat(r.stdout().split("appliedLastSeqno", -1)).hasSize(4);
        assertThat((System.nanoTime() - start) / 1_000_000).as("two pauses of a second").isGreaterThanOrEqualTo(2000);
        SandboxFixture.CliResult json = sb.trepctl("-host", "host2", "status", "-json", "-r", "1", "-c", "2").ok();
        assertThat(json.stdout().split("\"appliedLastSeqno\"", -1)).hasSize(3);
        assertThat(sb.trepctl("-host", "host2", "status", "-r", "-1").exitCode()).isNotZero();
    }

    private static Map<String, Double> scrape(int k) throws Exception {
        return Scrapes.scrape(uri(k, "/metrics"), sb.replicatorToken());
    }

    private static double value(Map<String, Double> samples, String name, String label) {
        return Scrapes.value(samples, name, label);
    }

    private static HttpResponse<String> health(int k, String path) {
        try {
            return Scrapes.HTTP.send(HttpRequest.newBuilder(uri(k, path)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static URI uri(int k, String path) {
        return URI.create("http://" + sb.host(k).address() + ":" + sb.host(k).adminPort() + path);
    }
}
