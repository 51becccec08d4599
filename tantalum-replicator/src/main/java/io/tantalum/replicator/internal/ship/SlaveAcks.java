package io.tantalum.replicator.internal.ship;

/**
 * What the slaves of a master have stored: the highest seqno that any connected slave reported
 * wholly durable (fsynced) in its own THL. A semi-synchronous master acknowledges a commit to the
 * database (and so to its client) only once it is here. Thread-safe.
 */
public final class SlaveAcks {
    private long stored = -1;
    private String by;

    /** A slave stored everything up to {@code seqno}. */
    public synchronized void report(String slaveHost, long seqno) {
        if (seqno > stored) {
            stored = seqno;
            by = slaveHost;
            notifyAll();
        }
    }

    /** The highest seqno some slave stored, or -1. */
    public synchronized long stored() {
        return stored;
    }

    /** The slave that stored {@link #stored()} first, or null. */
    public synchronized String storedBy() {
        return by;
    }

    /** Waits up to {@code timeoutMillis} for some slave to have stored {@code seqno}; true once one has. */
    public synchronized boolean await(long seqno, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (stored < seqno) {
            long waitMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (waitMs <= 0) {
                return false;
            }
            wait(waitMs);
        }
        return true;
    }
}
