package io.tantalum.replicator;

import java.util.ArrayDeque;
import java.util.Deque;

/** Applied seqnos sampled once a second, for the apply rate and catch-up estimate. Thread-safe. */
final class RateSampler {
    private static final int WINDOW = 30;
    private final Deque<long[]> samples = new ArrayDeque<>();

    synchronized void add(long millis, long seqno) {
        if (seqno < 0) {
            samples.clear();
            return;
        }
        samples.addLast(new long[] {millis, seqno});
        while (samples.size() > WINDOW) {
            samples.removeFirst();
        }
    }

    /** Transactions per second over the last samples, or 0 when unknown. */
    synchronized double perSecond() {
        if (samples.size() < 2) {
            return 0;
        }
        long[] first = samples.getFirst();
        long[] last = samples.getLast();
        long ms = last[0] - first[0];
        return ms <= 0 ? 0 : (last[1] - first[1]) * 1000.0 / ms;
    }
}
