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
 * master.
 */
public final class Router {
    private Router() {}

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
}
