package io.tantalum.manager;

/**
 * A procedure in progress, kept in ZooKeeper ({@link ZkLayout#procedure()}) from its first change
 * to its end, so that the next coordinator can finish or roll back what a dead one left half
 * done. Its existence is also the lock: a second procedure cannot create it. Immutable.
 *
 * @param phase the last phase that completed
 * @param flushSeqno the seqno the old master's flush returned (-1 before the flush)
 */
public record ProcedureRecord(String id, String kind, String from, String to, String phase, long flushSeqno,
        String coordinator, long startedMillis) {
    public ProcedureRecord at(String completedPhase) {
        return new ProcedureRecord(id, kind, from, to, completedPhase, flushSeqno, coordinator, startedMillis);
    }

    /** The same record, now carried on by {@code newCoordinator}. */
    public ProcedureRecord claimedBy(String newCoordinator) {
        return new ProcedureRecord(id, kind, from, to, phase, flushSeqno, newCoordinator, startedMillis);
    }

    /** The same record with another candidate (a failover confirms its candidate after FENCE). */
    public ProcedureRecord withTo(String candidate) {
        return new ProcedureRecord(id, kind, from, candidate, phase, flushSeqno, coordinator, startedMillis);
    }

    public ProcedureRecord withFlushSeqno(long seqno) {
        return new ProcedureRecord(id, kind, from, to, phase, seqno, coordinator, startedMillis);
    }
}
