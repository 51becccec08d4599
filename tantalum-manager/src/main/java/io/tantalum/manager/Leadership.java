package io.tantalum.manager;

/**
 * The coordinator's right to act, re-checked between the phases of every procedure: it holds
 * while this manager leads the election and its ZooKeeper connection is not SUSPENDED or LOST.
 */
interface Leadership {
    /** Throws ABORTED when this manager may no longer act as coordinator. */
    void check();

    /** True while {@link #check()} would pass. */
    default boolean holds() {
        try {
            check();
            return true;
        } catch (io.tantalum.common.TantalumException e) {
            return false;
        }
    }

    /** This coordinator's host name, for audit records. */
    String host();

    /** Whether this manager has seen {@code host}'s lease certainly run out ({@link LeaseWatch}). */
    default boolean leaseRunOut(String host) {
        return false;
    }
}
