package io.tantalum.manager;

import io.tantalum.manager.Topology.Datasource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Derives each datasource's state from its manager's latest observation: a pure function over
 * snapshot records, table-tested ({@code DatasourceAnalyzerTest}) and documented in
 * {@code docs/failure-detection.md}. The coordinator applies its result with compare-and-set.
 *
 * <p>Rules, in order, for each member:
 * <ol>
 *   <li>MAINTENANCE policy: nothing changes (observe only).
 *   <li>SHUNNED: stays; only {@code datasource welcome|recover} ends it.
 *   <li>No observation (its manager is not running, or the coordinator discarded a stale one): a
 *       slave whose database the coordinator cannot reach either (the host is down or cut off)
 *       becomes FAILED(HOST-UNREACHABLE); otherwise no change (a manager restarting).
 *   <li>Replicator {@code OFFLINE:NORMAL}: OFFLINE as operator intent, in every policy.
 *   <li>OFFLINE by an operator: stays until the replicator is ONLINE again (an operator put it
 *       back), whatever else happens to the host.
 *   <li>Database unreachable, replicator stopped or {@code OFFLINE:ERROR}: FAILED(reason).
 *   <li>A transitional replicator state (going online or offline) with the database up: no change.
 *   <li>Healthy (database reachable, replicator ONLINE): an OFFLINE datasource becomes ONLINE; a
 *       FAILED one becomes ONLINE only in AUTOMATIC and once caught up (applied latency within the
 *       limit); in MANUAL it waits for {@code datasource recover}.
 * </ol>
 * A FAILED slave whose database is reachable again but whose replicator waits in
 * {@code OFFLINE:ERROR} is listed in {@link Analysis#recover()}: in AUTOMATIC the coordinator asks
 * its replicator to go online. A slave whose replicator follows another master than the topology's
 * (it was cut off or down when a failover repointed the others) is listed in
 * {@link Analysis#repoint()}: in AUTOMATIC the coordinator points it at the master.
 */
public final class DatasourceAnalyzer {
    /** Reasons shown in {@code ls}, e.g. {@code FAILED(DATASERVER-STOPPED)}. */
    public static final String DATASERVER_STOPPED = "DATASERVER-STOPPED";
    public static final String REPLICATOR_STOPPED = "REPLICATOR-STOPPED";
    public static final String REPLICATOR_ERROR = "REPLICATOR-ERROR";
    public static final String OPERATOR_OFFLINE = "REPLICATOR-OFFLINE-BY-OPERATOR";
    public static final String HOST_UNREACHABLE = "HOST-UNREACHABLE";

    /** The derived topology, one line per change (for the audit trail), and the hosts to recover. */
    public record Analysis(Topology topology, List<String> changes, List<String> recover, List<String> repoint) {
        Analysis(Topology topology, List<String> changes, List<String> recover) {
            this(topology, changes, recover, List.of());
        }

        public boolean changed() {
            return !changes.isEmpty();
        }
    }

    private DatasourceAnalyzer() {}

    public static Analysis analyze(Topology t, Map<String, Observation> observations, double lagLimitSeconds) {
        return analyze(t, observations, java.util.Set.of(), lagLimitSeconds);
    }

    /**
     * @param unreachable hosts without an observation whose database the coordinator could not
     *     reach either
     */
    public static Analysis analyze(Topology t, Map<String, Observation> observations,
            java.util.Set<String> unreachable, double lagLimitSeconds) {
        return analyze(t, observations, unreachable, lagLimitSeconds, null);
    }

    /** @param masterUri the THL URI of the topology's master, which every slave should follow (null: not judged) */
    public static Analysis analyze(Topology t, Map<String, Observation> observations,
            java.util.Set<String> unreachable, double lagLimitSeconds, String masterUri) {
        List<String> repoint = new ArrayList<>();
        List<String> changes = new ArrayList<>();
        List<String> recover = new ArrayList<>();
        Topology next = t;
        if (t.policy() == Policy.MAINTENANCE) {
            return new Analysis(t, changes, recover);
        }
        for (String host : t.datasources().keySet()) {
            Datasource now = t.datasource(host);
            Observation o = observations.get(host);
            Datasource wanted = o == null && !host.equals(t.master()) && unreachable.contains(host)
                    ? unreachable(now) : next(now, o, observations.get(t.master()), t.policy(), lagLimitSeconds);
            if (!wanted.equals(now)) {
                changes.add(host + ": " + now.display() + " -> " + wanted.display());
                next = next.with(host, wanted);
            }
            if (t.policy() == Policy.AUTOMATIC && wanted.state() == DatasourceState.FAILED && o != null
                    && o.dbReachable() && "OFFLINE:ERROR".equals(o.replicatorState())) {
                recover.add(host);
            }
            if (t.policy() == Policy.AUTOMATIC && masterUri != null && !host.equals(t.master()) && o != null
                    && o.dbReachable() && "slave".equals(o.replicatorRole()) && o.masterUri() != null
                    && !o.masterUri().equals(masterUri) && wanted.state() != DatasourceState.SHUNNED
                    && !(wanted.state() == DatasourceState.OFFLINE && wanted.operator())) {
                repoint.add(host);
            }
        }
        return new Analysis(next, changes, recover, repoint);
    }

    /** A slave neither its manager nor the coordinator can reach: FAILED, unless shunned or offline by an operator. */
    static Datasource unreachable(Datasource now) {
        if (now.state() == DatasourceState.SHUNNED || now.state() == DatasourceState.OFFLINE && now.operator()) {
            return now;
        }
        return now.state() == DatasourceState.FAILED ? now : new Datasource(DatasourceState.FAILED, HOST_UNREACHABLE,
                false);
    }

    /** The state that {@code now} should become given observation {@code o} (null: none). */
    static Datasource next(Datasource now, Observation o, Observation master, Policy policy, double lagLimitSeconds) {
        if (now.state() == DatasourceState.SHUNNED || o == null) {
            return now;
        }
        if ("OFFLINE:NORMAL".equals(o.replicatorState())) {
            return new Datasource(DatasourceState.OFFLINE, OPERATOR_OFFLINE, true);
        }
        if (now.state() == DatasourceState.OFFLINE && now.operator() && !o.replicatorOnline()) {
            return now;
        }
        String failure = failure(o);
        if (failure != null) {
            return new Datasource(DatasourceState.FAILED, failure, false);
        }
        if (!o.replicatorOnline()) {
            return now; // GOING-ONLINE, GOING-OFFLINE...: wait for a settled state
        }
        if (now.state() == DatasourceState.FAILED) {
            boolean caughtUp = o.lagBehind(master) <= lagLimitSeconds;
            return policy == Policy.AUTOMATIC && caughtUp ? Datasource.ONLINE : now;
        }
        return Datasource.ONLINE;
    }

    /** Why the host cannot serve, or null when its database and replicator are up. */
    static String failure(Observation o) {
        if (!o.dbReachable()) {
            return DATASERVER_STOPPED;
        }
        if (!o.replicatorReachable()) {
            return REPLICATOR_STOPPED;
        }
        if ("OFFLINE:ERROR".equals(o.replicatorState())) {
            return REPLICATOR_ERROR;
        }
        return null;
    }
}
