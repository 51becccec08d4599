package io.tantalum.manager;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Snapshot records for the table-driven tests of the pure decision code. */
final class Snapshots {
    private Snapshots() {}

    /** host1 master, host2 and host3 slaves, every datasource ONLINE, AUTOMATIC. */
    static Topology topology() {
        return Topology.initial("alpha", "host1", List.of("host1", "host2", "host3"), "test", 0);
    }

    /** A healthy observation: database up, replicator ONLINE with the given role, seqno and latency. */
    static Observation healthy(String host, String role, long seqno, double latency) {
        return new Observation(host, 0, true, !role.equals("master"), "0-1-" + seqno, null, "ONLINE", role, seqno,
                seqno, latency, latency, null, role.equals("master") ? null : "thl://127.0.1.1:2112/", null);
    }

    static Observation withState(Observation o, String replicatorState) {
        return new Observation(o.host(), o.timeMillis(), o.dbReachable(), o.readOnly(), o.gtidPosition(), o.dbError(),
                replicatorState, o.replicatorRole(), o.appliedSeqno(), o.maxStoredSeqno(), o.appliedLatency(),
                o.relativeLatency(), o.pendingError(), o.masterUri(), o.replicatorError());
    }

    static Observation dbDown(Observation o) {
        return new Observation(o.host(), o.timeMillis(), false, null, null, "Connection refused", o.replicatorState(),
                o.replicatorRole(), o.appliedSeqno(), o.maxStoredSeqno(), o.appliedLatency(), o.relativeLatency(),
                o.pendingError(), o.masterUri(), o.replicatorError());
    }

    static Observation behind(Observation o, long seqno, double relativeLatency) {
        return new Observation(o.host(), o.timeMillis(), o.dbReachable(), o.readOnly(), o.gtidPosition(), o.dbError(),
                o.replicatorState(), o.replicatorRole(), seqno, seqno, o.appliedLatency(), relativeLatency,
                o.pendingError(), o.masterUri(), o.replicatorError());
    }

    static Map<String, Observation> all(Observation... os) {
        Map<String, Observation> m = new LinkedHashMap<>();
        for (Observation o : os) {
            m.put(o.host(), o);
        }
        return m;
    }
}
