package io.tantalum.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.SSLContext;

/**
 * A client of one daemon's admin API: sends typed requests to {@link Endpoint}s with the bearer
 * token, decodes typed replies, and turns error replies into {@link TantalumException}s with
 * the daemon's message. Thread-safe.
 */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * What the client presents: the admin token (null: none found), where it came from (for error
     * messages; never the token itself), and TLS (null: plain HTTP).
     */
    public record Credentials(String token, String source, SSLContext tls) {
        public static final Credentials NONE = new Credentials(null, "nowhere", null);

        @Override
        public String toString() {
            return "Credentials[source=" + source + ", tls=" + (tls != null) + "]";
        }
    }

    private final HttpClient http;
    private final String label;
    private final URI base;
    private final Credentials credentials;
    private final int retries;

    /** A client that retries a call up to {@code retries} times, a second apart, while the daemon is unreachable. */
    public AdminClient(String label, String address, int port, Credentials credentials, int retries) {
        this.label = label;
        this.credentials = credentials;
        this.retries = retries;
        this.base = URI.create((credentials.tls() != null ? "https" : "http") + "://" + address + ":" + port);
        // HTTP/1.1: the admin servers speak nothing else, and an HTTP/2 upgrade offer costs every new connection
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(3));
        if (credentials.tls() != null) {
            b.sslContext(credentials.tls());
        }
        this.http = b.build();
    }

    public AdminClient(String label, String address, int port, Credentials credentials) {
        this(label, address, port, credentials, 0);
    }

    public String label() {
        return label;
    }

    public <R> R call(Endpoint<Endpoint.None, R> endpoint) {
        return call(endpoint, Endpoint.None.INSTANCE);
    }

    /** Sends {@code request}; a read times out after 10 s, an action (which may wait for the pipeline) after 130 s. */
    public <Q, R> R call(Endpoint<Q, R> endpoint, Q request) {
        HttpRequest.Builder b;
        if (endpoint.method() == Endpoint.Method.GET) {
            b = HttpRequest.newBuilder(base.resolve(endpoint.path() + query(request))).GET()
                    .timeout(Duration.ofSeconds(10));
        } else {
            byte[] body;
            try {
                body = JSON.writeValueAsBytes(request);
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.INTERNAL, "Cannot encode " + request + ": " + e, e);
            }
            b = HttpRequest.newBuilder(base.resolve(endpoint.path())).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(130));
        }
        if (credentials.token() != null) {
            b.header("Authorization", "Bearer " + credentials.token());
        }
        HttpResponse<String> r = send(b.build());
        try {
            return JSON.readValue(r.body(), endpoint.reply());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INTERNAL, label + " sent a reply to " + endpoint.path()
                    + " that Tantalum cannot read (HTTP " + r.statusCode() + "): " + e.getMessage(), e);
        }
    }

    private static String query(Object request) {
        Map<String, Object> fields = JSON.convertValue(request, new TypeReference<LinkedHashMap<String, Object>>() {});
        StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
        fields.forEach((k, v) -> {
            if (v != null) {
                q.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(String.valueOf(v), StandardCharsets.UTF_8));
            }
        });
        return q.toString();
    }

    private HttpResponse<String> send(HttpRequest request) {
        for (int attempt = 0; ; attempt++) {
            try {
                return sendOnce(request);
            } catch (TantalumException e) {
                if (e.code() != ErrorCode.UNAVAILABLE || attempt >= retries) {
                    throw e;
                }
                Threads.sleep(1000);
            }
        }
    }

    private HttpResponse<String> sendOnce(HttpRequest request) {
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot reach " + label + " at " + base.getHost() + ":"
                    + base.getPort() + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? ""
                    : ": " + e.getMessage()) + "). Is it running? Check with `tpm status` or start it.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        }
        if (r.statusCode() < 400) {
            return r;
        }
        Map<String, Object> body;
        try {
            body = JSON.readValue(r.body(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INTERNAL, label + " answered HTTP " + r.statusCode()
                    + " with a body that is not JSON: " + r.body(), e);
        }
        if (!body.containsKey("error")) {
            return r; // not an error reply: an endpoint that answers with its own status, such as /health's 503
        }
        ErrorCode code;
        try {
            code = ErrorCode.valueOf(String.valueOf(body.get("code")));
        } catch (IllegalArgumentException e) {
            code = ErrorCode.INTERNAL;
        }
        if (r.statusCode() == 401) {
            throw new TantalumException(code, label + " refused the request: " + (credentials.token() == null
                    ? "no admin token was found (looked in " + credentials.source() + ")"
                    : "the admin token from " + credentials.source() + " is not this daemon's") + ". Run the command"
                    + " on a host of the dataservice, whose installation holds the token (docs/security.md).");
        }
        throw new TantalumException(code, label + ": " + body.get("error"));
    }
}
