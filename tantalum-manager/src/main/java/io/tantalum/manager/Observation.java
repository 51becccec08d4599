package io.tantalum.manager;

/**
 * What one manager saw of its host at {@code timeMillis}: its database (reachable, read_only, GTID
 * position) and its replicator (state, role, seqnos, latency, error). Published as JSON in the
 * manager's ephemeral znode {@code /tantalum/<service>/members/<host>}. Immutable.
 *
 * @param replicatorState the replicator's state ({@code ONLINE}, {@code OFFLINE:ERROR}...), or
 *     {@code STOPPED} when its admin API cannot be reached
 */
public record Observation(String host, long timeMillis, boolean dbReachable, Boolean readOnly, String gtidPosition,
        String dbError, String replicatorState, String replicatorRole, long appliedSeqno, long maxStoredSeqno,
        double appliedLatency, double relativeLatency, String pendingError, String masterUri, String replicatorError) {
    public static final String STOPPED = "STOPPED";

    public boolean replicatorReachable() {
        return !STOPPED.equals(replicatorState);
    }

    public boolean replicatorOnline() {
        return "ONLINE".equals(replicatorState);
    }

    /**
     * How far this slave is behind {@code master}, in seconds: its applied latency while it has
     * applied the master's last seqno; once behind in seqnos, also the time since its last applied
     * commit (which grows while its applier is stuck, when applied latency does not).
     */
    public double lagBehind(Observation master) {
        if (master != null && appliedSeqno < master.appliedSeqno()) {
            return Math.max(appliedLatency, relativeLatency);
        }
        return appliedLatency;
    }
}
