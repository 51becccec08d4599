package io.tantalum.replicator;

import java.util.Set;

/** Commands and pipeline notifications handled by the replicator's state machine. */
public sealed interface ReplicatorEvent {
    /** Configuration loaded: leave START. */
    record Configured() implements ReplicatorEvent {}

    /** Operator: go online, skipping the given seqnos once. */
    record GoOnline(Set<Long> skipSeqnos) implements ReplicatorEvent {}

    /** Operator: go offline at the next transaction boundary, or at once when {@code immediate}. */
    record GoOffline(boolean immediate) implements ReplicatorEvent {}

    /** Pipeline: connected to its source (binlog or master THL). */
    record Synchronized(long generation) implements ReplicatorEvent {}

    /** Pipeline: a slave lost its master and is reconnecting. */
    record ConnectionLost(long generation, String why) implements ReplicatorEvent {}

    /** Pipeline: stopped by an error. */
    record Failed(long generation, RuntimeException error) implements ReplicatorEvent {}

    /** Process: shutting down. */
    record Shutdown() implements ReplicatorEvent {}
}
