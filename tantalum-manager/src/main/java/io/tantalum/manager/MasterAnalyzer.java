package io.tantalum.manager;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether the master has failed, judged holistically: a pure function over a snapshot of the
 * topology, the managers' fresh observations and which managers still hold a ZooKeeper session,
 * table-tested ({@code MasterAnalyzerTest}) and documented in {@code docs/failure-detection.md}.
 * One witness is never enough: the master's database is dead only when its own manager cannot reach
 * it <em>and</em> no slave still gets THL from it; the master host is dead or isolated only when
 * its manager's ZooKeeper session has ended, or the coordinator saw its lease certainly run out
 * (either way it has fenced itself, if it runs at all), <em>and</em> no slave gets THL from it.
 * Each situation has a named code; only
 * {@link Code#DEAD_MASTER_DB} and {@link Code#DEAD_MASTER_HOST} lead to a failover, and only in
 * AUTOMATIC, outside the block period after the last failover, with a candidate.
 */
public final class MasterAnalyzer {
    /** Each situation the analysis names; {@code failover}: whether it calls for one. */
    public enum Code {
        MASTER_OK(false),
        /** The master's manager cannot reach its database and no slave gets THL from the master. */
        DEAD_MASTER_DB(true),
        /** The master's manager has no ZooKeeper session any more and no slave gets THL from the master. */
        DEAD_MASTER_HOST(true),
        /** The master's manager cannot reach its database, but a slave still replicates from it. */
        MASTER_DB_UNREACHABLE_FROM_MANAGER_ONLY(false),
        /** The master's manager has no ZooKeeper session, but a slave still replicates from it: only the manager is down. */
        MASTER_MANAGER_DOWN(false),
        /** The master's manager holds its session but its observation is stale: its lease holds, nothing is done yet. */
        MASTER_OBSERVATION_STALE(false),
        /** No slave's manager reports (fresh): the master's failure cannot be confirmed. */
        NO_SLAVE_TO_CONFIRM(false);

        public final boolean failover;

        Code(boolean failover) {
            this.failover = failover;
        }
    }

    /** The code, and the evidence in words (for the log, the audit trail and {@code cctrl ls}). */
    public record Analysis(Code code, String master, String detail) {}

    private MasterAnalyzer() {}

    /** {@link #analyze(Topology, Set, Set, Map)} without any lease seen run out. */
    public static Analysis analyze(Topology t, Set<String> sessions, Map<String, Observation> fresh) {
        return analyze(t, sessions, Set.of(), fresh);
    }

    /**
     * @param sessions the hosts whose manager holds a ZooKeeper session now (its member znode exists)
     * @param leasesRunOut the hosts whose lease the coordinator has seen certainly run out ({@link LeaseWatch}):
     *     their managers have fenced their databases, if they run at all, though their sessions may live on
     * @param fresh the observations young enough to judge by (stale and pre-procedure ones removed)
     */
    public static Analysis analyze(Topology t, Set<String> sessions, Set<String> leasesRunOut,
            Map<String, Observation> fresh) {
        String m = t.master();
        List<String> slaves = t.datasources().keySet().stream().filter(h -> !h.equals(m))
                .filter(h -> t.datasource(h).state() != DatasourceState.SHUNNED).toList();
        List<String> witnesses = slaves.stream().filter(fresh::containsKey).toList();
        List<String> replicating = witnesses.stream().filter(h -> fresh.get(h).replicatorOnline()).toList();
        Observation master = fresh.get(m);
        if (master != null && master.dbReachable()) {
            return new Analysis(Code.MASTER_OK, m, m + ": its manager reaches its database");
        }
        boolean runOut = leasesRunOut.contains(m);
        if (master == null && sessions.contains(m) && !runOut) {
            return new Analysis(Code.MASTER_OBSERVATION_STALE, m, m + ": its manager holds its ZooKeeper session but"
                    + " has published no recent observation; waiting for the session to end or the observation to"
                    + " come");
        }
        boolean hostGone = master == null;
        String what = hostGone ? m + (sessions.contains(m) ? ": no renewal of its manager's lease committed for longer"
                + " than the lease (it has fenced its database, if it runs at all)"
                : ": its manager's ZooKeeper session has ended")
                : m + ": its manager cannot reach its database (" + master.dbError() + ")";
        if (witnesses.isEmpty()) {
            return new Analysis(Code.NO_SLAVE_TO_CONFIRM, m, what + "; no slave's manager reports, so no slave can"
                    + " confirm it");
        }
        if (!replicating.isEmpty()) {
            return new Analysis(hostGone ? Code.MASTER_MANAGER_DOWN : Code.MASTER_DB_UNREACHABLE_FROM_MANAGER_ONLY, m,
                    what + "; but " + String.join(", ", replicating) + " still replicate(s) from it");
        }
        String lost = String.join(", ", witnesses.stream().map(h -> h + " (" + fresh.get(h).replicatorState() + ")")
                .toList());
        return new Analysis(hostGone ? Code.DEAD_MASTER_HOST : Code.DEAD_MASTER_DB, m, what + "; and no slave gets"
                + " THL from it: " + lost);
    }
}
