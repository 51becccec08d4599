package io.tantalum.replicator.internal;

import io.tantalum.thl.ThlEvent;

/** What a running pipeline reports to its replicator. Implementations are thread-safe. */
public interface PipelineListener {
    /** Connected to the source: the binlog (master) or the master's THL (slave). */
    void synchronizedWithSource();

    /** A slave lost its master and is reconnecting. */
    void connectionLost(String why);

    /** The pipeline stopped because of an error. */
    void failed(RuntimeException error);

    /** A transaction was stored (master) or applied (slave). */
    void processed(ThlEvent lastFragment);

    /** The extractor stored a fragment of a transaction in the THL (metrics). */
    default void extracted(ThlEvent fragment) {}

    /** The applier applied an event to the database (metrics; a parallel chunk retried applies it again). */
    default void applied(ThlEvent fragment) {}

    /** How long a transaction spent in one {@link Stage} of the pipeline (metrics; docs/metrics.md). */
    default void stage(Stage stage, long nanos) {}

    /**
     * Where the time between a master's extraction of a transaction and its commit on a slave goes.
     * SHIP spans hosts (the slave's wall clock minus the master's): it is only as good as their
     * clocks' agreement.
     */
    enum Stage {
        /** Queued for the THL until synced with it: on the master, from extraction; on a slave, from receipt. */
        STORE,
        /** Slave: from the master's extraction to the slave's receipt (the master's STORE included). */
        SHIP,
        /** Slave: durable in its THL until the applier takes it. */
        WAIT,
        /** Slave: taken by the applier until its statements are sent (one connection only). */
        APPLY,
        /** Slave: statements sent until committed, with its block (one connection only). */
        COMMIT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A deferred offline point was reached; the pipeline has stopped processing. */
    void offlinePointReached(String why);
}
