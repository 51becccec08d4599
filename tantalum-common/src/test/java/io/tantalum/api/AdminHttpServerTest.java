package io.tantalum.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The router and the client together, in process on loopback: what every daemon's admin API relies on. */
class AdminHttpServerTest {
    private static final String TOKEN = Secrets.generate();
    private final AtomicInteger offlines = new AtomicInteger();
    private AdminHttpServer server;

    @BeforeEach
    void start() {
        server = new AdminHttpServer(new AdminHttpServer.Options("test", "127.0.0.1", 0, TOKEN, null))
                .on(ReplicatorApi.OFFLINE, q -> {
                    offlines.incrementAndGet();
                    return new ReplicatorApi.StateReply(q.immediate() ? "OFFLINE:NORMAL" : "GOING-OFFLINE");
                })
                .onPublic(ReplicatorApi.HEALTH, q -> new AdminHttpServer.Response<>(503,
                        new ReplicatorApi.StateReply("OFFLINE:ERROR")))
                .onView(ReplicatorApi.SERVICES, q -> new ReplicatorApi.ServicesReply(List.of()))
                .on(ReplicatorApi.BINLOG_ONLY, q -> new ReplicatorApi.BinlogOnlyReply(null, -1, List.of(), "data"))
                .onMetrics(() -> "tantalum_up 1\n")
                .start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private AdminClient client(String token) {
        return new AdminClient("test", "127.0.0.1", server.port(), new AdminClient.Credentials(token, "here", null));
    }

    private HttpResponse<String> raw(String method, String path, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void repliesAreSentWithoutNaglesDelay() {
        // without TCP_NODELAY every call waited about 40 ms for the client's delayed ACK
        assertThat(System.getProperty("sun.net.httpserver.nodelay")).isEqualTo("true");
    }

    @Test
    void aTypedCallGoesThroughWithTheToken() {
        assertThat(client(TOKEN).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(true)).state())
                .isEqualTo("OFFLINE:NORMAL");
        assertThat(offlines).hasValue(1);
    }

    @Test
    void everyActionIsLoggedWithWhoAskedAndWhatItGot() {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(AdminHttpServer.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
                new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        log.addAppender(seen);
        try {
            client(TOKEN).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(true));
            client(TOKEN).call(ReplicatorApi.SERVICES);
            assertThatThrownBy(() -> client("wrong").call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(true)))
                    .isInstanceOf(TantalumException.class);
        } finally {
            log.detachAppender(seen);
        }
        List<String> lines = seen.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("admin request")).toList();
        // the read is not logged; the refused action is, by the refusal's own line
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).matches("admin request POST /api/v1/offline from /127\\.0\\.0\\.1:\\d+: 200 in \\d+ ms");
        assertThat(seen.list).anyMatch(e -> e.getFormattedMessage().startsWith("refused admin request POST /api/v1/offline"));
    }

    @Test
    void withoutTheRightTokenNothingHappens() {
        for (String token : new String[] {null, "", "x" + TOKEN}) {
            assertThatThrownBy(() -> client(token).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(true)))
                    .isInstanceOfSatisfying(TantalumException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                    .hasMessageContaining("test refused the request").hasMessageNotContaining(TOKEN);
        }
        assertThat(offlines).hasValue(0);
    }

    @Test
    void wrongMethodsAndBadBodiesAreRefusedBeforeTheHandler() throws Exception {
        HttpResponse<String> get = raw("GET", "/api/v1/offline", null);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("Allow")).hasValue("POST");
        assertThat(raw("POST", "/api/v1/offline", "null").statusCode()).isEqualTo(400);
        assertThat(raw("POST", "/api/v1/offline", "{\"immediately\":true}").body()).contains("bad request",
                "immediately");
        assertThat(raw("POST", "/api/v1/nothing", "{}").statusCode()).isEqualTo(404);
        assertThat(offlines).hasValue(0);
    }

    @Test
    void theViewerTokenReadsStatesAndFiguresButNeitherActsNorReadsData() throws Exception {
        String viewer = Secrets.viewerToken(TOKEN);
        assertThat(viewer).startsWith("viewer-").doesNotContain(TOKEN).isEqualTo(Secrets.viewerToken(TOKEN))
                .isNotEqualTo(Secrets.viewerToken(Secrets.generate()));
        assertThat(client(viewer).call(ReplicatorApi.SERVICES).services()).isEmpty();
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + server.port() + "/metrics")).header("Authorization", "Bearer " + viewer).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).isEqualTo("tantalum_up 1\n");
        assertThatThrownBy(() -> client(viewer).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(true)))
                .isInstanceOfSatisfying(TantalumException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                .hasMessageContaining("the viewer token only reads states and figures; POST /api/v1/offline needs"
                        + " the admin token");
        assertThatThrownBy(() -> client(viewer).call(ReplicatorApi.BINLOG_ONLY, new ReplicatorApi.BinlogOnlyRequest(true)))
                .isInstanceOfSatisfying(TantalumException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED));
        assertThat(offlines).hasValue(0);
        assertThat(client(TOKEN).call(ReplicatorApi.BINLOG_ONLY, new ReplicatorApi.BinlogOnlyRequest(true)).sql())
                .isEqualTo("data");
    }

    @Test
    void aPublicEndpointAnswersItsOwnStatusWithoutAToken() {
        assertThat(client(null).call(ReplicatorApi.HEALTH).state()).isEqualTo("OFFLINE:ERROR");
    }
}
