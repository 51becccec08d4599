package io.tantalum.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polling waits with a deadline, scaled by {@code -Dtantalum.test.timing=<factor>}. No bare sleeps. */
public final class Await {
    private static final double FACTOR = Double.parseDouble(System.getProperty("tantalum.test.timing", "1"));

    private Await() {}

    public static Duration scaled(Duration d) {
        return Duration.ofMillis((long) (d.toMillis() * FACTOR));
    }

    /** Waits until {@code condition} holds, failing with {@code what} and the last detail seen. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        until(what, timeout, condition, () -> "");
    }

    public static void until(String what, Duration timeout, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + scaled(timeout).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e;
            }
            pause(100);
        }
        AssertionError e = new AssertionError("Timed out after " + scaled(timeout).toSeconds() + "s waiting for " + what
                + ". " + safe(detail));
        if (last != null) {
            e.initCause(last);
        }
        throw e;
    }

    private static String safe(Supplier<String> detail) {
        try {
            return detail.get();
        } catch (RuntimeException e) {
            return "(detail unavailable: " + e + ")";
        }
    }

    /** Sleeps a short polling interval, keeping the interrupt flag. */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
