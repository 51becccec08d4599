package io.tantalum.replicator.internal.extract;

import com.github.shyiko.mysql.binlog.event.Event;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventHeaderV4Deserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.NullEventDataDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The binlog library's event deserializer, keeping each event's bytes exactly as the master wrote
 * them (header, body and checksum), so that a MariaDB slave can replay the master's own row events
 * with the {@code BINLOG} statement. It also lets the library read MariaDB's compressed columns
 * (types 140 and 141, BLOB and VARCHAR, which it does not know): their table map types are read as VARCHAR and
 * BLOB, and {@link #compressed} says which columns of a table hold compressed values.
 *
 * <p>Not thread-safe: used by the binlog client's thread only.
 */
final class RawEventDeserializer extends EventDeserializer {
    /** Length of a binlog v4 event header. */
    static final int HEADER_LENGTH = 19;
    /** MariaDB's MYSQL_TYPE_BLOB_COMPRESSED and MYSQL_TYPE_VARCHAR_COMPRESSED (mysql_com.h). */
    static final int BLOB_COMPRESSED = 140;
    static final int VARCHAR_COMPRESSED = 141;
    private static final int VARCHAR = 15;
    private static final int BLOB = 252;
    /** The binlog event type code of TABLE_MAP. */
    static final int TABLE_MAP_EVENT = 19;
    /** Post-header length of a TABLE_MAP event: table id (6) and flags (2). */
    private static final int TABLE_MAP_POST_HEADER = 8;

    /** MariaDB's semi-sync indicator, the first of the two bytes before each event (semisync.h). */
    static final int SEMI_SYNC_INDICATOR = 0xEF;

    private final Map<Long, BitSet> compressed = new HashMap<>();
    private byte[] last;
    /** Whether each event packet starts with the semi-sync indicator and flags (the session asked for them). */
    private boolean semiSync;
    /** Whether the master asked for an acknowledgement of the last event read. */
    private boolean ackRequested;

    RawEventDeserializer(Map<EventType, EventDataDeserializer> deserializers, Map<Long, TableMapEventData> tables) {
        super(new EventHeaderV4Deserializer(), new NullEventDataDeserializer(), deserializers, tables);
    }

    /** From now on each event packet carries MariaDB's two semi-sync bytes before the event. */
    void expectSemiSyncHeaders() {
        semiSync = true;
    }

    /** Whether the master waits for an acknowledgement of the event read last. */
    boolean ackRequested() {
        return ackRequested;
    }

    @Override
    public Event nextEvent(ByteArrayInputStream in) throws IOException {
        if (in.peek() == -1) {
            return null;
        }
        if (semiSync) {
            int indicator = in.read();
            if (indicator != SEMI_SYNC_INDICATOR) {
                throw new IOException("a binlog event packet starts with " + indicator + " where the semi-sync"
                        + " indicator " + SEMI_SYNC_INDICATOR + " belongs (this session asked for semi-sync headers)");
            }
            ackRequested = (in.read() & 0x01) != 0;
        }
        byte[] header = in.read(HEADER_LENGTH);
        long size = le(header, 9, 4);
        if (size < HEADER_LENGTH || size > Integer.MAX_VALUE) {
            throw new IOException("binlog event of type " + (header[4] & 0xFF) + " claims " + size
                    + " bytes, which its header alone exceeds or no event can hold");
        }
        byte[] raw = new byte[(int) size];
        System.arraycopy(header, 0, raw, 0, HEADER_LENGTH);
        in.fill(raw, HEADER_LENGTH, raw.length - HEADER_LENGTH);
        last = raw;
        byte[] parsed = (header[4] & 0xFF) == TABLE_MAP_EVENT ? readableTableMap(raw) : raw;
        return super.nextEvent(new ByteArrayInputStream(parsed));
    }

    /** The bytes of the event returned by the last {@link #nextEvent}, as the master wrote them. */
    byte[] lastEvent() {
        return last;
    }

    /** The columns of a table (by table id) whose values are compressed, or null if none. */
    BitSet compressed(long tableId) {
        return compressed.get(tableId);
    }

    /**
     * A copy of a TABLE_MAP event whose compressed column types read as their plain types (the
     * library knows no others and fails on them); records which columns they were.
     */
    private byte[] readableTableMap(byte[] raw) {
        int p = HEADER_LENGTH;
        long tableId = le(raw, p, 6);
        p += TABLE_MAP_POST_HEADER;
        p += (raw[p] & 0xFF) + 2; // schema: length, name, NUL
        p += (raw[p] & 0xFF) + 2; // table: length, name, NUL
        int first = raw[p] & 0xFF;
        long count;
        if (first < 251) {
            count = first;
            p += 1;
        } else {
            int n = first == 252 ? 2 : first == 253 ? 3 : 8;
            count = le(raw, p + 1, n);
            p += 1 + n;
        }
        BitSet columns = null;
        byte[] copy = raw;
        for (int i = 0; i < count; i++) {
            int type = raw[p + i] & 0xFF;
            if (type == VARCHAR_COMPRESSED || type == BLOB_COMPRESSED) {
                if (columns == null) {
                    columns = new BitSet();
                    copy = raw.clone();
                }
                columns.set(i);
                copy[p + i] = (byte) (type == VARCHAR_COMPRESSED ? VARCHAR : BLOB);
            }
        }
        if (columns == null) {
            compressed.remove(tableId);
        } else {
            compressed.put(tableId, columns);
        }
        return copy;
    }

    /** The unsigned little-endian integer of {@code n} bytes at {@code p}. */
    static long le(byte[] b, int p, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[p + i] & 0xFF);
        }
        return v;
    }
}
