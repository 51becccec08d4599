package io.tantalum.replicator.internal.extract;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventHeaderV4;
import com.github.shyiko.mysql.binlog.event.MariadbGtidEventData;
import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.RotateEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.network.ServerException;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.thl.ThlEvent;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads a database's binlog from a position to its current end (a non-blocking binlog dump, with
 * the extractor's deserializers) and hands each transaction read to a consumer: its GTID, server
 * id, position, and per table the rows it changed; on request also its changes as THL changes
 * (values converted as the extractor converts them), for whoever turns them into SQL. Not
 * thread-safe: one read per instance, on the caller's thread.
 */
public final class BinlogTailReader {
    /** Where to read and as whom; {@code clientServerId} must differ from every other reader of that binlog. */
    public record Source(String host, int port, String user, String password, long clientServerId) {}

    /** A transaction read, with its row changes and statements in binlog order (empty unless asked for). */
    public record Read(BinlogOnlyAnalyzer.Transaction transaction, List<ThlEvent.Change> changes) {}

    private final Source source;
    private final RawEventDeserializer deserializer = MariaDbRowDeserializers.create();
    private final Map<Long, TableMapEventData> tables = new HashMap<>();
    private final Map<Long, List<ThlEvent.ColumnSpec>> columns = new HashMap<>();
    private boolean withChanges;
    private String file;
    private Exception failure;
    // the transaction being read
    private String gtid;
    private long serverId;
    private BinlogPosition start;
    private boolean standalone;
    private Map<String, long[]> counts = new LinkedHashMap<>();
    private List<BinlogOnlyAnalyzer.Statement> statements = new ArrayList<>();
    private List<ThlEvent.Change> changes = new ArrayList<>();

    public BinlogTailReader(Source source) {
        this.source = source;
    }

    /** The transactions from {@code from} (a transaction boundary) to the binlog's end. */
    public static List<BinlogOnlyAnalyzer.Transaction> transactions(Source source, BinlogPosition from) {
        List<BinlogOnlyAnalyzer.Transaction> out = new ArrayList<>();
        new BinlogTailReader(source).read(from, false, r -> out.add(r.transaction()));
        return out;
    }

