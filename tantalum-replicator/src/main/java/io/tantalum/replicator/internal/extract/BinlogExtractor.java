package io.tantalum.replicator.internal.extract;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.MariadbGtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializationException;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.OfflineTrigger;
import io.tantalum.replicator.internal.PipelineListener;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlRecord;
import io.tantalum.thl.ThlWriter;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams a MariaDB master's row binlog from a saved position and turns each source transaction
 * (GTID ... XID/COMMIT, or a standalone DDL) into THL events with contiguous seqnos, split into
 * fragments of at most {@code fragmentRows} rows. Events go to the {@link ThlWriter}; a failure
 * (parse error, lost connection) stops extraction and is reported once to the failure callback.
 *
 * <p>Thread-safety: the binlog client's thread does all the work; {@link #stop} and
 * {@link #currentEventId} may be called from any thread.
 */
public final class BinlogExtractor {
    private static final Logger LOG = LoggerFactory.getLogger(BinlogExtractor.class);

    /**
     * Connection and shaping settings, and what extraction needs to know of its source.
     *
     * @param charsets the source's collations by id (statements are decoded from their session's
     *     character_set_client, and carry their collations by name)
     * @param systemOffset the source's SYSTEM time zone as an offset such as "+01:00"
     */
    public record Options(String host, int port, String user, String password, long serverId, String sourceId,
            int fragmentRows, String ignoredSchemaPrefix, String catalogSchema,
            Map<Integer, SourceCharsets.Collation> charsets,
            String systemOffset, SemiSyncAcker.StoredBySlaves semiSync) {}

    private final Options options;
    private final ThlWriter writer;
    private final PipelineListener listener;
    private final Supplier<OfflineTrigger> trigger;
    private final SemiSyncAcker.Client client;
    private final RawEventDeserializer deserializer = MariaDbRowDeserializers.create();
    /** Acknowledges the master's semi-synchronous commits once a slave stored them; null when asynchronous. */
    private final SemiSyncAcker acker;
    private final SourceSession sourceSession;
    private final Map<Long, TableMapEventData> tables = new HashMap<>();
    /** Column specs of each table map, computed once per TABLE_MAP event rather than per row event. */
    private final Map<Long, List<ThlEvent.ColumnSpec>> columns = new HashMap<>();
    private final long epoch;
    private volatile boolean stopping;
    /** When the binlog connection last delivered an event (the server's heartbeats included). */
    private volatile long lastEventNanos = System.nanoTime();
    /** The server sends a heartbeat event after this long without binlog events. */
    static final long HEARTBEAT_MILLIS = 1000;
    /**
     * Nothing for this long, not even a heartbeat: the database hangs (stopped, or stuck on its
     * disk). Its sockets stay open, so nothing else would notice; extraction fails, the THL server
     * stops with it, and the slaves, losing THL, let the failover detector see a dead master.
     */
    static final long STALL_MILLIS = 3000;
    private volatile String currentEventId;
    private volatile long lastSeqno;
    private String file;
    private long nextSeqno;
    // the transaction being assembled
    private boolean inTxn;
    private boolean standalone;
    private String gtid;
    private long txnTstamp;
    private int fragno;
    private int fragRows;
    private List<ThlEvent.Change> changes = new ArrayList<>();
    private String heartbeat;
    // the session settings in force for the changes of the fragment being assembled
    private Map<String, String> session = Map.of();
    // the checks the current rows event's session had turned off, as the settings of its changes
    private Map<String, String> pendingSession = Map.of();
    // the master's FORMAT_DESCRIPTION event, which a slave replays before the binlog events it carries
    private byte[] formatDescription;
    // the statement being read: its table map events not carried yet, whether it touches tables
    // Tantalum skips and tables it replicates, and whether its rows events travel as binlog events
    private final List<byte[]> statementMaps = new ArrayList<>();
    private boolean statementSkipsTables;
    private boolean statementReplicatesTables;
    private Boolean statementBinlog;

    /** Where extraction starts and what it numbers the next transaction. */
    public record Start(BinlogPosition position, long nextSeqno, long epoch) {}

    public BinlogExtractor(Options options, Start start, ThlWriter writer, PipelineListener listener,
            Supplier<OfflineTrigger> trigger) {
        this(options, start.position(), start.nextSeqno(), start.epoch(), writer, listener, trigger);
    }

    private BinlogExtractor(Options options, BinlogPosition start, long nextSeqno, long epoch, ThlWriter writer,
            PipelineListener listener, Supplier<OfflineTrigger> trigger) {
        this.options = options;
        this.sourceSession = new SourceSession(options.charsets(), options.systemOffset());
        this.writer = writer;
        this.listener = listener;
        this.trigger = trigger;
        this.nextSeqno = nextSeqno;
        this.lastSeqno = nextSeqno - 1;
        this.epoch = epoch;
        this.file = start.file();
        this.currentEventId = start.toEventId();
        client = new SemiSyncAcker.Client(options.host(), options.port(), options.user(), options.password(),
                deserializer, options.semiSync() != null);
        acker = options.semiSync() != null ? new SemiSyncAcker(client, options.semiSync()) : null;
        client.setServerId(options.serverId());
        client.setBinlogFilename(start.file());
        client.setBinlogPosition(start.offset());
        client.setKeepAlive(false);
        client.setHeartbeatInterval(HEARTBEAT_MILLIS);
        client.registerEventListener(this::onEvent);
        client.registerLifecycleListener(new BinaryLogClient.AbstractLifecycleListener() {
            @Override
            public void onEventDeserializationFailure(BinaryLogClient c, Exception ex) {
                fail(new TantalumException(ErrorCode.DATA_LOSS, "Cannot parse the binlog of " + where() + " after "
                        + currentEventId + ": " + ex + ". Extraction stopped there; nothing after it was stored.", ex));
            }

            @Override
            public void onCommunicationFailure(BinaryLogClient c, Exception ex) {
                if (ex instanceof EventDataDeserializationException) {
                    onEventDeserializationFailure(c, ex);
                    return;
                }
                fail(new TantalumException(ErrorCode.UNAVAILABLE, "Lost the binlog connection to " + where() + " after "
                        + currentEventId + " (" + ex + "). Check that the database is up: auto-recovery (or"
                        + " `trepctl online`) resumes extraction at the last stored transaction.", ex));
            }

            @Override
            public void onDisconnect(BinaryLogClient c) {
                if (!stopping) {
                    fail(new TantalumException(ErrorCode.UNAVAILABLE, "Lost the binlog connection to " + where()
                            + " after " + currentEventId + ". Check that the database is up: auto-recovery (or"
                            + " `trepctl online`) resumes extraction at the last stored transaction."));
                }
            }
        });
    }

    private String where() {
        return options.host() + ":" + options.port();
    }

    /** Connects and starts streaming; throws if the master cannot be reached in time. */
    public void start() {
        try {
            client.connect(15_000);
        } catch (IOException | TimeoutException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read the binlog of " + where() + " as user "
                    + options.user() + " from " + currentEventId + ": " + e.getMessage()
                    + ". Check that the database runs with log_bin and that the user has REPLICATION SLAVE.", e);
        }
        LOG.info("extracting binlog from {} at {} nextSeqno={} epoch={}{}", where(), currentEventId, nextSeqno, epoch,
                acker != null ? ", semi-synchronous" : "");
        if (acker != null) {
            acker.start("tantalum-semisync-acker");
        }
        lastEventNanos = System.nanoTime();
        Thread watchdog = new Thread(this::watch, "tantalum-binlog-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** Fails extraction when the binlog connection has been silent for {@link #STALL_MILLIS}. */
    private void watch() {
        while (!stopping) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long silent = (System.nanoTime() - lastEventNanos) / 1_000_000;
            if (silent > STALL_MILLIS && !stopping) {
                fail(new TantalumException(ErrorCode.UNAVAILABLE, "The binlog connection to " + where() + " has sent"
                        + " nothing for " + silent + " ms, not even the heartbeat the server sends every "
                        + HEARTBEAT_MILLIS + " ms when idle: the database hangs (stopped, overloaded, or stuck on its"
                        + " disk). Extraction stopped after " + currentEventId + "; auto-recovery (or `trepctl"
                        + " online`) resumes at the last stored transaction once the database answers."));
                return;
            }
        }
    }

    /** Disconnects; a transaction that was being assembled is dropped (it is re-read on restart). */
    public void stop() {
        stopping = true;
        if (acker != null) {
            acker.stop();
        }
        try {
            client.disconnect();
        } catch (IOException e) {
            LOG.warn("binlog disconnect failed: {}", e.toString());
        }
    }

    public String currentEventId() {
        return currentEventId;
    }

    /** The seqno of the last transaction handed to the THL writer. */
    public long lastSeqno() {
        return lastSeqno;
    }

    private void fail(RuntimeException e) {
        if (!stopping) {
            stopping = true;
            listener.failed(e);
            new Thread(this::stop, "tantalum-extractor-stop").start();
        }
    }

    private void onEvent(Event event) {
        lastEventNanos = System.nanoTime();
        if (stopping) {
            return;
        }
        try {
            handle(event);
            if (acker != null && deserializer.ackRequested()) {
                // handled: the transaction this event ends is with the THL writer as lastSeqno
                long end = event.getHeader() instanceof EventHeaderV4 h ? h.getNextPosition() : 0;
                acker.requested(file, end, lastSeqno);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(new TantalumException(ErrorCode.ABORTED, "extraction interrupted", e));
        } catch (RuntimeException e) {
            fail(TantalumException.wrap(e, ErrorCode.INTERNAL, "Extraction failed at " + currentEventId));
        }
    }

    private void handle(Event event) throws InterruptedException {
        EventType type = event.getHeader().getEventType();
        long next = event.getHeader() instanceof EventHeaderV4 h ? h.getNextPosition() : 0;
        switch (type) {
            case ROTATE -> file = ((RotateEventData) event.getData()).getBinlogFilename();
            case FORMAT_DESCRIPTION -> formatDescription = deserializer.lastEvent();
            case MARIADB_GTID -> {
                MariadbGtidEventData g = event.getData();
                // the server id is the event header's (the library leaves the data's field at 0)
                beginTxn(g.getDomainId() + "-" + event.getHeader().getServerId() + "-" + g.getSequence(),
                        (g.getFlags() & MariadbGtidEventData.FL_STANDALONE) != 0, event.getHeader().getTimestamp());
            }
            case TABLE_MAP -> {
                TableMapEventData t = event.getData();
                tables.put(t.getTableId(), t);
                columns.put(t.getTableId(), RowConverter.columns(t));
                statementMaps.add(deserializer.lastEvent());
                if (ignored(t.getDatabase())) {
                    statementSkipsTables = true;
                } else {
                    statementReplicatesTables = true;
                }
            }
            case WRITE_ROWS, EXT_WRITE_ROWS -> {
                WriteRowsEventData d = event.getData();
                var cols = columnsOf(d.getTableId());
                BitSet z = deserializer.compressed(d.getTableId());
                List<Object[][]> rows = new ArrayList<>();
                for (Serializable[] r : d.getRows()) {
                    rows.add(new Object[][] {null, RowConverter.values(cols, d.getIncludedColumns(), r, z)});
                }
                onRows(d, d.getTableId(), ThlEvent.Action.INSERT, rows);
            }
            case UPDATE_ROWS, EXT_UPDATE_ROWS -> {
                UpdateRowsEventData d = event.getData();
                var cols = columnsOf(d.getTableId());
                BitSet z = deserializer.compressed(d.getTableId());
                BitSet before = d.getIncludedColumnsBeforeUpdate();
                List<Object[][]> rows = new ArrayList<>();
                for (Map.Entry<Serializable[], Serializable[]> r : d.getRows()) {
                    rows.add(new Object[][] {RowConverter.values(cols, before, r.getKey(), z),
                        RowConverter.values(cols, d.getIncludedColumns(), r.getValue(), z)});
                }
                onRows(d, d.getTableId(), ThlEvent.Action.UPDATE, rows);
            }
            case DELETE_ROWS, EXT_DELETE_ROWS -> {
                DeleteRowsEventData d = event.getData();
                var cols = columnsOf(d.getTableId());
                BitSet z = deserializer.compressed(d.getTableId());
                List<Object[][]> rows = new ArrayList<>();
                for (Serializable[] r : d.getRows()) {
                    rows.add(new Object[][] {RowConverter.values(cols, d.getIncludedColumns(), r, z), null});
                }
                onRows(d, d.getTableId(), ThlEvent.Action.DELETE, rows);
            }
            case QUERY -> onQuery(event.getData(), next, event.getHeader().getTimestamp());
            case XID -> commit(next);
            default -> {
                // FORMAT_DESCRIPTION, GTID_LIST, BINLOG_CHECKPOINT, ANNOTATE_ROWS, HEARTBEAT: nothing to store
            }
        }
    }

    /**
     * A rows event: its decoded rows, and the binlog events a slave replays for it (the table maps
     * of its statement not carried yet, then itself), unless its statement mixes tables Tantalum
     * skips with tables it replicates: those statements' changes are applied as SQL.
     */
    private void onRows(Object data, long tableId, ThlEvent.Action action, List<Object[][]> rows)
            throws InterruptedException {
        int flags = data instanceof MariaDbRowDeserializers.RowsFlags r ? r.rowsFlags() : 0;
        pendingSession = SourceSession.ofRows(flags);
        TableMapEventData t = table(tableId);
        if (statementBinlog == null) {
            statementBinlog = formatDescription != null && !(statementSkipsTables && statementReplicatesTables);
        }
        byte[] binlog = null;
        if (statementBinlog) {
            statementMaps.add(deserializer.lastEvent());
            binlog = concat(statementMaps);
        }
        statementMaps.clear();
        if ((flags & MariaDbRowDeserializers.STMT_END_F) != 0) {
            statementBinlog = null;
            statementSkipsTables = false;
            statementReplicatesTables = false;
        }
        addRows(t, action, columns.get(tableId), rows, binlog);
    }

    private static byte[] concat(List<byte[]> parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Adds a change made under {@code settings}, first saying so when they differ from the fragment's. */
    private void addChange(ThlEvent.Change c, Map<String, String> settings) {
        if (!settings.equals(session)) {
            changes.add(new ThlEvent.SessionChange(settings));
            session = settings;
        }
        changes.add(c);
    }

    /** The column specs of a table id, which a TABLE_MAP event of the transaction must have given. */
    private List<ThlEvent.ColumnSpec> columnsOf(long id) {
        table(id);
        return columns.get(id);
    }

    private TableMapEventData table(long id) {
        TableMapEventData t = tables.get(id);
        if (t == null) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "Row event for unknown table id " + id + " after "
                    + currentEventId + ": extraction did not start at a transaction boundary.");
        }
        return t;
    }

    private void beginTxn(String gtid, boolean standalone, long tstamp) {
        this.inTxn = true;
        this.gtid = gtid;
        this.standalone = standalone;
        this.txnTstamp = tstamp;
        this.fragno = 0;
        this.fragRows = 0;
        this.changes = new ArrayList<>();
        this.session = Map.of();
        this.heartbeat = null;
        this.statementMaps.clear();
        this.statementBinlog = null;
        this.statementSkipsTables = false;
        this.statementReplicatesTables = false;
    }

    private boolean ignored(String schema) {
        return schema != null && schema.startsWith(options.ignoredSchemaPrefix());
    }

    private void addRows(TableMapEventData t, ThlEvent.Action action, List<ThlEvent.ColumnSpec> cols,
            List<Object[][]> rows, byte[] binlog) throws InterruptedException {
        if (options.catalogSchema().equals(t.getDatabase()) && "heartbeat".equals(t.getTable())) {
            heartbeat = heartbeatName(cols, rows);
            return;
        }
        if (ignored(t.getDatabase())) {
            return;
        }
        if (binlog != null) {
            // a rows event is replayed whole: fragments split between rows events, never inside one
            addChange(new ThlEvent.RowChange(t.getDatabase(), t.getTable(), action, cols, rows, binlog), pendingSession);
            fragRows += rows.size();
            if (fragRows >= options.fragmentRows()) {
                emit(false, null);
            }
            return;
        }
        int i = 0;
        while (i < rows.size()) {
            int n = Math.min(rows.size() - i, Math.max(1, options.fragmentRows() - fragRows));
            addChange(new ThlEvent.RowChange(t.getDatabase(), t.getTable(), action, cols, rows.subList(i, i + n)),
                    pendingSession);
            fragRows += n;
            i += n;
            if (fragRows >= options.fragmentRows()) {
                emit(false, null);
            }
        }
    }

    private static String heartbeatName(List<ThlEvent.ColumnSpec> cols, List<Object[][]> rows) {
        Object[] after = rows.get(rows.size() - 1)[1];
        for (int i = 0; i < cols.size(); i++) {
            if (cols.get(i).name().equals("name") && after != null && after[i] instanceof byte[] b) {
                return new String(b, StandardCharsets.UTF_8);
            }
        }
        return "heartbeat";
    }

    private void onQuery(QueryEventData q, long next, long tstamp) throws InterruptedException {
        String sql = q.getSql().trim();
        if (sql.equalsIgnoreCase("BEGIN")) {
            return;
        }
        if (sql.equalsIgnoreCase("COMMIT")) {
            commit(next);
            return;
        }
        if (!inTxn) {
            beginTxn("", true, tstamp);
        }
        if (!ignored(q.getDatabase())) {
            SourceSession.Statement st = q instanceof SessionQueryDeserializer.Query sq
                    ? sourceSession.ofStatement(sq, tstamp, currentEventId)
                    : new SourceSession.Statement(q.getSql(), Map.of());
            addChange(new ThlEvent.StatementChange(Objects.toString(q.getDatabase(), ""), st.text(), tstamp / 1000,
                    q.getErrorCode()), st.settings());
        }
        if (standalone) {
            commit(next);
        }
    }

    private void commit(long next) throws InterruptedException {
        BinlogPosition pos = new BinlogPosition(file, next, gtid);
        if (inTxn && (!changes.isEmpty() || fragno > 0 || heartbeat != null)) {
            emit(true, pos);
        }
        // only now: extraction has got past this transaction once the writer has it (a large one takes a
        // while to encode, and a reader of currentEventId must find its seqno already handed over)
        currentEventId = pos.toEventId();
        inTxn = false;
        changes = new ArrayList<>();
        session = Map.of();
    }

    private void emit(boolean last, BinlogPosition pos) throws InterruptedException {
        String eventId = pos != null ? pos.toEventId() : new BinlogPosition(file, 0, gtid).toEventId() + ";partial";
        if (changes.stream().anyMatch(c -> c instanceof ThlEvent.RowChange rc && rc.binlog() != null)) {
            changes.add(0, new ThlEvent.BinlogFormatChange(formatDescription));
        }
        String shard = schemaOf(changes);
        Map<String, String> meta = heartbeat != null && last
                ? Map.of("heartbeat", heartbeat.split("#", 2)[0], "heartbeatId", heartbeat) : Map.of();
        ThlEvent e = new ThlEvent(nextSeqno, fragno, last, epoch, eventId, options.sourceId(), txnTstamp,
                System.currentTimeMillis(), shard, meta, changes);
        writer.put(ThlRecord.of(e));
        listener.extracted(e);
        if (last) {
            listener.processed(e);
            OfflineTrigger t = trigger.get();
            if (t != null && t.matches(e)) {
                stopping = true;
                new Thread(this::stop, "tantalum-extractor-stop").start();
                listener.offlinePointReached("deferred offline reached at seqno " + e.seqno() + " (" + t.describe()
                        + ")");
            }
        }
        changes = new ArrayList<>();
        session = Map.of();
        fragRows = 0;
        if (last) {
            lastSeqno = nextSeqno;
            nextSeqno++;
            fragno = 0;
        } else {
            fragno++;
        }
    }

    private static String schemaOf(List<ThlEvent.Change> changes) {
        for (ThlEvent.Change c : changes) {
            if (c instanceof ThlEvent.RowChange rc) {
                return rc.schema();
            } else if (c instanceof ThlEvent.StatementChange sc) {
                return sc.schema();
            }
        }
        return "";
    }
}
