package io.tantalum.replicator.internal.apply;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import io.tantalum.replicator.OfflineTrigger;
import io.tantalum.replicator.internal.Jdbc;
import io.tantalum.replicator.internal.PipelineListener;
import io.tantalum.replicator.internal.PipelineListener.Stage;
import io.tantalum.replicator.internal.StageClock;
import io.tantalum.thl.ThlCursor;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a slave's local THL to its database over JDBC, restart-safe: the applied position is
 * written to {@code trep_commit_seqno} in the same transaction as the data. Block commit groups
 * up to {@code blockSize} source transactions (never splitting one) per database commit, and
 * commits at once when the THL has nothing more to offer.
 *
 * <p>Thread-safety: runs on its own thread; {@link #stop}, {@link #applied} may be called from any
 * thread. An apply failure stops the thread and is reported once through the failure callback.
 */
public final class JdbcApplier {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcApplier.class);
    private static final int MAX_QUEUED_STATEMENTS = 1000;
    private static final long MAX_QUEUED_BYTES = 8L << 20;
    private static final Set<Integer> DDL_ALREADY_DONE = Set.of(1050, 1051, 1007, 1008, 1060, 1091, 1061, 1146);

    /**
     * Connection and batching settings.
     *
     * @param binlogApply replay the master's binlog events with BINLOG where the THL carries them
     *     (MariaDB targets); false applies every row change as SQL
     * @param channels connections that apply transactions at the same time ({@link ApplyChannels});
     *     1 applies them one after the other on one connection
     */
    public record Options(String jdbcUrl, String user, String password, String service, int blockSize,
            long blockMillis, Set<Long> skipSeqnos, boolean binlogApply, int channels) {}

    private final Options options;
    private final ThlLog log;
    private final PipelineListener listener;
    private final Supplier<OfflineTrigger> trigger;
    private final Catalog catalog;
    private final StageClock clock;
    private volatile AppliedPosition applied = AppliedPosition.NONE;
    private volatile boolean stopRequested;
    /** Whether the small binlog_cache_size was already reported by this applier. */
    private boolean binlogCacheWarned;
    private volatile boolean immediate;
    private volatile ApplyChannels channels;
    /**
     * After a lock conflict between channels, or a failed BINLOG statement of several transactions:
     * transactions up to this seqno are applied one at a time ({@link ApplyAgain}).
     */
    private long serialUntil = -1;
    private Thread thread;

    /** {@code clock}: when the THL writer received and stored each transaction (stage times). */
    public JdbcApplier(Options options, ThlLog log, PipelineListener listener,
            Supplier<OfflineTrigger> trigger, StageClock clock) {
        this.options = options;
        this.clock = clock;
        this.log = log;
        this.listener = listener;
        this.trigger = trigger;
        this.catalog = new Catalog(options.service());
    }

    public Connection connect() throws SQLException {
        Connection c = Jdbc.connect(options.jdbcUrl(), options.user(), options.password());
        try (Statement s = c.createStatement()) {
            // @tantalum_applier lets triggers tell the applier's writes apart (docs/operations/triggers.md);
            // ALTERs of system-versioned tables that the master ran are run here too, as a native slave does;
            // no annotation in this slave's binlog (MariaDB only): it would hold each statement's text, for a
            // BINLOG statement its events again in base64, more than doubling the binlog (docs/fidelity.md)
            s.execute("SET SESSION time_zone='+00:00', sql_mode='" + RowSql.DEFAULT_SQL_MODE + "', names utf8mb4,"
                    + " system_versioning_alter_history=KEEP, @tantalum_applier='" + options.service() + "'"
                    + " /*M!100101 , binlog_annotate_row_events=OFF */");
        }
        return c;
    }

    /** Reads the applied position from the database (creating the catalog if needed). */
    public AppliedPosition readPosition() {
        try (Connection c = connect()) {
            catalog.create(c);
            applied = catalog.read(c);
            return applied;
        } catch (SQLException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read the applied position from "
                    + options.jdbcUrl() + " (" + e.getMessage() + ", SQLSTATE " + e.getSQLState()
                    + "). Check that the database is up and the user has all privileges on "
                    + catalog.schema() + ".", e);
        }
    }

    public Catalog catalog() {
        return catalog;
    }

    public AppliedPosition applied() {
        return applied;
    }

    public void start(String name) {
        thread = Threads.start(name + "-applier", this::run);
    }

    /** Stops at the next transaction boundary (or at once, rolling back, when immediate). */
    public void stop(boolean now) {
        immediate = now;
        stopRequested = true;
        log.wakeReaders(); // the applier may be waiting up to 200 ms for the next record
        if (thread != null) {
            try {
                thread.join(now ? 10_000 : 60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        ThlEvent current = null;
        long retryDelay = 500;
        while (!stopRequested) {
            try (Connection c = connect()) {
                c.setAutoCommit(false);
                catalog.create(c);
                applied = catalog.read(c);
                LOG.info("applying THL from seqno={} to {}", applied.seqno() + 1, options.jdbcUrl());
                applyLoop(c);
                return;
            } catch (ApplyException e) {
                listener.failed(e);
                return;
            } catch (ApplyAgain e) {
                serialUntil = e.lastSeqno;
                LOG.info("{}; rolled back, applying up to seqno {} one transaction at a time", e.getMessage(),
                        e.lastSeqno);
            } catch (SQLException e) {
                // the database went away: retry with backoff; the position is safe in the database
                LOG.warn("applier lost its database connection ({}); retrying in {}ms", e.getMessage(), retryDelay);
                Threads.sleep(retryDelay);
                retryDelay = Math.min(retryDelay * 2, 5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("applier failed after seqno {}", applied.seqno(), e); // a defect: keep its stack trace
                listener.failed(TantalumException.wrap(e, ErrorCode.INTERNAL, "Applier failed after seqno "
                        + applied.seqno() + (current == null ? "" : " at seqno " + current.seqno())));
                return;
            }
        }
    }

    private void applyLoop(Connection c) throws SQLException, InterruptedException {
        RowSql rows = new RowSql(c, options.binlogApply(), maxAllowedPacket(c));
        rows.separateUntil(serialUntil);
        warnIfBinlogCacheSmall(c);
        ApplyChannels ch = options.channels() > 1 ? new ApplyChannels(this, options.channels(), p -> applied = p)
                : null;
        channels = ch;
        Block block = new Block(c, rows);
        boolean firstEvent = true;
        boolean midTxn = false;
        long txnTaken = 0;
        try (ThlCursor cursor = eager() ? log.writtenCursor(applied.seqno() + 1) : log.cursor(applied.seqno() + 1)) {
            while (true) {
                if (stopRequested && (immediate || !midTxn)) {
                    if (ch != null && !immediate) {
                        ch.barrier(false);
                    }
                    if (immediate) {
                        block.rollback();
                    } else {
                        block.commit();
                    }
                    return;
                }
                ThlRecord r = cursor.next(block.txns > 0 || (ch != null && ch.filling()) ? 0 : 200);
                if (r == null) {
                    if (stopRequested) {
                        // mid-transaction, and the rest of it is not stored: roll back, it is applied whole later
                        block.rollback();
                        return;
                    }
                    if (!midTxn) {
                        block.commit(); // nothing more in the THL: commit what is applied at once
                    }
                    if (ch != null) {
                        ch.flush();
                    }
                    continue;
                }
                if (r.seqno() <= applied.seqno()) {
                    continue;
                }
                ThlEvent e = r.decode();
                txnTaken = midTxn ? txnTaken : System.nanoTime();
                if (r.lastFrag()) {
                    timeArrival(e);
                }
                if (ch != null && !midTxn && routed(c, ch, r, e, block)) {
                    firstEvent = false;
                    continue;
                }
                // a statement, and a transaction the operator skips, are committed on their own: a
                // skip must be recorded even when the next transaction fails and rolls its block back
                boolean skipped = options.skipSeqnos().contains(e.seqno());
                boolean statement = skipped || hasStatement(e);
                if (statement) {
                    block.commit();
                    if (!awaitDurable(e.seqno())) { // a statement commits as it runs
                        block.rollback();
                        return;
                    }
                }
                if (skipped) {
                    LOG.warn("skipping seqno={} eventId={} as the operator asked (online -skip-seqno)", e.seqno(),
                            e.eventId());
                } else {
                    applyEvent(c, rows, e, firstEvent, block.txns);
                }
                firstEvent = false;
                midTxn = !e.lastFrag();
                if (e.lastFrag() && block.ended(e, txnTaken, statement)) {
                    return;
                }
            }
        } finally {
            rows.discard();
            if (ch != null) {
                channels = null;
                ch.close();
            }
        }
    }

    /**
     * Queues a whole transaction whose rows are known to a channel (true, after committing the open
     * block); anything else waits for the channels to commit everything before it, to be applied on
     * the applier's own connection, alone (false).
     */
    private boolean routed(Connection c, ApplyChannels ch, ThlRecord r, ThlEvent e, Block block)
            throws SQLException, InterruptedException {
        java.util.Set<String> keys = parallel(r, e) ? TxnKeys.of(e, ch.foreignKeyTables(c)) : null;
        if (keys == null) {
            ch.barrier(hasStatement(e));
            return false;
        }
        block.commit();
        ch.add(e, keys, r.body().length, options.blockSize(), options.blockMillis());
        return true;
    }

    /**
     * The transactions applied on the applier's connection and not committed yet: block commit, up
     * to blockSize transactions or blockMillis, committed with the applied position.
     */
    private final class Block {
        private final Connection c;
        private final RowSql rows;
        /** When each transaction of the block had its statements sent ({@link System#nanoTime}), for COMMIT times. */
        private final java.util.List<Long> sent = new java.util.ArrayList<>();
        private int txns;
        private long startMillis;
        private ThlEvent last;

        Block(Connection c, RowSql rows) {
            this.c = c;
            this.rows = rows;
        }

        /**
         * A transaction's statements are sent ({@code taken}: when the applier took it): commits the
         * block when it is full, after a statement, or at a deferred offline point (then true: stop).
         */
        boolean ended(ThlEvent lastFragment, long taken, boolean statement) throws SQLException, InterruptedException {
            last = lastFragment;
            long now = System.nanoTime();
            listener.stage(Stage.APPLY, now - taken);
            sent.add(now);
            if (txns++ == 0) {
                startMillis = System.currentTimeMillis();
            }
            OfflineTrigger t = trigger.get();
            boolean stopHere = t != null && t.matches(lastFragment);
            if (stopHere || statement || txns >= options.blockSize()
                    || System.currentTimeMillis() - startMillis >= options.blockMillis()) {
                commit();
            }
            if (stopHere) {
                listener.offlinePointReached("deferred offline reached at seqno " + lastFragment.seqno() + " ("
                        + t.describe() + ")");
            }
            return stopHere;
        }

        /** Commits the block with the position of its last transaction (nothing when it is empty). */
        void commit() throws SQLException, InterruptedException {
            if (txns == 0) {
                return;
            }
            AppliedPosition p = position(last);
            // the position goes in the block's last batch: one round trip fewer than a statement of its own
            rows.queueOwn(catalog.writeSql(p), new RowSql.Origin(last.seqno(), last.eventId(),
                    () -> "the applied position of the block ending at seqno " + last.seqno()));
            flush(c, rows, last);
            if (!awaitDurable(last.seqno())) {
                rollback(); // stopping, and the THL writer never made it durable: applied again after the restart
                return;
            }
            c.commit();
            applied = p;
            long committed = System.nanoTime();
            for (long s : sent) {
                listener.stage(Stage.COMMIT, committed - s);
            }
            forget();
            LOG.debug("committed block up to seqno={}", p.seqno());
        }

        void rollback() throws SQLException {
            c.rollback();
            forget();
        }

        private void forget() {
            txns = 0;
            sent.clear();
        }
    }

    /**
     * With one channel the applier reads its THL as soon as records are written, and sends a block's
     * statements while the THL writer's fsync runs; it commits (and runs a statement, which commits
     * as it runs) only once the block is durable in the THL ({@link #awaitDurable}), so that the
     * database never holds a transaction the THL could lose: restart-safe as before, one fsync's
     * time sooner. Parallel channels read durable records only.
     */
    public boolean eager() {
        return options.channels() <= 1;
    }

    /**
     * Waits until every fragment of {@code seqno} is durable in the THL (at once when not {@link #eager}).
     * False when the applier is stopping and it did not become durable within 10 s (the THL writer
     * failed or stopped): the caller rolls back.
     */
    private boolean awaitDurable(long seqno) throws InterruptedException {
        if (!eager()) {
            return true;
        }
        long stoppingSince = 0;
        while (log.maxCompleteSeqno() < seqno) {
            if (stopRequested) {
                long now = System.nanoTime();
                stoppingSince = stoppingSince == 0 ? now : stoppingSince;
                if (immediate || now - stoppingSince > 10_000_000_000L) {
                    LOG.warn("seqno={} is not durable in the THL; rolling back its block", seqno);
                    return false;
                }
            }
            log.awaitCompleteAfter(seqno - 1, 200);
        }
        return true;
    }

    /** SHIP and WAIT times of a transaction the applier takes, when its THL writer timed its arrival. */
    private void timeArrival(ThlEvent lastFragment) {
        StageClock.Arrival a = clock.take(lastFragment.seqno());
        if (a != null) {
            listener.stage(Stage.SHIP, Math.max(0, a.receivedMillis() - lastFragment.extractTstamp()) * 1_000_000L);
            listener.stage(Stage.WAIT, Math.max(0, System.nanoTime() - a.availableNanos()));
        }
    }

    /** True when a channel may apply this record: a whole, not too large transaction nothing special applies to. */
    private boolean parallel(ThlRecord r, ThlEvent e) {
        return r.fragno() == 0 && r.lastFrag() && r.body().length <= ApplyChannels.MAX_CHUNK_BYTES
                && e.seqno() > serialUntil && !options.skipSeqnos().contains(e.seqno()) && trigger.get() == null;
    }

    /** Each channel's progress by channel number (empty when transactions are applied on one connection). */
    public java.util.List<io.tantalum.replicator.internal.Pipeline.ChannelProgress> channelProgress() {
        ApplyChannels ch = channels;
        return ch == null ? java.util.List.of() : ch.progress();
    }

    public java.util.Map<Integer, String> channels() {
        ApplyChannels ch = channels;
        return ch == null ? java.util.Map.of() : ch.describe();
    }

    /**
     * Below this binlog_cache_size, a block commit of sysbench-sized transactions (100 take ~130 KiB of
     * binlog events) spills to a temporary file; tpm validate's BinlogCacheCheck uses the same figure.
     */
    public static final long BINLOG_CACHE_BYTES = 1L << 20;

    /**
     * Says once per start when the database's binlog_cache_size is too small for a block: each commit
     * whose binlog events do not fit is written to a temporary file first (tpm validate's BinlogCacheCheck).
     */
    private void warnIfBinlogCacheSmall(Connection c) throws SQLException {
        if (options.blockSize() <= 1 || binlogCacheWarned) {
            return;
        }
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT @@binlog_cache_size")) {
            rs.next();
            long size = rs.getLong(1);
            if (size < BINLOG_CACHE_BYTES) {
                binlogCacheWarned = true;
                LOG.warn("binlog_cache_size is {} bytes: a block of up to {} transactions whose binlog events do not"
                        + " fit goes through a temporary file at each commit (measured: 3.5 ms a block instead of 1.5)."
                        + " Set binlog_cache_size=1M on this database", size, options.blockSize());
            }
        }
    }

    static long maxAllowedPacket(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT @@max_allowed_packet")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean hasStatement(ThlEvent e) {
        return e.changes().stream().anyMatch(ch -> ch instanceof ThlEvent.StatementChange);
    }

    void applyEvent(Connection c, RowSql rows, ThlEvent e, boolean firstEvent, int pendingTxns)
            throws SQLException {
        for (ThlEvent.Change ch : e.changes()) {
            try {
                if (ch instanceof ThlEvent.RowChange rc) {
                    rows.apply(rc, new RowSql.Origin(e.seqno(), e.eventId(), () -> describe(ch)));
                    if (rows.pendingCount() >= MAX_QUEUED_STATEMENTS || rows.pendingBytes() >= MAX_QUEUED_BYTES) {
                        rows.flush();
                    }
                } else if (ch instanceof ThlEvent.SessionChange ss) {
                    rows.session(ss, new RowSql.Origin(e.seqno(), e.eventId(), () -> describe(ch)));
                } else if (ch instanceof ThlEvent.BinlogFormatChange f) {
                    rows.format(f, new RowSql.Origin(e.seqno(), e.eventId(), () -> describe(ch)));
                } else if (ch instanceof ThlEvent.StatementChange sc) {
                    rows.flush();
                    if (pendingTxns > 0) {
                        throw new IllegalStateException("statement inside an open block");
                    }
                    execute(rows, sc, e, firstEvent);
                }
            } catch (SQLException ex) {
                throw failure(c, rows, ex, new RowSql.Origin(e.seqno(), e.eventId(), () -> describe(ch)));
            }
        }
        rows.endEvent(e.seqno(), e.eventId());
        listener.applied(e);
    }

    /**
     * Runs a statement. One that failed on the master (logged with its error code because it had
     * already changed something) must fail here with the same error, as on a native slave.
     */
    private static void execute(RowSql rows, ThlEvent.StatementChange sc, ThlEvent e, boolean firstEvent)
            throws SQLException {
        try {
            rows.execute(sc);
        } catch (SQLException ex) {
            if (sc.errorCode() != 0 && ex.getErrorCode() == sc.errorCode()) {
                LOG.info("statement at seqno={} failed with error {} as it did on the master; continuing", e.seqno(),
                        sc.errorCode());
                return;
            }
            if (!(firstEvent && DDL_ALREADY_DONE.contains(ex.getErrorCode()))) {
                throw ex;
            }
            LOG.warn("statement at seqno={} had already run before the restart ({}); continuing", e.seqno(),
                    ex.getMessage());
            return;
        }
        if (sc.errorCode() != 0) {
            throw new SQLException("the statement failed on the master with error " + sc.errorCode()
                    + " but succeeded on this slave, so the two differ now", "HY000", sc.errorCode());
        }
    }

    /**
     * Maps a failed statement to the error that stops the applier (rolling back the block), or
     * returns the exception itself when the connection was lost (the applier reconnects), or, when
     * the statement carried several transactions' binlog events, {@link ApplyAgain} (rolled back:
     * applied again one transaction at a time, the failure then names its own transaction).
     */
    private static SQLException failure(Connection c, RowSql rows, SQLException ex, RowSql.Origin where) {
        SQLException cause = ex instanceof RowSql.BatchFailure bf && bf.getCause() instanceof SQLException s ? s : ex;
        if (isConnectionLoss(ex)) {
            rows.discard();
            return new java.sql.SQLNonTransientConnectionException("connection lost: " + cause.getMessage(), "08000",
                    cause);
        }
        RowSql.Origin o = ex instanceof RowSql.BatchFailure bf ? bf.origin() : where;
        rows.discard();
        rollbackQuietly(c);
        if (o.firstSeqno() < o.seqno()) {
            return ApplyAgain.merged(o.firstSeqno(), o.seqno(), cause);
        }
        throw new ApplyException("Cannot apply seqno " + o.seqno() + " (event id " + o.eventId() + ") to " + o.what()
                + ": " + cause.getMessage() + " (error " + cause.getErrorCode() + ", SQLSTATE " + cause.getSQLState()
                + "). Nothing from this seqno on was applied. Fix the data on this slave and run `trepctl online`, or"
                + " skip this transaction with `trepctl online -skip-seqno " + o.seqno() + "`.", o.seqno(),
                o.eventId(), cause);
    }

    /** True when the exception (or any cause, or a batch's next exception) says the connection is gone. */
    private static boolean isConnectionLoss(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLNonTransientConnectionException
                    || t instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException s) {
                if (s.getSQLState() != null && s.getSQLState().startsWith("08")) {
                    return true;
                }
                if (s.getNextException() != null && s.getNextException() != t && isConnectionLoss(s.getNextException())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String describe(ThlEvent.Change ch) {
        if (ch instanceof ThlEvent.RowChange rc) {
            return rc.action() + " on " + rc.schema() + "." + rc.table();
        }
        if (ch instanceof ThlEvent.SessionChange ss) {
            return "session settings " + ss.settings();
        }
        if (ch instanceof ThlEvent.BinlogFormatChange) {
            return "the master's binlog format description";
        }
        String sql = ((ThlEvent.StatementChange) ch).sql();
        return "statement '" + (sql.length() > 120 ? sql.substring(0, 120) + "..." : sql) + "'";
    }

    /** Sends the statements still queued for a block ending at {@code last}. */
    void flush(Connection c, RowSql rows, ThlEvent last) throws SQLException {
        try {
            rows.flush();
        } catch (SQLException ex) {
            throw failure(c, rows, ex, new RowSql.Origin(last.seqno(), last.eventId(), () -> "the block ending at seqno "
                    + last.seqno()));
        }
    }

    /** The applied position once {@code last} is committed. */
    static AppliedPosition position(ThlEvent last) {
        return new AppliedPosition(last.seqno(), last.epoch(), last.eventId(), last.sourceId(), last.sourceTstamp(),
                System.currentTimeMillis());
    }

    boolean binlogApply() {
        return options.binlogApply();
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.warn("rollback failed: {}", e.getMessage());
        }
    }
}
