package io.tantalum.replicator.internal;

import io.tantalum.thl.ThlRecord;
import java.util.ArrayDeque;

/**
 * When a slave received each transaction and when its applier could first take it (once written in
 * its THL when the applier applies during the fsync, else once durable), kept from its THL writer
 * until its applier takes the transaction, for the stage times ({@link PipelineListener.Stage}).
 * Transactions arrive and are taken in seqno order; one the applier passes by (already applied) is
 * dropped when a later one is taken. Bounded: while the applier is far behind, transactions beyond
 * {@link #CAPACITY} are not timed. Thread-safe (the THL writer's thread adds, the applier takes).
 */
public final class StageClock {
    static final int CAPACITY = 10_000;

    /** A transaction's arrival: its seqno, the wall clock at receipt, and {@link System#nanoTime} once available. */
    public record Arrival(long seqno, long receivedMillis, long availableNanos) {}

    private final ArrayDeque<Arrival> arrivals = new ArrayDeque<>();

    /** The THL writer's callback: a transaction's last record is available to the applier. */
    public synchronized void available(ThlRecord lastFragment, long putMillis, long availableNanos) {
        if (arrivals.size() < CAPACITY) {
            arrivals.addLast(new Arrival(lastFragment.seqno(), putMillis, availableNanos));
        }
    }

    /** The arrival of {@code seqno}, forgotten once taken (with any earlier one); null when it was not timed. */
    public synchronized Arrival take(long seqno) {
        while (!arrivals.isEmpty() && arrivals.peekFirst().seqno() < seqno) {
            arrivals.pollFirst();
        }
        return !arrivals.isEmpty() && arrivals.peekFirst().seqno() == seqno ? arrivals.pollFirst() : null;
    }
}
