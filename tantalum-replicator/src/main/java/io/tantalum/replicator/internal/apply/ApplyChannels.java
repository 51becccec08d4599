package io.tantalum.replicator.internal.apply;

import io.tantalum.common.Threads;
import io.tantalum.thl.ThlEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parallel apply: the applier thread cuts the THL into chunks of consecutive whole transactions and
 * hands them to several channels, each with its own database connection, which apply them at the
 * same time and commit them strictly in order: chunk i commits only once chunk i-1 has, with the
 * applied position of its last transaction in the same database transaction. So the database only
 * ever holds a prefix of the THL, the position row always says which, and readers never see a
 * commit order the master did not have (docs/positions-and-restart.md).
 *
 * <p>Before a channel applies a transaction, it waits until every earlier chunk that touched one
 * of its {@link TxnKeys} has committed, so two channels never work on the same row at once.
 * Dependencies the keys cannot see (a unique secondary key, say) show as an error or a lock wait:
 * a chunk that fails while an earlier one is still open is rolled back and applied again once all
 * earlier ones have committed; only a failure of the oldest open chunk is an apply error. A lock
 * wait timeout or deadlock of the oldest chunk ({@link ApplyAgain}) rolls everything back, and the
 * applier goes on serially past it.
 *
 * <p>Thread-safety: {@link #submit}, {@link #drain} and {@link #close} are called by the applier
 * thread only; each channel runs on its own thread; the shared order state is guarded by
 * {@code lock}.
 */
final class ApplyChannels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApplyChannels.class);
    /** Seconds a channel waits for a row lock before its chunk counts as stuck behind a later one. */
    static final int LOCK_WAIT_SECONDS = 5;
    private static final int[] CONFLICT_CODES = {1205, 1213};
    /** A chunk is queued once it holds this many THL bytes. */
    static final int MAX_CHUNK_BYTES = 4 << 20;

    /** A whole transaction and the newest earlier chunk that touched one of its rows (0: none). */
    record Txn(ThlEvent event, long after) {}

    /** Consecutive whole transactions, committed as one database transaction. */
    static final class Chunk {
        final long index;
        final List<Txn> txns = new ArrayList<>();
        final long opened = System.currentTimeMillis();
        long bytes;

        Chunk(long index) {
            this.index = index;
        }

        ThlEvent last() {
            return txns.get(txns.size() - 1).event();
        }
    }

    /** Thrown inside a channel when an earlier chunk failed or the applier stops: roll back, commit nothing. */
    private static final class Aborted extends Exception {
        Aborted() {
            super(null, null, false, false);
        }
    }

    private final JdbcApplier applier;
    private final Consumer<AppliedPosition> committedCallback;
    private final BlockingQueue<Chunk> queue;
    private final List<Channel> channels = new ArrayList<>();
    private final Object lock = new Object();
    /** Every row key of an open chunk, and the newest chunk that touched it (applier thread only). */
    private final Map<String, Long> touched = new HashMap<>();
    private final ForeignKeyTables foreignKeys = new ForeignKeyTables();
    /** The chunk being filled (applier thread only), or null. */
    private Chunk filling;
    private long submitted;
    private long committed;
    private Exception failure;

    ApplyChannels(JdbcApplier applier, int count, Consumer<AppliedPosition> committedCallback) throws SQLException {
        this.applier = applier;
        this.committedCallback = committedCallback;
        this.queue = new ArrayBlockingQueue<>(count);
        try {
            for (int i = 1; i <= count; i++) {
                channels.add(new Channel(i, applier.connect()));
            }
        } catch (SQLException e) {
            close();
            throw e;
        }
        for (Channel ch : channels) {
            ch.thread = Threads.start("applier-channel-" + ch.id, ch::run);
        }
    }

    /** The tables whose transactions are applied alone (foreign keys), as the slave has them now. */
    java.util.function.Predicate<String> foreignKeyTables(Connection c) throws SQLException {
        return foreignKeys.load(c);
    }

    /** True while a chunk is being filled (the applier then does not wait for more of the THL). */
    boolean filling() {
        return filling != null;
    }

    /**
     * Adds a transaction to the chunk being filled, after every earlier open chunk that touched one
     * of its keys; queues the chunk once it holds {@code maxTxns} transactions, 4 MiB, or is
     * {@code maxMillis} old.
     */
    void add(ThlEvent e, Set<String> keys, int bytes, int maxTxns, long maxMillis)
            throws SQLException, InterruptedException {
        Chunk chunk = filling != null ? filling : new Chunk(submitted + 1);
        filling = chunk;
        long after = 0;
        for (String k : keys) {
            Long prev = touched.put(k, chunk.index);
            if (prev != null && prev < chunk.index) {
                after = Math.max(after, prev);
            }
        }
        chunk.txns.add(new Txn(e, after));
        chunk.bytes += bytes;
        if (chunk.txns.size() >= maxTxns || chunk.bytes >= MAX_CHUNK_BYTES
                || System.currentTimeMillis() - chunk.opened >= maxMillis) {
            flush();
        }
    }

    /** Queues the chunk being filled, if any. */
    void flush() throws SQLException, InterruptedException {
        if (filling != null) {
            Chunk chunk = filling;
            filling = null;
            submit(chunk);
        }
    }

    /**
     * Before a transaction applied alone: queues the chunk being filled and waits until everything
     * before has committed. After a statement, which may add or drop a foreign key, the tables are
     * read again.
     */
    void barrier(boolean statement) throws SQLException, InterruptedException {
        flush();
        drain();
        if (statement) {
            foreignKeys.stale();
        }
    }

    /** Queues a chunk for the next free channel; waits while every channel is busy and the queue full. */
    private void submit(Chunk chunk) throws SQLException, InterruptedException {
        rethrow();
        submitted = chunk.index;
        while (!queue.offer(chunk, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            rethrow();
        }
        if (touched.size() > 100_000) {
            long done = committed();
            touched.values().removeIf(i -> i <= done);
        }
    }

    /** Waits until every submitted chunk has committed; throws what stopped one. */
    void drain() throws SQLException, InterruptedException {
        synchronized (lock) {
            while (committed < submitted && failure == null) {
                lock.wait();
            }
        }
        rethrow();
        touched.clear();
    }

    long committed() {
        synchronized (lock) {
            return committed;
        }
    }

    private void rethrow() throws SQLException {
        Exception f;
        synchronized (lock) {
            f = failure;
        }
        if (f instanceof SQLException s) {
            throw s;
        }
        if (f instanceof RuntimeException r) {
            throw r;
        }
    }

    /** Stops every channel; chunks not yet committed roll back. Idempotent. */
    @Override
    public void close() {
        fail(new SQLException("the applier stops", "08000"));
        for (Channel ch : channels) {
            if (ch.thread != null) {
                ch.thread.interrupt();
            }
        }
        for (Channel ch : channels) {
            if (ch.thread != null) {
                try {
                    ch.thread.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                ch.connection.close();
            } catch (SQLException e) {
                LOG.debug("closing channel {}: {}", ch.id, e.getMessage());
            }
        }
    }

    /** The first failure wins; every chunk still open then rolls back. */
    private void fail(Exception e) {
        synchronized (lock) {
            if (failure == null) {
                failure = e;
            }
            lock.notifyAll();
        }
    }

    private void awaitCommitted(long index) throws Aborted, InterruptedException {
        synchronized (lock) {
            while (committed < index && failure == null) {
                lock.wait();
            }
            if (committed < index) {
                throw new Aborted();
            }
        }
    }

    /** Each channel's progress, for {@code trepctl status -name tasks}: one line per channel number. */
    List<io.tantalum.replicator.internal.Pipeline.ChannelProgress> progress() {
        return channels.stream().map(ch -> new io.tantalum.replicator.internal.Pipeline.ChannelProgress(ch.id,
                ch.lastSeqno, ch.transactions)).toList();
    }

    Map<Integer, String> describe() {
        Map<Integer, String> all = new LinkedHashMap<>();
        for (Channel ch : channels) {
            all.put(ch.id, "applied seqno " + ch.lastSeqno + ", " + ch.transactions + " transaction(s) in " + ch.chunks
                    + " commit(s), " + ch.retries + " retried, ms waiting for rows/applying/waiting to commit/committing "
                    + ch.nanos[0] / 1_000_000 + "/" + ch.nanos[1] / 1_000_000 + "/" + ch.nanos[2] / 1_000_000 + "/"
                    + ch.nanos[3] / 1_000_000 + ", " + ch.state);
        }
        return all;
    }

    private final class Channel {
        final int id;
        final Connection connection;
        final RowSql rows;
        Thread thread;
        volatile String state = "idle";
        volatile long lastSeqno = -1;
        volatile long chunks;
        volatile long transactions;
        volatile long retries;
        /** Time spent waiting for earlier chunks that touched the same rows, applying, waiting to commit, committing. */
        final long[] nanos = new long[4];

        Channel(int id, Connection c) throws SQLException {
            this.id = id;
            this.connection = c;
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                // row changes only, found by primary key: no gap locks needed, and a lock held by a later
                // chunk (a dependency the keys cannot see) must not stall the oldest one for long
                s.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
                s.execute("SET SESSION innodb_lock_wait_timeout=" + LOCK_WAIT_SECONDS);
            }
            this.rows = new RowSql(c, applier.binlogApply(), JdbcApplier.maxAllowedPacket(c));
        }

        void run() {
            try {
                while (true) {
                    state = "idle";
                    Chunk k = queue.take();
                    apply(k);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // anything else (a THL event the applier cannot turn into SQL, say) stops the applier with
                // it, as on one connection, instead of leaving the applier waiting for this channel
                rollback();
                fail(io.tantalum.common.TantalumException.wrap(e, io.tantalum.common.ErrorCode.INTERNAL,
                        "Apply channel " + id + " failed"));
            } finally {
                state = "stopped";
                rows.discard();
            }
        }

        private void apply(Chunk k) throws InterruptedException {
            boolean retried = false;
            while (true) {
                try {
                    applyOnce(k);
                    return;
                } catch (Aborted a) {
                    rollback();
                    return;
                } catch (ApplyException | ApplyAgain e) {
                    // already rolled back; an earlier chunk still open may explain it: apply again after it
                    if (!retried && !oldest(k)) {
                        retried = true;
                        retries++;
                        LOG.debug("channel {}: chunk ending at seqno {} failed while earlier ones were open ({});"
                                + " applying it again after them", id, k.last().seqno(), e.getMessage());
                        try {
                            awaitCommitted(k.index - 1);
                        } catch (Aborted a) {
                            return;
                        }
                        continue;
                    }
                    fail(e instanceof ApplyException a && conflict(a)
                            ? ApplyAgain.conflict(k.last().seqno(), (SQLException) a.getCause()) : e);
                    return;
                } catch (SQLException e) {
                    rollback();
                    fail(e); // the connection is lost: the applier reconnects and goes on from the position
                    return;
                }
            }
        }

        private void applyOnce(Chunk k) throws Aborted, InterruptedException, SQLException {
            long waited = 0;
            long t0 = System.nanoTime();
            for (Txn t : k.txns) {
                state = "waiting for chunk " + t.after();
                long w = System.nanoTime();
                awaitCommitted(t.after());
                waited += System.nanoTime() - w;
                state = "applying seqno " + t.event().seqno();
                applier.applyEvent(connection, rows, t.event(), false, 0);
            }
            applier.flush(connection, rows, k.last());
            long t1 = System.nanoTime();
            state = "waiting for its turn to commit";
            awaitCommitted(k.index - 1);
            long t2 = System.nanoTime();
            nanos[0] += waited;
            nanos[1] += t1 - t0 - waited;
            nanos[2] += t2 - t1;
            AppliedPosition p = JdbcApplier.position(k.last());
            applier.catalog().write(connection, p);
            connection.commit();
            nanos[3] += System.nanoTime() - t2;
            synchronized (lock) {
                committed = k.index;
                lock.notifyAll();
            }
            lastSeqno = k.last().seqno();
            chunks++;
            transactions += k.txns.size();
            committedCallback.accept(p);
        }

        private boolean oldest(Chunk k) {
            synchronized (lock) {
                return committed == k.index - 1;
            }
        }

        private void rollback() {
            rows.discard();
            try {
                connection.rollback();
            } catch (SQLException e) {
                LOG.debug("channel {}: rollback: {}", id, e.getMessage());
            }
        }
    }

    private static boolean conflict(ApplyException e) {
        if (e.getCause() instanceof SQLException s) {
            for (int code : CONFLICT_CODES) {
                if (s.getErrorCode() == code) {
                    return true;
                }
            }
        }
        return false;
    }
}
