package io.tantalum.replicator;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;

/**
 * Auto-recovery, as Tungsten's {@code auto-recovery-max-attempts}: after an error that waiting can
 * fix (code UNAVAILABLE: the database restarting, a port still held), the replicator goes online
 * again by itself, after a delay that doubles each attempt (up to a minute). Errors that need an
 * operator (an apply conflict, damaged THL, a diverged history) are never retried. Attempts are
 * counted per streak: a streak ends once the replicator has stayed online for the reset period.
 * An operator's online or offline cancels a pending attempt. Used on the dispatcher thread only.
 */
final class AutoRecovery {
    static final long MAX_DELAY_MILLIS = 60_000;

    private final int maxAttempts;
    private final long delayMillis;
    private final long resetMillis;
    private int attempts;
    private long total;
    private long token;
    /** The pending attempt, published as one value so that status never pairs a time with another attempt's name. */
    private volatile Pending next;

    /** A pending attempt: when, and which one of how many. */
    private record Pending(long at, String what) {}

    AutoRecovery(int maxAttempts, long delayMillis, long resetMillis) {
        this.maxAttempts = maxAttempts;
        this.delayMillis = delayMillis;
        this.resetMillis = resetMillis;
    }

    static boolean retryable(RuntimeException error) {
        return error instanceof TantalumException t && t.code() == ErrorCode.UNAVAILABLE;
    }

    /** A planned attempt: run it after {@code delayMillis} if {@code token} is still current then. */
    record Attempt(long token, int number, long delayMillis) {}

    /**
     * After {@code error}: the attempt to make, or null (not retryable, disabled, or attempts used
     * up). {@code onlineMillis} is how long the replicator had been online before the error (0 if
     * it was not online), which ends a streak when it reaches the reset period.
     */
    Attempt after(RuntimeException error, long onlineMillis, long now) {
        if (onlineMillis >= resetMillis) {
            attempts = 0;
        }
        if (maxAttempts == 0 || !retryable(error) || attempts >= maxAttempts) {
            next = null;
            return null;
        }
        attempts++;
        total++;
        long delay = Math.min(MAX_DELAY_MILLIS, delayMillis << Math.min(attempts - 1, 20));
        next = new Pending(now + delay, "attempt " + attempts + " of " + maxAttempts);
        return new Attempt(++token, attempts, delay);
    }

    boolean exhausted() {
        return maxAttempts > 0 && attempts >= maxAttempts;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    /** Is {@code t} the latest attempt, not cancelled since? Consumes it. */
    boolean take(long t) {
        if (t != token || next == null) {
            return false;
        }
        next = null;
        return true;
    }

    /** The operator took over: forget the pending attempt and the streak. */
    void cancel() {
        token++;
        next = null;
        attempts = 0;
    }

    /** What {@code trepctl status} shows: enabled, attempts in all, in the current streak, and the next one. */
    record Status(boolean enabled, long total, int attempts, String next) {}

    Status status(long now) {
        Pending p = next;
        return new Status(maxAttempts > 0, total, attempts, p == null ? "NONE"
                : p.what() + " in " + Math.max(0, (p.at() - now + 999) / 1000) + "s");
    }
}
