package io.tantalum.replicator;

import java.net.URI;
import java.util.Set;

/** Commands and pipeline notifications handled by the replicator's state machine. */
public sealed interface ReplicatorEvent {
    /** Configuration loaded: leave START. */
    record Configured() implements ReplicatorEvent {}

    /**
     * Operator: go online.
     *
     * @param skipSeqnos seqnos to skip once
     * @param force a slave skips the master's history check
     * @param forceDivergence a slave goes online although its binlog holds transactions written on
     *     it that its THL never extracted (binlog-only): they stay on this host only
     * @param until where to go offline again (null: stay online)
     */
    record GoOnline(Set<Long> skipSeqnos, boolean force, boolean forceDivergence, OfflineTrigger until)
            implements ReplicatorEvent {
        public static GoOnline plain() {
            return new GoOnline(Set.of(), false, false, null);
        }
    }

    /** Operator: go offline at the next transaction boundary, or at once when {@code immediate}. */
    record GoOffline(boolean immediate) implements ReplicatorEvent {}

    /** Operator: change role (only while offline). {@code masterUri} is required for a slave. */
    record SetRole(ReplicatorSettings.Role role, URI masterUri) implements ReplicatorEvent {}

    /** Operator: delete the THL and/or the catalog schema (only while offline). */
    record Reset(boolean thl, boolean db) implements ReplicatorEvent {}

    /** Pipeline: connected to its source (binlog or master THL). */
    record Synchronized(long generation) implements ReplicatorEvent {}

    /** Pipeline: a slave lost its master and is reconnecting. */
    record ConnectionLost(long generation, String why) implements ReplicatorEvent {}

    /** Pipeline: a deferred offline point was reached. */
    record OfflinePointReached(long generation, String why) implements ReplicatorEvent {}

    /** Pipeline: stopped by an error. */
    record Failed(long generation, RuntimeException error) implements ReplicatorEvent {}

    /** Auto-recovery: go online again after a transient error (ignored unless {@code token} is still current). */
    record AutoRecover(long token) implements ReplicatorEvent {}

    /** Process: shutting down. */
    record Shutdown() implements ReplicatorEvent {}
}
