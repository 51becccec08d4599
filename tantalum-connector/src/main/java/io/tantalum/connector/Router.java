package io.tantalum.connector;

import io.tantalum.manager.DatasourceState;
import io.tantalum.manager.Observation;
import io.tantalum.manager.Topology;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * Where a new session goes: pure, over the topology and the managers' observations. The
 * read/write port goes to the master the topology names, and nowhere else; the read-only port to
 * the least-lagging {@code ONLINE} slave whose applied latency is under the limit, else to the
 * master. While ZooKeeper cannot be reached, both go to the master the connector last knew, and
 * only while it was seen writable moments ago ({@link #routeWithoutZooKeeper}).
 */
public final class Router {
    private Router() {}

    /** What the connector last saw of a master's {@code read_only}, and when ({@link System#nanoTime}). */
    public record MasterCheck(String host, boolean writable, long atNanos) {}

    private static boolean serving(Observation o, Observation master, double maxLatencySeconds) {
        return o != null && o.dbReachable() && o.replicatorOnline() && o.lagBehind(master) <= maxLatencySeconds;
    }

    /** The host a session of the given kind goes to; empty when the topology names no master. */
    public static Optional<String> route(Topology t, Map<String, Observation> observations, boolean readOnly,
            double maxLatencySeconds) {
        if (t == null || t.master() == null) {
            return Optional.empty();
        }
        if (!readOnly) {
            return Optional.of(t.master());
        }
        Observation master = observations.get(t.master());
        return t.datasources().keySet().stream()
                .filter(h -> !h.equals(t.master()))
                .filter(h -> t.datasource(h).state() == DatasourceState.ONLINE)
                .filter(h -> serving(observations.get(h), master, maxLatencySeconds))
                .min(Comparator.comparingDouble((String h) -> observations.get(h).lagBehind(master))
                        .thenComparing(Comparator.naturalOrder()))
                .or(() -> Optional.of(t.master()));
    }

    /**
     * Where a new session goes while ZooKeeper cannot be reached (either port): the master named by
     * the last topology seen, if a check no older than {@code maxAgeNanos} found it writable
     * ({@code read_only=OFF}); else nowhere, and the session waits. A fenced or demoted master is
     * read-only, so no session is routed to a host that may have stopped being the master.
     */
    public static Optional<String> routeWithoutZooKeeper(Topology last, MasterCheck check, long nowNanos,
            long maxAgeNanos) {
        if (last == null || last.master() == null || check == null || !check.writable()
                || !check.host().equals(last.master()) || nowNanos - check.atNanos() > maxAgeNanos) {
            return Optional.empty();
        }
        return Optional.of(last.master());
    }
}
