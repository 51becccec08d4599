package io.tantalum.api;

import java.util.List;

/**
 * The connector's admin API. Same conventions as {@link ReplicatorApi}: reads are {@code GET},
 * every request but {@code /health} carries the service's admin token.
 * <pre>
 *   GET  /api/v1/connector          {@link ConnectorStatus}: where sessions go and how many there are
 *   POST /api/v1/connector/hold     {@link HoldRequest} -&gt; {@link HoldReply}: a switch begins
 *   POST /api/v1/connector/release  {@link ReleaseRequest} -&gt; {@link ReleaseReply}: the switch is over
 *   GET  /health               {@link ReplicatorApi.StateReply}: 200 ONLINE while it routes, 503 otherwise
 * </pre>
 */
public final class ConnectorApi {
    public static final Endpoint<Endpoint.None, ConnectorStatus> STATUS =
            Endpoint.get("/api/v1/connector", ConnectorStatus.class);
    public static final Endpoint<HoldRequest, HoldReply> HOLD =
            Endpoint.post("/api/v1/connector/hold", HoldRequest.class, HoldReply.class);
    public static final Endpoint<ReleaseRequest, ReleaseReply> RELEASE =
            Endpoint.post("/api/v1/connector/release", ReleaseRequest.class, ReleaseReply.class);
    public static final Endpoint<Endpoint.None, ReplicatorApi.StateReply> HEALTH =
            Endpoint.get("/health", ReplicatorApi.StateReply.class);

    /** Every endpoint that needs the token. */
    public static final List<Endpoint<?, ?>> PROTECTED = List.of(STATUS, HOLD, RELEASE);

    private ConnectorApi() {}

    /** What a running connector publishes in ZooKeeper ({@code connectors/<name>}), so that the coordinator finds it. */
    public record Registration(String name, String address, int adminPort, int readWritePort, int readOnlyPort) {}

    /**
     * A switch from {@code from} to {@code to} begins: hold every read/write session (and read-only
     * ones on those hosts) at its next transaction boundary; a transaction still open after
     * {@code graceMillis} is rolled back. Returns once every session is held.
     */
    public record HoldRequest(String procedure, String from, String to, long graceMillis) {}

    /** {@code held} sessions wait; {@code ended}: transactions rolled back at the end of the grace period. */
    public record HoldReply(String name, int held, int ended) {}

    /**
     * The switch is over: held sessions go where the topology (at least at {@code generation}) sends
     * them. {@code topology}: the topology the coordinator has just written (its JSON), or null; a
     * connector whose ZooKeeper cache has not seen it yet (its ZooKeeper server cut off with the old
     * master, say) routes by it at once instead of waiting to reconnect.
     */
    public record ReleaseRequest(String procedure, long generation, String topology) {
        public ReleaseRequest(String procedure, long generation) {
            this(procedure, generation, null);
        }
    }

    public record ReleaseReply(String name, int released) {}

    /**
     * A connector's view: the master it routes read/write sessions to (null: none known), the
     * topology generation it follows, its open sessions per port, its ZooKeeper connection, whether
     * it routes read/write sessions now ({@code routing}: false while it has no master, or without
     * ZooKeeper while the master it knew is not confirmed writable), and its process id.
     */
    public record ConnectorStatus(String name, String service, String master, long generation, int readWriteSessions,
            int readOnlySessions, long sessionsServed, String zookeeper, String readWriteAddress,
            String readOnlyAddress, boolean routing, long pid) {}
}
