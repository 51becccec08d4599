package io.tantalum.manager;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Preflight of a switch: whether the master can hand over and which slave takes over. A pure
 * function over the topology and the observations, table-tested in {@code CandidatePolicyTest}.
 * A named candidate must be a member, not the master, ONLINE (not shunned, failed or offline), with
 * its database up, its replicator ONLINE as a slave, and within the lag limit; otherwise the switch
 * is refused, before anything changes, with the reason and what to do. Without a name, the best
 * eligible slave: most applied seqno, then least applied latency, then the members' order.
 */
public final class CandidatePolicy {
    private CandidatePolicy() {}

    /**
     * The chosen candidate, or a FAILED_PRECONDITION / INVALID_ARGUMENT refusal. {@code masterUri}:
     * the THL URI a slave of the current master follows (a slave that follows another is not fit).
     */
    public static String choose(Topology t, Map<String, Observation> obs, String requested, double lagLimitSeconds,
            String masterUri) {
        checkMaster(t, obs);
        if (requested != null) {
            if (!t.datasources().containsKey(requested)) {
                throw new Refusal(ErrorCode.INVALID_ARGUMENT, "Cannot switch to " + requested + ": it is not a"
                        + " member of " + t.service() + " (members: " + String.join(", ", t.datasources().keySet())
                        + "). Nothing was changed.");
            }
            if (requested.equals(t.master())) {
                throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot switch to " + requested + ": it is"
                        + " already the master. Nothing was changed; `switch` alone picks the best slave.");
            }
            String problem = problem(t, obs, requested, lagLimitSeconds, masterUri);
            if (problem != null) {
                throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot switch to " + requested + ": "
                        + problem + ". Nothing was changed.");
            }
            return requested;
        }
        List<String> order = List.copyOf(t.datasources().keySet());
        Optional<String> best = order.stream().filter(h -> !h.equals(t.master()))
                .filter(h -> problem(t, obs, h, lagLimitSeconds, masterUri) == null)
                .min(Comparator.comparingLong((String h) -> -obs.get(h).appliedSeqno())
                        .thenComparingDouble(h -> obs.get(h).lagBehind(obs.get(t.master())))
                        .thenComparingInt(order::indexOf));
        return best.orElseThrow(() -> new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot switch: no slave"
                + " can take over (" + String.join("; ", order.stream().filter(h -> !h.equals(t.master()))
                        .map(h -> h + ": " + problem(t, obs, h, lagLimitSeconds, masterUri)).toList())
                + "). Nothing was changed."));
    }

    /**
     * The slave a failover promotes. Eligible: a member other than the master, ONLINE in the topology
     * (not shunned, failed or offline), its manager reporting, its database up, its replicator a
     * slave that is ONLINE or reconnecting to the lost master; lag does not matter, since it applies
     * all it stored before it is promoted. Best: the most stored THL, then the least applied latency,
     * then the members' order (the configured preference). A requested host must be eligible.
     */
    public static String forFailover(Topology t, Map<String, Observation> obs, String requested) {
        List<String> order = List.copyOf(t.datasources().keySet());
        if (requested != null) {
            String problem = !t.datasources().containsKey(requested) ? "it is not a member of " + t.service()
                    : requested.equals(t.master()) ? "it is the master that failed" : failoverProblem(t, obs, requested);
            if (problem != null) {
                throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot fail over to " + requested + ": "
                        + problem + ". Nothing was changed.");
            }
            return requested;
        }
        return order.stream().filter(h -> !h.equals(t.master())).filter(h -> failoverProblem(t, obs, h) == null)
                .min(Comparator.comparingLong((String h) -> -Math.max(obs.get(h).maxStoredSeqno(),
                        obs.get(h).appliedSeqno())).thenComparingDouble(h -> obs.get(h).appliedLatency())
                        .thenComparingInt(order::indexOf))
                .orElseThrow(() -> new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot fail over: no slave"
                        + " can take over (" + String.join("; ", order.stream().filter(h -> !h.equals(t.master()))
                                .map(h -> h + ": " + failoverProblem(t, obs, h)).toList()) + "). Nothing was changed;"
                        + " the dataservice has no writable master until one is repaired."));
    }

    /**
     * The failover's candidate once the old master is fenced and ships nothing more: the eligible
     * slave whose replicator says now that it stored the most (the observations {@link #forFailover}
     * chose by may be seconds old, and with semi-synchronous commits an acknowledged transaction may be
     * on one slave only). A tie keeps {@code chosen} (least lag, then preference). A candidate the
     * operator named that stored less than another slave is refused: promoting it would lose what only
     * the other one holds.
     *
     * @param stored each eligible slave that answered, with the highest seqno it stored (or applied)
     */
    public static String confirmForFailover(String chosen, String requested, Map<String, Long> stored) {
        if (stored.isEmpty()) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot fail over: no slave's replicator answered"
                    + " when asked how much THL it stored; the next analysis tries again.");
        }
        String best = stored.containsKey(chosen) ? chosen : null;
        for (Map.Entry<String, Long> e : stored.entrySet()) {
            if (best == null || e.getValue() > stored.get(best)) {
                best = e.getKey();
            }
        }
        if (requested != null && !requested.equals(best)) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot fail over to " + requested + ": "
                    + (stored.containsKey(requested) ? "it stored THL up to seqno " + stored.get(requested) + " but "
                            + best + " stored up to " + stored.get(best) + "; promoting " + requested + " would lose"
                            + " what only " + best + " holds"
                            : "its replicator did not answer when asked how much THL it stored")
                    + ". Run `cctrl failover to " + best + "` (or `cctrl failover`) instead.");
        }
        return best;
    }

    /**
     * The slave {@code datasource <target> rebuild} copies from. The copy carries the source's applied
     * position (its catalog, in the same consistent snapshot as its data), so the source must be a
     * slave of the current master: ONLINE in the topology, its database up, its replicator an ONLINE
     * slave following the master; lag does not matter (the rebuilt host catches up from the master).
     * Best: the most applied seqno, then the members' order. The master itself is not a source: its
     * data maps to no applied position. The target must not be the master.
     */
    public static String rebuildSource(Topology t, Map<String, Observation> obs, String target, String requested,
            String masterUri) {
        if (target.equals(t.master())) {
            throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot rebuild " + target + ": it is the"
                    + " master. Switch to another host first (`switch`), then rebuild it. Nothing was changed.");
        }
        if (requested != null) {
            String problem = !t.datasources().containsKey(requested) ? "it is not a member of " + t.service()
                    : requested.equals(target) ? "it is the host being rebuilt"
                    : requested.equals(t.master()) ? "it is the master, and a rebuild copies a slave (whose copy"
                            + " carries the position it applied up to); name a slave or leave `from` out"
                    : problem(t, obs, requested, Double.MAX_VALUE, masterUri);
            if (problem != null) {
                throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot rebuild " + target + " from "
                        + requested + ": " + problem + ". Nothing was changed.");
            }
            return requested;
        }
        List<String> order = List.copyOf(t.datasources().keySet());
        List<String> others = order.stream().filter(h -> !h.equals(t.master()) && !h.equals(target)).toList();
        return others.stream().filter(h -> problem(t, obs, h, Double.MAX_VALUE, masterUri) == null)
                .min(Comparator.comparingLong((String h) -> -obs.get(h).appliedSeqno()).thenComparingInt(order::indexOf))
                .orElseThrow(() -> new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot rebuild " + target
                        + ": no slave of the master " + t.master() + " to copy from" + (others.isEmpty()
                                ? " (the dataservice has no other slave)"
                                : " (" + String.join("; ", others.stream().map(h -> h + ": "
                                        + problem(t, obs, h, Double.MAX_VALUE, masterUri)).toList()) + ")")
                        + ". Bring a slave online first, or restore a backup of the master on " + target + " by hand"
                        + " (docs/operations/rebuild.md). Nothing was changed."));
    }

    /** Why {@code host} cannot be promoted by a failover, or null when it can. */
    static String failoverProblem(Topology t, Map<String, Observation> obs, String host) {
        Topology.Datasource ds = t.datasource(host);
        if (ds.state() != DatasourceState.ONLINE) {
            return "it is " + ds.display();
        }
        Observation o = obs.get(host);
        if (o == null) {
            return "its manager does not report, so its state is unknown";
        }
        if (!o.dbReachable()) {
            return "its database is not reachable (" + o.dbError() + ")";
        }
        if (!"slave".equals(o.replicatorRole()) || !(o.replicatorOnline()
                || "GOING-ONLINE:SYNCHRONIZING".equals(o.replicatorState()))) {
            return "its replicator is " + o.replicatorState() + " (" + o.replicatorRole() + "), not a slave that is"
                    + " ONLINE or reconnecting";
        }
        return null;
    }

    private static void checkMaster(Topology t, Map<String, Observation> obs) {
        Observation m = obs.get(t.master());
        String why = m == null ? "its manager is not running, so its state is unknown"
                : !m.dbReachable() ? "its database is not reachable (" + m.dbError() + ")"
                : !m.replicatorOnline() ? "its replicator is " + m.replicatorState()
                : !"master".equals(m.replicatorRole()) ? "its replicator's role is " + m.replicatorRole() : null;
        if (why != null) {
            throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot switch: the master " + t.master()
                    + " cannot hand over: " + why + ". A switch needs a healthy master; bring it back (or, once"
                    + " failover exists, fail over). Nothing was changed.");
        }
    }

    /** Why {@code host} cannot take over, or null when it can. */
    static String problem(Topology t, Map<String, Observation> obs, String host, double lagLimitSeconds,
            String masterUri) {
        Topology.Datasource ds = t.datasource(host);
        switch (ds.state()) {
            case SHUNNED:
                return "it is " + ds.display() + "; run `datasource " + host + " welcome` first";
            case FAILED:
                return "it is " + ds.display() + "; repair it and run `datasource " + host + " recover` first";
            case OFFLINE:
                return "it is " + ds.display() + "; run `datasource " + host + " online` first";
            default:
                break;
        }
        Observation o = obs.get(host);
        if (o == null) {
            return "its manager is not running, so its state is unknown; start it (`tpm start`)";
        }
        if (!o.dbReachable()) {
            return "its database is not reachable (" + o.dbError() + ")";
        }
        if (!o.replicatorOnline() || !"slave".equals(o.replicatorRole())) {
            return "its replicator is " + o.replicatorState() + " (" + o.replicatorRole() + "), not an ONLINE slave";
        }
        if (masterUri != null && !masterUri.equals(o.masterUri())) {
            return "it replicates from " + o.masterUri() + ", not from the master " + t.master() + " (" + masterUri
                    + "); run `datasource " + host + " recover` first";
        }
        double lag = o.lagBehind(obs.get(t.master()));
        if (lag > lagLimitSeconds) {
            return String.format(java.util.Locale.ROOT, "it is %.1f s behind the master (limit %.0f s); wait until it"
                    + " has caught up", lag, lagLimitSeconds);
        }
        return null;
    }
}
