package io.tantalum.api;

/**
 * One admin API endpoint: its HTTP method, path, and request and reply types. A {@code GET}
 * request travels as query parameters, a {@code POST} request as a JSON body; the reply is
 * always JSON. Servers and clients of every Tantalum daemon share these declarations, so a field
 * name is spelled once. Immutable.
 */
public record Endpoint<Q, R>(Method method, String path, Class<Q> request, Class<R> reply) {
    /** What an endpoint does with the daemon. */
    public enum Method {
        /** A read: changes nothing, may be repeated. */
        GET,
        /** An action: changes the daemon's state. */
        POST
    }

    /** A request that carries no parameters. */
    public record None() {
        public static final None INSTANCE = new None();
    }

    public static <R> Endpoint<None, R> get(String path, Class<R> reply) {
        return new Endpoint<>(Method.GET, path, None.class, reply);
    }

    public static <Q, R> Endpoint<Q, R> get(String path, Class<Q> request, Class<R> reply) {
        return new Endpoint<>(Method.GET, path, request, reply);
    }

    public static <Q, R> Endpoint<Q, R> post(String path, Class<Q> request, Class<R> reply) {
        return new Endpoint<>(Method.POST, path, request, reply);
    }
}
