package io.tantalum.replicator;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.util.function.BooleanSupplier;

/** Polling waits with a deadline. */
final class Deadlines {
    private Deadlines() {}

    static void await(BooleanSupplier condition, long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline || !Threads.sleep(20)) {
                throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "timed out after " + timeoutMillis + "ms");
            }
        }
    }
}
