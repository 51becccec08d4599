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
 * written cursors when {@link #publishWritten} is on; with {@link #syncBeside} as well, there is no
 * writer thread and no queue: {@link #put} appends and publishes on the producer's own thread, and
 * a syncer thread fsyncs whatever was written since its last fsync began, so that a written cursor
 * sees a record one thread hand-off sooner and never waits for an fsync (the next fsync makes the
 * record durable). With {@link #producerSyncs} there is no thread at all: {@link #put} appends (and
 * publishes written records, with {@link #publishWritten}), and the producer calls {@link #sync}
 * whenever it has nothing more at hand (a slave's receiver, once its input is drained), so a
 * batch's fsync starts with no hand-off (group commit by the producer, up to {@code maxBatch}).
 *
 * <p>{@link #close} is a poison pill: records queued before it are written and synced first.
 * A write failure stops the writer and is reported once to the failure listener. Thread-safe; with
 * {@link #syncBeside} or {@link #producerSyncs}, one producer at a time (a pipeline has one).
 */
public final class ThlWriter implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ThlWriter.class);
    private static final Pending POISON = new Pending(new ThlRecord(-1, 0, true, 0, new byte[0]), 0, 0);
    private static final long SLOW_FSYNC_MS = 1000;
    /** With {@link #syncBeside}: at most this many records written and waiting for an fsync to begin. */
    private static final int MAX_UNSYNCED = 10_000;

    private final ThlLog log;
    private final BlockingQueue<Pending> queue;
    private final int maxBatch;
    private final Consumer<RuntimeException> onFailure;
    private final String name;
    /** The writer thread, started by the first record queued (not with syncBeside or producerSyncs). */
    private Thread thread;
    /** Set by {@link #close}: a later {@link #put} is refused. Guarded by {@link #unsynced}. */
    private boolean closed;
    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private volatile RuntimeException failure;
    private volatile Durable onDurable = (r, putNanos, putMillis, durableNanos) -> {};
    private volatile boolean publishWritten;
    private volatile boolean syncBeside;
    private volatile boolean producerSyncs;
    /** With {@link #producerSyncs}: records appended and not fsynced yet. Guarded by {@link #appendLock}. */
    private final List<Pending> appended = new ArrayList<>();
    private volatile Durable onWritten = (r, putNanos, putMillis, writtenNanos) -> {};
    /** With {@link #syncBeside}: records written and published that no fsync has begun to cover yet. */
    private final List<Pending> unsynced = new ArrayList<>();
    /** With {@link #syncBeside} or {@link #producerSyncs}: held by {@link #put} and {@link #sync} while they run. */
    private final Object appendLock = new Object();
    private boolean writerDone;
    private Thread syncer;

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
        this.name = name;
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

    /**
     * With {@link #publishWritten}: {@link #put} appends and publishes on the caller's thread, and
     * a syncer thread fsyncs beside it, so a record that comes while an fsync runs is written and
     * seen by written cursors at once. For a written cursor that never waits for durability (a
     * master whose binlog is the durable copy ships what is written); one that waits for it before
     * acting (a slave's applier before its COMMIT) is better served by {@link #producerSyncs}, whose
     * fsync starts with no hand-off. The {@link #onDurable} listener is told after durable readers
     * see the records. Set before the first {@link #put}.
     */
    public ThlWriter syncBeside() {
        this.syncBeside = true;
        return this;
    }

    /**
     * {@link #put} appends (and, with {@link #publishWritten}, publishes) on the caller's thread, and
     * the caller fsyncs with {@link #sync} when it has nothing more at hand; {@link #put} fsyncs by
     * itself every {@code maxBatch} records. Set before the first {@link #put}.
     */
    public ThlWriter producerSyncs() {
        this.producerSyncs = true;
        return this;
    }

    /** {@link #publishWritten(Durable)}, telling nobody. */
    public ThlWriter publishWritten() {
        return publishWritten((r, putNanos, putMillis, writtenNanos) -> {});
    }

    /**
     * Queues a record for writing, blocking while the queue is full; with {@link #syncBeside},
     * writes and publishes it at once, blocking while {@link #MAX_UNSYNCED} records wait for an fsync;
     * with {@link #producerSyncs}, writes it at once (and fsyncs every {@code maxBatch} records).
     */
    public void put(ThlRecord r) throws InterruptedException {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
        Pending p = new Pending(r, System.nanoTime(), System.currentTimeMillis());
        if (syncBeside || producerSyncs) {
            appendHere(p);
            return;
        }
        startWriter();
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

    private synchronized void startWriter() {
        if (thread == null) {
            synchronized (unsynced) {
                if (closed) {
                    throw new IllegalStateException("THL writer for " + log.directory() + " is closed");
                }
            }
            thread = Threads.start(name + "-thl-writer", this::run);
        }
    }

    /**
     * {@link #put} with {@link #syncBeside} or {@link #producerSyncs}: appends and publishes on the
     * caller's thread, then hands the record to the syncer, or keeps it for the next {@link #sync}.
     */
    private void appendHere(Pending p) {
        synchronized (appendLock) {
            synchronized (unsynced) {
                if (closed) {
                    throw new IllegalStateException("THL writer for " + log.directory() + " is closed");
                }
            }
            try {
                log.append(p.record());
            } catch (RuntimeException e) {
                fail(e);
                throw e;
            }
            List<Pending> one = List.of(p);
            if (publishWritten) {
                tell(one, 1, onWritten); // before written cursors see it: the applier looks it up
                log.publishWritten();
            }
            if (syncBeside) {
                handToSyncer(one);
                return;
            }
            appended.add(p);
            if (appended.size() >= maxBatch) {
                sync();
            }
        }
    }

    /**
     * With {@link #producerSyncs}: fsyncs what was appended since the last fsync and publishes it to
     * readers (nothing to do otherwise, or when everything is durable). The producer's call, when it
     * has nothing more at hand.
     */
    public void sync() {
        synchronized (appendLock) {
            if (!producerSyncs || appended.isEmpty()) {
                return;
            }
            RuntimeException f = failure;
            if (f != null) {
                throw f;
            }
            long start = System.nanoTime();
            try {
                log.sync(() -> tell(appended, appended.size(), onDurable)); // before readers see them
            } catch (RuntimeException e) {
                fail(e);
                throw e;
            }
            synced(start, appended.size());
            appended.clear();
        }
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
                synced(start, appended);
                batch.clear();
                if (stop) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            log.sync();
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private void fail(RuntimeException e) {
        synchronized (unsynced) {
            if (failure != null) {
                return;
            }
            failure = e;
            writerDone = true; // the syncer makes durable what was written, then ends
            unsynced.notifyAll();
        }
        LOG.error("THL writer stopped dir={}: {}", log.directory(), e.getMessage(), e);
        onFailure.accept(e);
    }

    /** Gives the syncer records just published as written (starting it with the first ones). */
    private void handToSyncer(List<Pending> written) {
        RuntimeException f = failure;
        if (f != null) {
            throw f; // the syncer failed: nothing more is written
        }
        synchronized (unsynced) {
            while (unsynced.size() >= MAX_UNSYNCED && failure == null) { // an fsync that stalls bounds the memory
                try {
                    unsynced.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            unsynced.addAll(written);
            unsynced.notifyAll();
        }
        if (syncer == null) {
            syncer = Threads.start(name + "-thl-sync", this::syncLoop);
        }
    }

    /** Lets the syncer make everything written durable, and waits for it (the writer's last act). */
    private void stopSyncer() {
        synchronized (unsynced) {
            writerDone = true;
            unsynced.notifyAll();
        }
        if (syncer != null) {
            try {
                syncer.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The syncer: one fsync for whatever was written since the last one began (group commit). */
    private void syncLoop() {
        List<Pending> mine = new ArrayList<>();
        try {
            while (true) {
                synchronized (unsynced) {
                    while (unsynced.isEmpty() && !writerDone) {
                        unsynced.wait();
                    }
                    if (unsynced.isEmpty()) {
                        return;
                    }
                    mine.addAll(unsynced); // all of them published as written, so covered by the fsync below
                    unsynced.clear();
                    unsynced.notifyAll(); // a writer waiting for room
                }
                long start = System.nanoTime();
                log.syncWritten();
                tell(mine, mine.size(), onDurable);
                synced(start, mine.size());
                mine.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** Counts an fsync of {@code count} records begun at {@code start}, warning when it was slow. */
    private void synced(long start, int count) {
        long ms = (System.nanoTime() - start) / 1_000_000L;
        if (ms > SLOW_FSYNC_MS) {
            LOG.warn("slow THL fsync took {}ms for {} records dir={}", ms, count, log.directory());
        }
        fsyncs.incrementAndGet();
        records.addAndGet(count);
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

    /** Writes and syncs everything queued (or written) so far, then stops the writer (or syncer) thread. */
    @Override
    public void close() {
        synchronized (appendLock) { // with syncBeside or producerSyncs, a put under way ends first
            synchronized (unsynced) {
                closed = true;
            }
            if (producerSyncs && failure == null) {
                try {
                    sync();
                } catch (RuntimeException e) {
                    // fail() reported it; the records it could not fsync are re-fetched after the restart
                }
            }
        }
        if (syncBeside || producerSyncs) {
            stopSyncer();
            return;
        }
        Thread thread;
        synchronized (this) {
            thread = this.thread;
        }
        if (thread != null && thread.isAlive() && failure == null) {
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
