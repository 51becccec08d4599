package io.tantalum.manager;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.Locale;

/** What the coordinator may do by itself, as in Tungsten's {@code set policy}. */
public enum Policy {
    /** Detect and act: a failed slave is marked FAILED and recovered when it is healthy again. */
    AUTOMATIC,
    /** Detect only: states follow observations (FAILED is shown) but nothing is recovered by itself. */
    MANUAL,
    /** Observe only: the coordinator changes no datasource state; operators work on the hosts. */
    MAINTENANCE;

    public static Policy parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown policy '" + s + "': use automatic, manual"
                    + " or maintenance");
        }
    }
}
