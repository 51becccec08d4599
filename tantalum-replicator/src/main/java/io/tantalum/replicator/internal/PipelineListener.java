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

    /** A deferred offline point was reached; the pipeline has stopped processing. */
    void offlinePointReached(String why);
}
