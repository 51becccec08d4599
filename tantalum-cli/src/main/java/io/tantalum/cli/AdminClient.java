package io.tantalum.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A client of one replicator's admin HTTP/JSON API. Thread-safe. */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final String hostLabel;
    private final URI base;
    private final int retries;

    public AdminClient(String hostLabel, String address, int port) {
        this(hostLabel, address, port, 0);
    }

    /** A client that retries a call up to {@code retries} times, a second apart, while the replicator is unreachable. */
    public AdminClient(String hostLabel, String address, int port, int retries) {
        this.hostLabel = hostLabel;
        this.base = URI.create("http://" + address + ":" + port + "/api/v1/");
        this.retries = retries;
    }

    /** A read: answered at once by a healthy replicator, so it times out after 10 s. */
    public Map<String, Object> get(String path) {
        return call(HttpRequest.newBuilder(base.resolve(path)).GET().timeout(Duration.ofSeconds(10)).build());
    }

    /** A command: may wait for the pipeline to stop or start, so it times out after 130 s. */
    public Map<String, Object> post(String path) {
        return call(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(130)).build());
    }

    private Map<String, Object> call(HttpRequest request) {
        for (int attempt = 0; ; attempt++) {
            try {
                return callOnce(request);
            } catch (TantalumException e) {
                if (e.code() != ErrorCode.UNAVAILABLE || attempt >= retries) {
                    throw e;
                }
                io.tantalum.common.Threads.sleep(1000);
            }
        }
    }

    private Map<String, Object> callOnce(HttpRequest request) {
        HttpResponse<String> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot reach the replicator of " + hostLabel + " at "
                    + base.getHost() + ":" + base.getPort() + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "). Is it running? Check with"
                    + " `tpm sandbox status` or start it.", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        }
        Map<String, Object> body;
        try {
            body = JSON.readValue(r.body(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INTERNAL, "The replicator of " + hostLabel + " sent a reply that is"
                    + " not JSON (HTTP " + r.statusCode() + "): " + r.body(), e);
        }
        if (r.statusCode() >= 400) {
            ErrorCode code;
            try {
                code = ErrorCode.valueOf(String.valueOf(body.get("code")));
            } catch (IllegalArgumentException e) {
                code = ErrorCode.INTERNAL;
            }
            throw new TantalumException(code, hostLabel + ": " + body.get("error"));
        }
        return body;
    }
}
