package io.tantalum.thl;

import io.tantalum.common.Threads;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of a {@link ThlLog}, with group commit in the manner of ZooKeeper's
 * {@code SyncRequestProcessor}: producers {@link #put} records into a bounded queue; the writer
 * thread appends whatever is queued (up to {@code maxBatch} records), then fsyncs once and
 * publishes the batch to readers. Nothing is visible downstream before it is durable, except to
 * a master's written cursors when {@link #publishWritten} is on.
 *
 * <p>{@link #close} is a poison pill: records queued before it are written and synced first.
 * A write failure stops the writer and is reported once to the failure listener. Thread-safe.
 */
public final class ThlWriter implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ThlWriter.class);
    private static final Pending POISON = new Pending(new ThlRecord(-1, 0, true, 0, new byte[0]), 0, 0);
    private static final long SLOW_FSYNC_MS = 1000;

    private final ThlLog log;
    private final BlockingQueue<Pending> queue;
    private final int maxBatch;
    private final Consumer<RuntimeException> onFailure;
    private final Thread thread;
    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private volatile RuntimeException failure;
    private volatile Durable onDurable = (r, putNanos, putMillis, durableNanos) -> {};
    private volatile boolean publishWritten;
    private volatile Durable onWritten = (r, putNanos, putMillis, writtenNanos) -> {};

    /** A record queued, with when: {@link System#nanoTime} and the wall clock. */
    private record Pending(ThlRecord record, long putNanos, long putMillis) {}

    /** Told of each transaction's last record once it is durable (the replicator's stage times). */
    @FunctionalInterface
    public interface Durable {
        /**
         * @param putNanos {@link System#nanoTime} when it was {@link #put}
         * @param putMillis the wall clock then
         * @param durableNanos {@link System#nanoTime} once it was synced
         */
        void durable(ThlRecord lastFragment, long putNanos, long putMillis, long durableNanos);
    }

    public ThlWriter(ThlLog log, String name, int queueCapacity, int maxBatch, Consumer<RuntimeException> onFailure) {
        this.log = log;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.maxBatch = maxBatch;
        this.onFailure = onFailure;
        this.thread = Threads.start(name + "-thl-writer", this::run);
    }

    /** Sets who is told of each transaction's last record once it is durable. */
    public ThlWriter onDurable(Durable listener) {
        this.onDurable = listener;
        return this;
    }

    /**
     * Publishes each batch to written cursors ({@link ThlLog#writtenCursor}) once written, before
     * its fsync, telling {@code listener} of each transaction's last record first (its
     * {@code durableNanos} is then when it was written).
     */
    public ThlWriter publishWritten(Durable listener) {
        this.onWritten = listener;
        this.publishWritten = true;
        return this;
    }

    /** {@link #publishWritten(Durable)}, telling nobody. */
    public ThlWriter publishWritten() {
        return publishWritten((r, putNanos, putMillis, writtenNanos) -> {});
    }

    /** Queues a record for writing, blocking while the queue is full. */
    public void put(ThlRecord r) throws InterruptedException {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
        Pending p = new Pending(r, System.nanoTime(), System.currentTimeMillis());
        while (!queue.offer(p, 100, TimeUnit.MILLISECONDS)) {
            if (failure != null) {
                throw failure;
            }
        }
    }

    public long fsyncCount() {
        return fsyncs.get();
    }

    public long recordCount() {
        return records.get();
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        try {
            while (true) {
                Pending first = queue.take();
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                boolean stop = false;
                int appended = 0;
                for (Pending p : batch) {
                    if (p == POISON) {
                        stop = true;
                        break;
                    }
                    log.append(p.record());
                    appended++;
                }
                int written = appended;
                if (publishWritten && appended > 0) {
                    tell(batch, written, onWritten); // before written cursors see them: the applier looks them up
                    log.publishWritten();
                }
                long start = System.nanoTime();
                log.sync(() -> tell(batch, written, onDurable)); // before readers see them
                long ms = (System.nanoTime() - start) / 1_000_000L;
                if (ms > SLOW_FSYNC_MS) {
                    LOG.warn("slow THL fsync took {}ms for {} records dir={}", ms, appended, log.directory());
                }
                fsyncs.incrementAndGet();
                records.addAndGet(appended);
                batch.clear();
                if (stop) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            log.sync();
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("THL writer stopped dir={}: {}", log.directory(), e.getMessage(), e);
            onFailure.accept(e);
        }
    }

    private static void tell(List<Pending> batch, int written, Durable told) {
        long durable = System.nanoTime();
        for (int i = 0; i < written; i++) {
            Pending p = batch.get(i);
            if (p.record().lastFrag()) {
                told.durable(p.record(), p.putNanos(), p.putMillis(), durable);
            }
        }
    }

    /** Writes and syncs everything queued so far, then stops the writer thread. */
    @Override
    public void close() {
        if (thread.isAlive() && failure == null) {
            try {
                queue.put(POISON);
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.warn("THL writer did not stop within 30s dir={}; interrupting it", log.directory());
                thread.interrupt();
            }
        }
    }

    /** {@link #abort} when {@code immediate}, else {@link #close}. */
    public void stop(boolean immediate) {
        if (immediate) {
            abort();
        } else {
            close();
        }
    }

    /** Stops at once, dropping queued records that were never acknowledged (offline -immediate). */
    public void abort() {
        queue.clear();
        close();
    }
}
