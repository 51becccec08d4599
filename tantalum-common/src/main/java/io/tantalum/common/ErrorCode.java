package io.tantalum.common;

/**
 * Error classes shared by every Tantalum component. Each code says whether the operation may be
 * retried and which exit code a command line tool returns for it. Immutable, thread-safe.
 */
public enum ErrorCode {
    /** The caller gave a bad argument (unknown host, malformed URI, bad value). Not retriable. */
    INVALID_ARGUMENT(false, 2),
    /** The system is not in a state that allows the operation (wrong role or state). Not retriable. */
    FAILED_PRECONDITION(false, 3),
    /** A server or peer could not be reached; retrying later may succeed. */
    UNAVAILABLE(true, 4),
    /** A wait or remote call ran out of time. */
    DEADLINE_EXCEEDED(true, 5),
    /** The operation lost its lock or epoch and stopped. */
    ABORTED(true, 6),
    /** Stored data is corrupt, missing or diverged (THL checksum, purged binlog, epoch mismatch). */
    DATA_LOSS(false, 7),
    /** A bug or an unexpected condition inside Tantalum. */
    INTERNAL(false, 8),
    /** The caller did not prove that it may ask (missing or wrong admin token, not a member). Not retriable. */
    UNAUTHENTICATED(false, 9),
    /** The caller proved who it is but may not do this (the read-only viewer token on an action). Not retriable. */
    PERMISSION_DENIED(false, 10);

    private final boolean retriable;
    private final int exitCode;

    ErrorCode(boolean retriable, int exitCode) {
        this.retriable = retriable;
        this.exitCode = exitCode;
    }

    public boolean retriable() {
        return retriable;
    }

    /** The process exit code a CLI returns when a command fails with this code. */
    public int exitCode() {
        return exitCode;
    }
}
