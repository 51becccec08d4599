package io.tantalum.replicator.internal.apply;

/**
 * The last transaction committed to a slave's database, as recorded in
 * {@code tantalum_<service>.trep_commit_seqno} in the same database transaction as its data.
 * {@code seqno == -1} means nothing was applied yet.
 */
public record AppliedPosition(long seqno, long epoch, String eventId, String sourceId, long sourceTstamp,
        long appliedTstamp) {
    public static final AppliedPosition NONE = new AppliedPosition(-1, 0, "", "", 0, 0);

    /** Seconds between the source commit and the apply commit. */
    public double latencySeconds() {
        return seqno < 0 ? 0 : Math.max(0, appliedTstamp - sourceTstamp) / 1000.0;
    }
}
