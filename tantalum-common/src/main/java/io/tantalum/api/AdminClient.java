package io.tantalum.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import javax.net.ssl.HttpsURLConnection;
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

    static {
        // HttpURLConnection sends a POST again, unasked, when a kept-alive connection turns out closed: an
        // action (switch, offline) must run at most once. Read once, when its classes are first used.
        if (System.getProperty("sun.net.http.retryPost") == null) {
            System.setProperty("sun.net.http.retryPost", "false");
        }
    }

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
    }

    public AdminClient(String label, String address, int port, Credentials credentials) {
        this(label, address, port, credentials, 0);
    }

    public String label() {
        return label;
    }

    /** Sets up the JSON decoding of {@code replyType} ahead of a first call (a command's warm-up thread). */
    public static void warmUp(Class<?> replyType) {
        JSON.readerFor(replyType);
    }

    public <R> R call(Endpoint<Endpoint.None, R> endpoint) {
        return call(endpoint, Endpoint.None.INSTANCE);
    }

    /** Sends {@code request}; a read times out after 10 s, an action (which may wait for the pipeline) after 130 s. */
    public <Q, R> R call(Endpoint<Q, R> endpoint, Q request) {
        Exchange x;
        if (endpoint.method() == Endpoint.Method.GET) {
            x = new Exchange("GET", endpoint.path() + query(request), null, 10_000);
        } else {
            try {
                x = new Exchange("POST", endpoint.path(), JSON.writeValueAsBytes(request), 130_000);
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.INTERNAL, "Cannot encode " + request + ": " + e, e);
            }
        }
        Reply r = send(x);
        try {
            return JSON.readValue(r.body(), endpoint.reply());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INTERNAL, label + " sent a reply to " + endpoint.path()
                    + " that Tantalum cannot read (HTTP " + r.status() + "): " + e.getMessage(), e);
        }
    }

    /** What is sent: method, path with its query, the JSON body of a POST, and how long to wait for the reply. */
    private record Exchange(String method, String path, byte[] body, int readTimeoutMillis) {}

    private record Reply(int status, String body) {}

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

    private Reply send(Exchange x) {
        for (int attempt = 0; ; attempt++) {
            try {
                return sendOnce(x);
            } catch (TantalumException e) {
                if (e.code() != ErrorCode.UNAVAILABLE || attempt >= retries) {
                    throw e;
                }
                Threads.sleep(1000);
            }
        }
    }

    /**
     * One HTTP exchange over {@link HttpURLConnection}, which reuses idle connections like the JDK's
     * newer client but starts no selector thread: that thread, blocked in native code, held every
     * CLI's exit for 300 ms (the JVM waits that long for threads in native code), and its client
     * set up TLS even for plain HTTP (another 250 ms).
     */
    private Reply sendOnce(Exchange x) {
        Reply r;
        try {
            HttpURLConnection c = (HttpURLConnection) base.resolve(x.path()).toURL().openConnection(Proxy.NO_PROXY);
            if (c instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(credentials.tls().getSocketFactory());
            }
            c.setRequestMethod(x.method());
            c.setConnectTimeout(3000);
            c.setReadTimeout(x.readTimeoutMillis());
            c.setUseCaches(false);
            if (credentials.token() != null) {
                c.setRequestProperty("Authorization", "Bearer " + credentials.token());
            }
            if (x.body() != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(x.body());
                }
            }
            int status = c.getResponseCode();
            try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
                r = new Reply(status, in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot reach " + label + " at " + base.getHost() + ":"
                    + base.getPort() + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? ""
                    : ": " + e.getMessage()) + "). Is it running? Check with `tpm status` or start it.", e);
        }
        if (r.status() < 400) {
            return r;
        }
        Map<String, Object> body;
        try {
            body = JSON.readValue(r.body(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INTERNAL, label + " answered HTTP " + r.status()
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
        if (r.status() == 401) {
            throw new TantalumException(code, label + " refused the request: " + (credentials.token() == null
                    ? "no admin token was found (looked in " + credentials.source() + ")"
                    : "the admin token from " + credentials.source() + " is not this daemon's") + ". Run the command"
                    + " on a host of the dataservice, whose installation holds the token (docs/security.md).");
        }
        throw new TantalumException(code, label + ": " + body.get("error"));
    }
}
