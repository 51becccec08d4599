package io.tantalum.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a daemon's admin API: routes {@link Endpoint}s to handlers, refuses a request
 * without the right bearer token before anything else (401; the viewer token asking for more than
 * a view: 403), answers a known path asked with the wrong method with 405, decodes requests into
 * their records and encodes replies as JSON.
 * Errors are {@code {"error": message, "code": ErrorCode}}. HTTPS when given an SSL context.
 *
 * <p>Built on the JDK's own server: the routing, authentication and JSON are ours either way
 * (about 200 lines), and a library (Javalin, Jetty, Undertow) would add megabytes of jars and
 * start-up time to every daemon and CLI for no feature we use; see docs/architecture.md.
 */
public final class AdminHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final int MAX_BODY_BYTES = 1 << 20;

    /** Where to listen, what to call the threads, the token to require, and TLS (null: plain HTTP). */
    public record Options(String name, String bindAddress, int port, String token, SSLContext tls) {
        @Override
        public String toString() {
            return "Options[name=" + name + ", bind=" + bindAddress + ":" + port + ", tls=" + (tls != null) + "]";
        }
    }

    /** A reply with its own HTTP status, for public endpoints such as {@code /health}. */
    public record Response<R>(int status, R body) {}

    /** Who may call: anyone, the admin token or the viewer token, or the admin token only. */
    private enum Access { OPEN, VIEW, ADMIN }

    private record Route(Access access, Function<Object, Response<?>> handler, Class<?> request) {}

    /** A GET answered with text rather than JSON, to callers with the token. */
    private record TextRoute(String contentType, java.util.function.Supplier<String> body) {}

    private final Options options;
    private final String viewerToken;
    private final HttpServer http;
    private final ExecutorService executor;
    private final Map<String, Map<Endpoint.Method, Route>> routes = new ConcurrentHashMap<>();
    private final Map<String, TextRoute> textRoutes = new ConcurrentHashMap<>();
    private volatile String staticPrefix;
    private volatile String staticResources;

    static {
        // The JDK server writes a reply's headers and body separately; with Nagle's algorithm on, the body
        // waits for the client's delayed ACK: every call took about 50 ms instead of 2. Read once, when
        // the JDK's server classes are first used.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    public AdminHttpServer(Options options) {
        this.options = options;
        if (options.token() == null || options.token().isBlank()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, options.name() + ": no admin token is configured;"
                    + " the admin API refuses to start without one. Reinstall with `tpm install`, which generates it.");
        }
        viewerToken = Secrets.viewerToken(options.token());
        try {
            InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(options.bindAddress()), options.port());
            if (options.tls() != null) {
                HttpsServer https = HttpsServer.create(at, 16);
                https.setHttpsConfigurator(new HttpsConfigurator(options.tls()));
                http = https;
            } else {
                http = HttpServer.create(at, 16);
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot listen for admin requests on "
                    + options.bindAddress() + ":" + options.port() + ": " + e.getMessage() + ". Another process holds"
                    + " the admin port: stop it or change the admin port.", e);
        }
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "tantalum-" + options.name() + "-admin");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        http.createContext("/", this::dispatch);
    }

    /** Serves {@code endpoint} to callers with the admin token; the handler's reply is sent with 200. */
    @SuppressWarnings("unchecked")
    public <Q, R> AdminHttpServer on(Endpoint<Q, R> endpoint, Function<Q, R> handler) {
        return add(endpoint, Access.ADMIN, q -> new Response<>(200, handler.apply((Q) q)));
    }

    /**
     * Serves the read {@code endpoint} to callers with the admin token or the read-only viewer token
     * ({@link Secrets#viewerToken}): only for states and figures, never the application's data.
     */
    @SuppressWarnings("unchecked")
    public <Q, R> AdminHttpServer onView(Endpoint<Q, R> endpoint, Function<Q, R> handler) {
        if (endpoint.method() != Endpoint.Method.GET) {
            throw new IllegalArgumentException(endpoint.path() + ": the viewer token only reads (GET)");
        }
        return add(endpoint, Access.VIEW, q -> new Response<>(200, handler.apply((Q) q)));
    }

    /** Serves {@code endpoint} to anyone, without a token: only for replies that hold no secret. */
    @SuppressWarnings("unchecked")
    public <Q, R> AdminHttpServer onPublic(Endpoint<Q, R> endpoint, Function<Q, Response<R>> handler) {
        return add(endpoint, Access.OPEN, q -> handler.apply((Q) q));
    }

    /**
     * Serves {@code GET path} to callers with the admin or the viewer token, as text of
     * {@code contentType} (Prometheus' /metrics).
     */
    public AdminHttpServer onText(String path, String contentType, java.util.function.Supplier<String> body) {
        textRoutes.put(path, new TextRoute(contentType, body));
        return this;
    }

    /**
     * Serves the files of classpath directory {@code resources} under {@code prefix} (e.g. {@code /ui/},
     * {@code index.html} for the directory itself) to anyone, and redirects {@code /} there: static
     * pages hold no secret; what they show comes from the API, with a token.
     */
    public AdminHttpServer onStatic(String prefix, String resources) {
        staticPrefix = prefix;
        staticResources = resources;
        return this;
    }

    private static final Map<String, String> CONTENT_TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "png",
            "image/png");

    private boolean staticFile(HttpExchange ex, String path) throws IOException {
        String prefix = staticPrefix;
        if (prefix == null || !ex.getRequestMethod().equals("GET")) {
            return false;
        }
        if (path.equals("/") || path.equals(prefix.substring(0, prefix.length() - 1))) {
            ex.getResponseHeaders().set("Location", prefix);
            ex.sendResponseHeaders(302, -1);
            return true;
        }
        if (!path.startsWith(prefix)) {
            return false;
        }
        String name = path.substring(prefix.length());
        name = name.isEmpty() ? "index.html" : name;
        String ext = name.substring(name.lastIndexOf('.') + 1);
        byte[] body = null;
        if (name.matches("[a-z0-9_-]+\\.[a-z]+") && CONTENT_TYPES.containsKey(ext)) {
            try (InputStream in = AdminHttpServer.class.getClassLoader().getResourceAsStream(staticResources + name)) {
                body = in == null ? null : in.readAllBytes();
            }
        }
        if (body == null) {
            error(ex, 404, ErrorCode.INVALID_ARGUMENT, "no such page: " + path);
            return true;
        }
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPES.get(ext));
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
        return true;
    }

    /** Serves a daemon's meters on {@code GET /metrics}, in Prometheus' text format, to callers with the token. */
    public AdminHttpServer onMetrics(java.util.function.Supplier<String> scrape) {
        return onText("/metrics", "text/plain; version=0.0.4; charset=utf-8", scrape);
    }

    private AdminHttpServer add(Endpoint<?, ?> e, Access access, Function<Object, Response<?>> handler) {
        routes.computeIfAbsent(e.path(), p -> new ConcurrentHashMap<>())
                .put(e.method(), new Route(access, handler, e.request()));
        return this;
    }

    /** The port it listens on (the one the system chose, when started with port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    public AdminHttpServer start() {
        http.start();
        LOG.info("admin API listening on {}://{}:{}", options.tls() != null ? "https" : "http", options.bindAddress(),
                options.port());
        return this;
    }

    private void dispatch(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (staticFile(ex, path)) {
                return;
            }
            TextRoute text = textRoutes.get(path);
            if (text != null) {
                text(ex, text);
                return;
            }
            Map<Endpoint.Method, Route> byMethod = routes.get(path);
            Endpoint.Method method = method(ex.getRequestMethod());
            Route route = byMethod == null || method == null ? null : byMethod.get(method);
            Access access = route != null ? route.access() : byMethod != null && byMethod.values().stream()
                    .allMatch(r -> r.access() == Access.OPEN) ? Access.OPEN : Access.ADMIN;
            if (access != Access.OPEN && !mayAsk(ex, access == Access.VIEW)) {
                return;
            }
            if (byMethod == null) {
                error(ex, 404, ErrorCode.INVALID_ARGUMENT, "no such endpoint: " + path);
                return;
            }
            if (route == null) {
                ex.getResponseHeaders().set("Allow", String.join(", ", byMethod.keySet().stream().map(Enum::name)
                        .sorted().toList()));
                error(ex, 405, ErrorCode.INVALID_ARGUMENT, ex.getRequestMethod() + " is not allowed on " + path
                        + "; use " + String.join(" or ", byMethod.keySet().stream().map(Enum::name).toList()));
                return;
            }
            handle(ex, route, method);
        }
    }

    private void text(HttpExchange ex, TextRoute route) throws IOException {
        if (!mayAsk(ex, true)) {
            return;
        } else if (!ex.getRequestMethod().equals("GET")) {
            ex.getResponseHeaders().set("Allow", "GET");
            error(ex, 405, ErrorCode.INVALID_ARGUMENT, ex.getRequestMethod() + " is not allowed on "
                    + ex.getRequestURI().getPath() + "; use GET");
        } else {
            byte[] bytes = route.body().get().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", route.contentType());
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private void refuse(HttpExchange ex) throws IOException {
        LOG.warn("refused admin request {} {} from {}: missing or wrong token", ex.getRequestMethod(),
                ex.getRequestURI().getPath(), ex.getRemoteAddress());
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tantalum\"");
        error(ex, 401, ErrorCode.UNAUTHENTICATED, "missing or wrong admin token (Authorization: Bearer ...)");
    }

    /**
     * Answers a request; an action (POST) is logged once answered, with its caller's address, status and
     * time, so that a state change ({@code offline}, {@code setrole}, a switch) can always be traced to
     * who asked for it. Reads are not logged (monitoring polls them).
     */
    private void handle(HttpExchange ex, Route route, Endpoint.Method method) throws IOException {
        long t0 = System.nanoTime();
        try {
            answer(ex, route, method);
        } finally {
            if (method == Endpoint.Method.POST) {
                LOG.info("admin request {} {} from {}: {} in {} ms", method, ex.getRequestURI().getPath(),
                        ex.getRemoteAddress(), ex.getResponseCode(), (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }

    private void answer(HttpExchange ex, Route route, Endpoint.Method method) throws IOException {
        try {
            Object request = method == Endpoint.Method.GET ? JSON.convertValue(query(ex), route.request())
                    : JSON.readValue(body(ex), route.request());
            if (request == null) {
                throw new IllegalArgumentException("the body must be a JSON object, not null");
            }
            Response<?> r = route.handler().apply(request);
            write(ex, r.status(), r.body());
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JacksonException e) {
            error(ex, 400, ErrorCode.INVALID_ARGUMENT, "bad request: " + firstLine(e.getMessage()));
        } catch (TantalumException e) {
            error(ex, status(e.code()), e.code(), String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("admin request {} failed", ex.getRequestURI().getPath(), e);
            error(ex, 500, ErrorCode.INTERNAL, "internal error (" + e.getClass().getSimpleName() + "): see the"
                    + " daemon's log");
        }
    }

    private static Endpoint.Method method(String m) {
        try {
            return Endpoint.Method.valueOf(m);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * True when the caller may make this request: the admin token may do anything, the viewer token
     * ({@link Secrets#viewerToken}) only what is {@code viewable}; else it answers 401 or 403.
     */
    private boolean mayAsk(HttpExchange ex, boolean viewable) throws IOException {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String presented = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
        if (Secrets.matches(presented, options.token())) {
            return true;
        }
        if (!Secrets.matches(presented, viewerToken)) {
            refuse(ex);
            return false;
        }
        if (viewable) {
            return true;
        }
        LOG.warn("refused admin request {} {} from {}: the viewer token only reads states and figures",
                ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRemoteAddress());
        error(ex, 403, ErrorCode.PERMISSION_DENIED, "the viewer token only reads states and figures; "
                + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " needs the admin token");
        return false;
    }

    private static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_ARGUMENT -> 400;
            case UNAUTHENTICATED -> 401;
            case PERMISSION_DENIED -> 403;
            case FAILED_PRECONDITION -> 409;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            default -> 500;
        };
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static byte[] body(HttpExchange ex) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(MAX_BODY_BYTES + 1);
            if (b.length > MAX_BODY_BYTES) {
                throw new IllegalArgumentException("request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            return b.length == 0 ? "{}".getBytes(StandardCharsets.UTF_8) : b;
        }
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> m = new LinkedHashMap<>();
        String q = ex.getRequestURI().getRawQuery();
        if (q != null && !q.isEmpty()) {
            for (String kv : q.split("&")) {
                String[] p = kv.split("=", 2);
                m.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        return m;
    }

    private static void error(HttpExchange ex, int status, ErrorCode code, String message) throws IOException {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("code", code.name());
        write(ex, status, body);
    }

    private static void write(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
