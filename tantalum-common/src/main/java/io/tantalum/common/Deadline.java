package io.tantalum.common;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A point in monotonic time ({@link System#nanoTime()}) by which a step must be done; procedures
 * give every remote step one, and a rollback a fresh one. Immutable.
 */
public record Deadline(long atNanos, Duration budget) {
    public static Deadline in(Duration budget) {
        return new Deadline(System.nanoTime() + budget.toNanos(), budget);
    }

    public long remainingMillis() {
        return Math.max(0, (atNanos - System.nanoTime()) / 1_000_000);
    }

    public boolean expired() {
        return System.nanoTime() - atNanos >= 0;
    }

    /**
     * Polls {@code condition} every {@code pollMillis} until it holds; DEADLINE_EXCEEDED naming
     * {@code what} (e.g. "host2 to apply seqno 42") when the deadline passes first.
     */
    public void await(String what, long pollMillis, BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            if (expired()) {
                throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "Timed out after " + budget.toMillis()
                        + " ms waiting for " + what);
            }
            if (!Threads.sleep(pollMillis)) {
                throw new TantalumException(ErrorCode.ABORTED, "Interrupted while waiting for " + what);
            }
        }
    }
}