    /**
     * Reads from {@code from} to the end, with each transaction's changes when {@code withChanges};
     * throws UNAVAILABLE or DATA_LOSS (e.g. purged binlog, error 1236).
     */
    public void read(BinlogPosition from, boolean withChanges, Consumer<Read> consumer) {
        this.withChanges = withChanges;
        file = from.file();
        BinaryLogClient client = new BinaryLogClient(source.host(), source.port(), source.user(), source.password());
        client.setServerId(source.clientServerId());
        client.setBinlogFilename(from.file());
        client.setBinlogPosition(from.offset());
        client.setBlocking(false);
        client.setKeepAlive(false);
        client.setEventDeserializer(deserializer);
        client.registerEventListener(e -> {
            try {
                handle(e, consumer);
            } catch (RuntimeException ex) {
                failure = ex;
                disconnect(client);
            }
        });
        client.registerLifecycleListener(new BinaryLogClient.AbstractLifecycleListener() {
            @Override
            public void onCommunicationFailure(BinaryLogClient c, Exception ex) {
                failure = ex;
            }

            @Override
            public void onEventDeserializationFailure(BinaryLogClient c, Exception ex) {
                failure = ex;
                disconnect(c);
            }
        });
        try {
            client.connect();
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        if (failure != null) {
            throw new TantalumException(code(failure), "Cannot read the binlog of " + source.host() + ":"
                    + source.port() + " from " + from.toEventId() + " (now at " + file + "): " + failure.getMessage()
                    + (failure instanceof ServerException se ? " (error " + se.getErrorCode() + ", SQLSTATE "
                            + se.getSqlState() + ")" : ""), failure);
        }
    }

    /** 1236 (position invalid or binlog purged) and a parse failure are never retriable; I/O may be. */
    private static ErrorCode code(Exception failure) {
        if (failure instanceof ServerException se && se.getErrorCode() == 1236) {
            return ErrorCode.DATA_LOSS;
        }
        return failure instanceof IOException ? ErrorCode.UNAVAILABLE : ErrorCode.DATA_LOSS;
    }

    private static void disconnect(BinaryLogClient c) {
        try {
            c.disconnect();
        } catch (IOException e) {
            // the read has failed already; that failure is the one reported
        }
    }

    private void handle(Event event, Consumer<Read> consumer) {
        long next = event.getHeader() instanceof EventHeaderV4 h ? h.getNextPosition() : 0;
        long at = event.getHeader() instanceof EventHeaderV4 h ? h.getPosition() : 0;
        switch (event.getHeader().getEventType()) {
            case ROTATE -> file = ((RotateEventData) event.getData()).getBinlogFilename();
            case MARIADB_GTID -> {
                MariadbGtidEventData g = event.getData();
                // the server id is the event header's (the library leaves the data's field at 0)
                serverId = event.getHeader().getServerId();
                gtid = g.getDomainId() + "-" + serverId + "-" + g.getSequence();
                start = new BinlogPosition(file, at, gtid);
                standalone = (g.getFlags() & MariadbGtidEventData.FL_STANDALONE) != 0;
                counts = new LinkedHashMap<>();
                statements = new ArrayList<>();
                changes = new ArrayList<>();
            }
            case TABLE_MAP -> {
                TableMapEventData t = event.getData();
                tables.put(t.getTableId(), t);
                columns.remove(t.getTableId());
            }
            case WRITE_ROWS, EXT_WRITE_ROWS -> {
                WriteRowsEventData d = event.getData();
                TableMapEventData t = count(d.getTableId(), 0, d.getRows().size());
                if (withChanges) {
                    List<ThlEvent.ColumnSpec> cols = columnsOf(t);
                    BitSet z = deserializer.compressed(d.getTableId());
                    List<Object[][]> rows = new ArrayList<>();
                    for (Serializable[] r : d.getRows()) {
                        rows.add(new Object[][] {null, RowConverter.values(cols, d.getIncludedColumns(), r, z)});
                    }
                    changes.add(new ThlEvent.RowChange(t.getDatabase(), t.getTable(), ThlEvent.Action.INSERT, cols,
                            rows));
                }
            }
            case UPDATE_ROWS, EXT_UPDATE_ROWS -> {
                UpdateRowsEventData d = event.getData();
                TableMapEventData t = count(d.getTableId(), 1, d.getRows().size());
                if (withChanges) {
                    List<ThlEvent.ColumnSpec> cols = columnsOf(t);
                    BitSet z = deserializer.compressed(d.getTableId());
                    List<Object[][]> rows = new ArrayList<>();
                    for (Map.Entry<Serializable[], Serializable[]> r : d.getRows()) {
                        rows.add(new Object[][] {
                            RowConverter.values(cols, d.getIncludedColumnsBeforeUpdate(), r.getKey(), z),
                            RowConverter.values(cols, d.getIncludedColumns(), r.getValue(), z)});
                    }
                    changes.add(new ThlEvent.RowChange(t.getDatabase(), t.getTable(), ThlEvent.Action.UPDATE, cols,
                            rows));
                }
            }
            case DELETE_ROWS, EXT_DELETE_ROWS -> {
                DeleteRowsEventData d = event.getData();
                TableMapEventData t = count(d.getTableId(), 2, d.getRows().size());
                if (withChanges) {
                    List<ThlEvent.ColumnSpec> cols = columnsOf(t);
                    BitSet z = deserializer.compressed(d.getTableId());
                    List<Object[][]> rows = new ArrayList<>();
                    for (Serializable[] r : d.getRows()) {
                        rows.add(new Object[][] {RowConverter.values(cols, d.getIncludedColumns(), r, z), null});
                    }
                    changes.add(new ThlEvent.RowChange(t.getDatabase(), t.getTable(), ThlEvent.Action.DELETE, cols,
                            rows));
                }
            }
            case QUERY -> {
                QueryEventData q = event.getData();
                String sql = q.getSql().trim();
                if (sql.equalsIgnoreCase("COMMIT")) {
                    commit(next, consumer);
                } else if (!sql.equalsIgnoreCase("BEGIN")) {
                    String schema = Objects.toString(q.getDatabase(), "");
                    statements.add(new BinlogOnlyAnalyzer.Statement(schema, q.getSql()));
                    changes.add(new ThlEvent.StatementChange(schema, q.getSql(),
                            event.getHeader().getTimestamp() / 1000,
                            q.getErrorCode()));
                    if (standalone) {
                        commit(next, consumer);
                    }
                }
            }
            case XID -> commit(next, consumer);
            default -> {
                // FORMAT_DESCRIPTION, GTID_LIST, BINLOG_CHECKPOINT, ANNOTATE_ROWS: nothing to count
            }
        }
    }

    private TableMapEventData count(long tableId, int kind, int n) {
        TableMapEventData t = tables.get(tableId);
        if (t == null) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "Row event for unknown table id " + tableId + " in "
                    + file + ": the read did not start at a transaction boundary.");
        }
        counts.computeIfAbsent(t.getDatabase() + "\0" + t.getTable(), k -> new long[3])[kind] += n;
        return t;
    }

    private List<ThlEvent.ColumnSpec> columnsOf(TableMapEventData t) {
        return columns.computeIfAbsent(t.getTableId(), id -> RowConverter.columns(t));
    }

    private void commit(long next, Consumer<Read> consumer) {
        if (gtid == null) {
            return;
        }
        List<BinlogOnlyAnalyzer.TableRows> changed = new ArrayList<>();
        counts.forEach((k, c) -> {
            String[] name = k.split("\0", 2);
            changed.add(new BinlogOnlyAnalyzer.TableRows(name[0], name[1], c[0], c[1], c[2]));
        });
        consumer.accept(new Read(new BinlogOnlyAnalyzer.Transaction(gtid, serverId, start, next, changed, statements),
                changes));
        gtid = null;
    }
}
