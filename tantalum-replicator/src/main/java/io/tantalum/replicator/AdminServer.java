package io.tantalum.replicator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The replicator's admin HTTP/JSON API, used by {@code trepctl}:
 * <pre>
 *   GET  /api/v1/services                    the services of this replicator
 *   GET  /api/v1/status                      status fields (Tungsten names)
 *   GET  /api/v1/status?name=tasks|stages|stores   a status section
 *   POST /api/v1/online[?skipSeqno=N,M&force=true&untilSeqno=&untilEvent=&untilHeartbeat=&untilTime=millis]
 *   POST /api/v1/offline[?immediate=true]    go offline
 *   POST /api/v1/offline-deferred?atSeqno=|atEvent=|atHeartbeat=|atTime=millis
 *   POST /api/v1/setrole?role=master|slave[&uri=thl://host:port/]
 *   POST /api/v1/flush[?timeoutMillis=N]     heartbeat through the master's DB, wait until stored: {seqno}
 *   POST /api/v1/heartbeat[?name=X]          the same with a name
 *   POST /api/v1/reset?thl=true&db=true      delete THL files / catalog (offline only)
 *   POST /api/v1/purge                       end client sessions on a master: {killed}
 *   GET  /health                             200 when ONLINE, 503 otherwise
 * </pre>
 * Errors are {@code {"error": message, "code": ErrorCode}} with a 4xx/5xx status.
 */
public final class AdminServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer http;
    private final Replicator replicator;

    public AdminServer(Replicator replicator, String bindAddress, int port) {
        this.replicator = replicator;
        try {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bindAddress), port), 16);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot listen for admin requests on " + bindAddress + ":"
                    + port + ": " + e.getMessage() + ". Another process holds the admin port: stop it or change"
                    + " replicator.admin.port.", e);
        }
        http.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "tantalum-" + replicator.settings().service() + "-admin");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/api/v1/services", ex -> respond(ex, () -> services()));
        http.createContext("/api/v1/status", ex -> respond(ex, () -> {
            String name = query(ex).get("name");
            return name == null ? replicator.status() : replicator.statusSection(name);
        }));
        http.createContext("/api/v1/online", ex -> respond(ex, () -> online(query(ex))));
        http.createContext("/api/v1/offline", ex -> respond(ex, () -> offline(query(ex))));
        http.createContext("/api/v1/offline-deferred", ex -> respond(ex, () -> {
            OfflineTrigger t = trigger(query(ex), "at");
            if (t.isEmpty()) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "offline-deferred needs -at-seqno, -at-event,"
                        + " -at-heartbeat or -at-time");
            }
            replicator.offlineDeferred(t);
            return Map.of("state", replicator.state().display(), "offlineRequests", t.describe());
        }));
        http.createContext("/api/v1/setrole", ex -> respond(ex, () -> setRole(query(ex))));
        http.createContext("/api/v1/flush", ex -> respond(ex, () -> Map.of("seqno",
                replicator.heartbeat("flush", longParam(query(ex), "timeoutMillis", 60_000)))));
        http.createContext("/api/v1/heartbeat", ex -> respond(ex, () -> Map.of("seqno",
                replicator.heartbeat(query(ex).getOrDefault("name", "heartbeat"), 60_000))));
        http.createContext("/api/v1/reset", ex -> respond(ex, () -> {
            Map<String, String> q = query(ex);
            boolean thl = Boolean.parseBoolean(q.get("thl"));
            boolean db = Boolean.parseBoolean(q.get("db"));
            if (!thl && !db) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "reset needs -all, -thl or -db");
            }
            return result(await(replicator.submit(new ReplicatorEvent.Reset(thl, db))));
        }));
        http.createContext("/api/v1/purge", ex -> respond(ex, () -> Map.of("killed", replicator.purge())));
        http.createContext("/health", this::health);
        http.start();
    }

    private Object services() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("name", replicator.settings().service());
        s.put("state", replicator.state().display());
        s.put("role", replicator.settings().role().display());
        return Map.of("services", List.of(s));
    }

    private Object online(Map<String, String> q) {
        Set<Long> skip = new TreeSet<>();
        String s = q.getOrDefault("skipSeqno", "");
        for (String part : s.split(",")) {
            if (!part.isBlank()) {
                try {
                    skip.add(Long.parseLong(part.trim()));
                } catch (NumberFormatException e) {
                    throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "-skip-seqno '" + part + "' is not a seqno");
                }
            }
        }
        OfflineTrigger until = trigger(q, "until");
        return result(await(replicator.submit(new ReplicatorEvent.GoOnline(skip,
                Boolean.parseBoolean(q.getOrDefault("force", "false")), until.isEmpty() ? null : until))));
    }

    private static OfflineTrigger trigger(Map<String, String> q, String prefix) {
        Long seqno = q.containsKey(prefix + "Seqno") ? longParam(q, prefix + "Seqno", 0) : null;
        Long time = q.containsKey(prefix + "Time") ? longParam(q, prefix + "Time", 0) : null;
        return new OfflineTrigger(seqno, q.get(prefix + "Event"), time, q.get(prefix + "Heartbeat"));
    }

    private static long longParam(Map<String, String> q, String name, long dflt) {
        String v = q.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, name + " '" + v + "' is not a number");
        }
    }

    private Object setRole(Map<String, String> q) {
        ReplicatorSettings.Role role;
        java.net.URI uri;
        try {
            role = ReplicatorSettings.Role.parse(q.getOrDefault("role", ""));
            uri = q.get("uri") == null ? null : ReplicatorSettings.thlUri(q.get("uri"));
        } catch (RuntimeException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
        }
        ReplicatorState s = await(replicator.submit(new ReplicatorEvent.SetRole(role, uri)));
        return Map.of("state", s.display(), "role", replicator.role().display());
    }

    private Object offline(Map<String, String> q) {
        boolean immediate = Boolean.parseBoolean(q.getOrDefault("immediate", "false"));
        return result(await(replicator.submit(new ReplicatorEvent.GoOffline(immediate))));
    }

    private static Map<String, Object> result(ReplicatorState s) {
        return Map.of("state", s.display());
    }

    private static ReplicatorState await(java.util.concurrent.CompletableFuture<ReplicatorState> f) {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new CompletionException(c);
        } catch (TimeoutException e) {
            throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "The replicator did not finish the command within"
                    + " 120s; it is still working on it. Check `trepctl status`.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        }
    }

    private void health(HttpExchange ex) throws IOException {
        boolean ok = replicator.state() == ReplicatorState.ONLINE;
        write(ex, ok ? 200 : 503, Map.of("state", replicator.state().display()));
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> m = new HashMap<>();
        String q = ex.getRequestURI().getRawQuery();
        if (q != null) {
            for (String kv : q.split("&")) {
                String[] p = kv.split("=", 2);
                m.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
            }
        }
        return m;
    }

    private interface Body {
        Object get();
    }

    private static void respond(HttpExchange ex, Body body) throws IOException {
        try {
            write(ex, 200, body.get());
        } catch (TantalumException e) {
            int status = switch (e.code()) {
                case INVALID_ARGUMENT -> 400;
                case FAILED_PRECONDITION -> 409;
                case UNAVAILABLE -> 503;
                case DEADLINE_EXCEEDED -> 504;
                default -> 500;
            };
            write(ex, status, Map.of("error", String.valueOf(e.getMessage()), "code", e.code().name()));
        } catch (RuntimeException e) {
            write(ex, 500, Map.of("error", String.valueOf(e), "code", ErrorCode.INTERNAL.name()));
        }
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
    }
}
