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
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Reads a database's binlog from a position to its current end (a non-blocking binlog dump, with
 * the extractor's deserializers) and hands each transaction read to a consumer: its GTID, server
 * id, position, and per table the rows it changed, with the rows events themselves for whoever
 * wants to turn them into SQL. Not thread-safe: one read per instance, on the caller's thread.
 */
public final class BinlogTailReader {
    /** Where to read and as whom; {@code clientServerId} must differ from every other reader of that binlog. */
    public record Source(String host, int port, String user, String password, long clientServerId) {}

    /** A rows event of a transaction, with the table map it refers to. */
    public record RowsEvent(TableMapEventData table, Object data) {}

    /** A transaction read, with its rows events in binlog order. */
    public record Read(BinlogOnlyAnalyzer.Transaction transaction, List<RowsEvent> rows) {}

    private final Source source;
    private final RawEventDeserializer deserializer = MariaDbRowDeserializers.create();
    private final Map<Long, TableMapEventData> tables = new HashMap<>();
    private String file;
    private Exception failure;
    // the transaction being read
    private String gtid;
    private long serverId;
    private BinlogPosition start;
    private boolean standalone;
    private Map<String, long[]> counts = new LinkedHashMap<>();
    private List<BinlogOnlyAnalyzer.Statement> statements = new ArrayList<>();
    private List<RowsEvent> rows = new ArrayList<>();

    public BinlogTailReader(Source source) {
        this.source = source;
    }

    /** The transactions from {@code from} (a transaction boundary) to the binlog's end. */
    public static List<BinlogOnlyAnalyzer.Transaction> transactions(Source source, BinlogPosition from) {
        List<BinlogOnlyAnalyzer.Transaction> out = new ArrayList<>();
        new BinlogTailReader(source).read(from, r -> out.add(r.transaction()));
        return out;
    }

    /** Reads from {@code from} to the end; throws UNAVAILABLE or DATA_LOSS (e.g. purged binlog, error 1236). */
    public void read(BinlogPosition from, Consumer<Read> consumer) {
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
            throw new TantalumException(failure instanceof IOException ? ErrorCode.UNAVAILABLE : ErrorCode.DATA_LOSS,
                    "Cannot read the binlog of " + source.host() + ":" + source.port() + " from "
                            + from.toEventId() + " (now at " + file + "): " + failure.getMessage(), failure);
        }
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
                rows = new ArrayList<>();
            }
            case TABLE_MAP -> {
                TableMapEventData t = event.getData();
                tables.put(t.getTableId(), t);
            }
            case WRITE_ROWS, EXT_WRITE_ROWS -> {
                WriteRowsEventData d = event.getData();
                count(d.getTableId(), d, 0, d.getRows().size());
            }
            case UPDATE_ROWS, EXT_UPDATE_ROWS -> {
                UpdateRowsEventData d = event.getData();
                count(d.getTableId(), d, 1, d.getRows().size());
            }
            case DELETE_ROWS, EXT_DELETE_ROWS -> {
                DeleteRowsEventData d = event.getData();
                count(d.getTableId(), d, 2, d.getRows().size());
            }
            case QUERY -> {
                QueryEventData q = event.getData();
                String sql = q.getSql().trim();
                if (sql.equalsIgnoreCase("COMMIT")) {
                    commit(next, consumer);
                } else if (!sql.equalsIgnoreCase("BEGIN")) {
                    statements.add(new BinlogOnlyAnalyzer.Statement(Objects.toString(q.getDatabase(), ""), q.getSql()));
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

    private void count(long tableId, Object data, int kind, int n) {
        TableMapEventData t = tables.get(tableId);
        if (t == null) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "Row event for unknown table id " + tableId + " in "
                    + file + ": the read did not start at a transaction boundary.");
        }
        counts.computeIfAbsent(t.getDatabase() + "\0" + t.getTable(), k -> new long[3])[kind] += n;
        rows.add(new RowsEvent(t, data));
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
                rows));
        gtid = null;
    }
}
