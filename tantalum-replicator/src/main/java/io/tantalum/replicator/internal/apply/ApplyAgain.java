package io.tantalum.replicator.internal.apply;

import java.sql.SQLException;

/**
 * What the applier rolled back is to be applied again from its position, this time up to
 * {@link #lastSeqno} one transaction at a time: on the applier's own connection (not in
 * parallel channels), each transaction's binlog events in BINLOG statements of their own. Thrown
 * after a lock conflict between channels, and when a BINLOG statement that carried several
 * transactions failed (applied again one by one, the failure names its transaction exactly).
 */
final class ApplyAgain extends SQLException {
    private static final long serialVersionUID = 1L;
    final long lastSeqno;

    private ApplyAgain(String message, long lastSeqno, SQLException cause) {
        super(message, "40001", cause.getErrorCode(), cause);
        this.lastSeqno = lastSeqno;
    }

    /** The oldest open chunk, ending at {@code lastSeqno}, waited for a row lock a later chunk held. */
    static ApplyAgain conflict(long lastSeqno, SQLException cause) {
        return new ApplyAgain("chunk ending at seqno " + lastSeqno + " waited for a row lock held by a later chunk ("
                + cause.getMessage() + ")", lastSeqno, cause);
    }

    /** The BINLOG statement of seqnos {@code firstSeqno} to {@code lastSeqno} failed. */
    static ApplyAgain merged(long firstSeqno, long lastSeqno, SQLException cause) {
        return new ApplyAgain("the BINLOG statement of seqnos " + firstSeqno + " to " + lastSeqno + " failed ("
                + cause.getMessage() + ")", lastSeqno, cause);
    }
}
