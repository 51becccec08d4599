package io.tantalum.replicator.internal.extract;

import com.github.shyiko.mysql.binlog.event.DeleteRowsEventData;
import com.github.shyiko.mysql.binlog.event.EventType;
import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.UpdateRowsEventData;
import com.github.shyiko.mysql.binlog.event.WriteRowsEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.AnnotateRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.BinlogCheckpointEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.ColumnType;
import com.github.shyiko.mysql.binlog.event.deserialization.DeleteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.FormatDescriptionEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.IntVarEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.MariadbGtidEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.MariadbGtidListEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.RotateEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.TableMapEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.UpdateRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.WriteRowsEventDataDeserializer;
import com.github.shyiko.mysql.binlog.event.deserialization.XidEventDataDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Builds the binlog {@link EventDeserializer} Tantalum uses: the library's deserializers, except
 * that temporal values become exact MySQL literals (no time zone or calendar conversion, so
 * {@code 0001-01-01}, {@code -838:59:59} and zero dates survive), BIT values become their raw
 * bits as a {@link Long}, and strings stay bytes in the column's charset.
 */
public final class MariaDbRowDeserializers {
    private MariaDbRowDeserializers() {}

    static RawEventDeserializer create() {
        Map<Long, TableMapEventData> tables = new HashMap<>();
        Map<EventType, EventDataDeserializer> map = new IdentityHashMap<>();
        map.put(EventType.FORMAT_DESCRIPTION, new FormatDescriptionEventDataDeserializer());
        map.put(EventType.ROTATE, new RotateEventDataDeserializer());
        map.put(EventType.INTVAR, new IntVarEventDataDeserializer());
        map.put(EventType.QUERY, new SessionQueryDeserializer());
        map.put(EventType.TABLE_MAP, new TableMapEventDataDeserializer());
        map.put(EventType.XID, new XidEventDataDeserializer());
        map.put(EventType.ANNOTATE_ROWS, new AnnotateRowsEventDataDeserializer());
        map.put(EventType.MARIADB_GTID, new MariadbGtidEventDataDeserializer());
        map.put(EventType.MARIADB_GTID_LIST, new MariadbGtidListEventDataDeserializer());
        map.put(EventType.BINLOG_CHECKPOINT, new BinlogCheckpointEventDataDeserializer());
        map.put(EventType.WRITE_ROWS, new Write(tables, false));
        map.put(EventType.UPDATE_ROWS, new Update(tables, false));
        map.put(EventType.DELETE_ROWS, new Delete(tables, false));
        map.put(EventType.EXT_WRITE_ROWS, new Write(tables, true));
        map.put(EventType.EXT_UPDATE_ROWS, new Update(tables, true));
        map.put(EventType.EXT_DELETE_ROWS, new Delete(tables, true));
        RawEventDeserializer d = new RawEventDeserializer(map, tables);
        d.setCompatibilityMode(EventDeserializer.CompatibilityMode.CHAR_AND_BINARY_AS_BYTE_ARRAY);
        return d;
    }

    /** Decodes the cell types Tantalum handles itself, or returns null to use the library's decoder. */
    static Serializable decode(ColumnType type, int meta, ByteArrayInputStream in) throws IOException {
        return switch (type) {
            case DATE -> date(in.readInteger(3));
            case TIME_V2 -> time2(meta, in);
            case DATETIME_V2 -> datetime2(meta, in);
            case TIMESTAMP_V2 -> timestamp2(meta, in);
            case YEAR -> {
                int y = in.readInteger(1);
                yield (long) (y == 0 ? 0 : 1900 + y);
            }
            case BIT -> {
                int bits = (meta >> 8) * 8 + (meta & 0xFF);
                yield bigEndian(in, (bits + 7) / 8);
            }
            default -> null;
        };
    }

    static String date(int v) {
        return String.format("%04d-%02d-%02d", v >> 9, (v >> 5) & 15, v & 31);
    }

    private static long bigEndian(ByteArrayInputStream in, int n) throws IOException {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | in.read();
        }
        return v;
    }

    /** Fractional seconds as microseconds; {@code signed} for DATETIME/TIME storage. */
    private static long fraction(int fsp, ByteArrayInputStream in, boolean signed) throws IOException {
        int bytes = (fsp + 1) / 2;
        if (bytes == 0) {
            return 0;
        }
        long v = bigEndian(in, bytes);
        if (signed && (v & (1L << (bytes * 8 - 1))) != 0) {
            v -= 1L << (bytes * 8);
        }
        return switch (bytes) {
            case 1 -> v * 10000;
            case 2 -> v * 100;
            default -> v;
        };
    }

    static String time2(int fsp, ByteArrayInputStream in) throws IOException {
        long packed;
        if (fsp >= 5) {
            packed = bigEndian(in, 6) - 0x800000000000L;
        } else {
            long intPart = bigEndian(in, 3) - 0x800000L;
            long frac = 0;
            if (fsp > 0) {
                int bytes = (fsp + 1) / 2;
                frac = bigEndian(in, bytes);
                if (intPart < 0 && frac != 0) {
                    intPart++;
                    frac -= 1L << (bytes * 8);
                }
                frac *= bytes == 1 ? 10000 : 100;
            }
            packed = (intPart << 24) + frac;
        }
        boolean negative = packed < 0;
        long abs = Math.abs(packed);
        long hms = abs >> 24;
        long micros = abs % (1L << 24);
        String s = String.format("%s%02d:%02d:%02d", negative ? "-" : "", (hms >> 12) % (1 << 10), (hms >> 6) % (1 << 6),
                hms % (1 << 6));
        return s + fractionText(fsp, micros);
    }

    static String datetime2(int fsp, ByteArrayInputStream in) throws IOException {
        long intPart = bigEndian(in, 5) - 0x8000000000L;
        long micros = fraction(fsp, in, true);
        long ymd = intPart >> 17;
        long ym = ymd >> 5;
        long hms = intPart % (1 << 17);
        String s = String.format("%04d-%02d-%02d %02d:%02d:%02d", ym / 13, ym % 13, ymd % (1 << 5), hms >> 12,
                (hms >> 6) % (1 << 6), hms % (1 << 6));
        return s + fractionText(fsp, micros);
    }

    static String timestamp2(int fsp, ByteArrayInputStream in) throws IOException {
        long seconds = bigEndian(in, 4);
        long micros = fraction(fsp, in, false);
        if (seconds == 0 && micros == 0) {
            return "0000-00-00 00:00:00" + fractionText(fsp, 0);
        }
        LocalDateTime t = LocalDateTime.ofInstant(Instant.ofEpochSecond(seconds), ZoneOffset.UTC);
        String s = String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(),
                t.getHour(), t.getMinute(), t.getSecond());
        return s + fractionText(fsp, micros);
    }

    private static String fractionText(int fsp, long micros) {
        if (fsp == 0) {
            return "";
        }
        String six = String.format("%06d", micros);
        return "." + six.substring(0, fsp);
    }

    /** The library's own cell decoder. */
    @FunctionalInterface
    interface CellDecoder {
        Serializable decode(ColumnType type, int meta, int length, ByteArrayInputStream in) throws IOException;
    }

    static Serializable cell(ColumnType type, int meta, int length, ByteArrayInputStream in, CellDecoder library)
            throws IOException {
        Serializable v = decode(type, meta, in);
        return v != null ? v : library.decode(type, meta, length, in);
    }

    /** Flags of a rows event (MariaDB's log_event.h): checks the source session had turned off. */
    static final int NO_FOREIGN_KEY_CHECKS_F = 1 << 1;
    static final int RELAXED_UNIQUE_CHECKS_F = 1 << 2;
    static final int NO_CHECK_CONSTRAINT_CHECKS_F = 1 << 7;
    /** The last rows event of a statement: the server closes the statement's tables after it. */
    static final int STMT_END_F = 1;

    /** A rows event's flags, which the library's deserializers skip. */
    interface RowsFlags {
        int rowsFlags();
    }

    static final class WriteRows extends WriteRowsEventData implements RowsFlags {
        private int flags;

        @Override
        public int rowsFlags() {
            return flags;
        }
    }

    static final class UpdateRows extends UpdateRowsEventData implements RowsFlags {
        private int flags;

        @Override
        public int rowsFlags() {
            return flags;
        }
    }

    static final class DeleteRows extends DeleteRowsEventData implements RowsFlags {
        private int flags;

        @Override
        public int rowsFlags() {
            return flags;
        }
    }

    /** Reads a rows event's post-header after the table id: its flags, and skips a v2 event's extra data. */
    private static int flags(ByteArrayInputStream in, boolean extraData) throws IOException {
        int flags = in.readInteger(2);
        if (extraData) {
            in.skip(in.readInteger(2) - 2);
        }
        return flags;
    }

    /** The library's per-row decoder (protected in its deserializers). */
    private interface RowDecoder {
        Serializable[] row(long tableId, java.util.BitSet columns, ByteArrayInputStream in) throws IOException;
    }

    /** Every row image left in the event. */
    private static List<Serializable[]> rows(RowDecoder decoder, long tableId, java.util.BitSet columns,
            ByteArrayInputStream in) throws IOException {
        List<Serializable[]> rows = new ArrayList<>();
        while (in.available() > 0) {
            rows.add(decoder.row(tableId, columns, in));
        }
        return rows;
    }

    /*
     * The three deserializers below read the rows event framing themselves (as the library does,
     * keeping the flags) and decode each row with the library's deserializeRow, whose cells go
     * through Tantalum's decoders.
     */

    static final class Write extends WriteRowsEventDataDeserializer {
        private final boolean extraData;

        Write(Map<Long, TableMapEventData> tables, boolean extraData) {
            super(tables);
            this.extraData = extraData;
        }

        @Override
        public WriteRowsEventData deserialize(ByteArrayInputStream in) throws IOException {
            WriteRows d = new WriteRows();
            d.setTableId(in.readLong(6));
            d.flags = flags(in, extraData);
            d.setIncludedColumns(in.readBitSet(in.readPackedInteger(), true));
            d.setRows(rows(this::deserializeRow, d.getTableId(), d.getIncludedColumns(), in));
            return d;
        }

        @Override
        protected Serializable deserializeCell(ColumnType type, int meta, int length, ByteArrayInputStream in)
                throws IOException {
            return cell(type, meta, length, in, super::deserializeCell);
        }
    }

    static final class Update extends UpdateRowsEventDataDeserializer {
        private final boolean extraData;

        Update(Map<Long, TableMapEventData> tables, boolean extraData) {
            super(tables);
            this.extraData = extraData;
        }

        @Override
        public UpdateRowsEventData deserialize(ByteArrayInputStream in) throws IOException {
            UpdateRows d = new UpdateRows();
            d.setTableId(in.readLong(6));
            d.flags = flags(in, extraData);
            int columns = in.readPackedInteger();
            d.setIncludedColumnsBeforeUpdate(in.readBitSet(columns, true));
            d.setIncludedColumns(in.readBitSet(columns, true));
            List<Map.Entry<Serializable[], Serializable[]>> rows = new ArrayList<>();
            while (in.available() > 0) {
                Serializable[] before = deserializeRow(d.getTableId(), d.getIncludedColumnsBeforeUpdate(), in);
                Serializable[] after = deserializeRow(d.getTableId(), d.getIncludedColumns(), in);
                rows.add(new AbstractMap.SimpleEntry<>(before, after));
            }
            d.setRows(rows);
            return d;
        }

        @Override
        protected Serializable deserializeCell(ColumnType type, int meta, int length, ByteArrayInputStream in)
                throws IOException {
            return cell(type, meta, length, in, super::deserializeCell);
        }
    }

    static final class Delete extends DeleteRowsEventDataDeserializer {
        private final boolean extraData;

        Delete(Map<Long, TableMapEventData> tables, boolean extraData) {
            super(tables);
            this.extraData = extraData;
        }

        @Override
        public DeleteRowsEventData deserialize(ByteArrayInputStream in) throws IOException {
            DeleteRows d = new DeleteRows();
            d.setTableId(in.readLong(6));
            d.flags = flags(in, extraData);
            d.setIncludedColumns(in.readBitSet(in.readPackedInteger(), true));
            d.setRows(rows(this::deserializeRow, d.getTableId(), d.getIncludedColumns(), in));
            return d;
        }

        @Override
        protected Serializable deserializeCell(ColumnType type, int meta, int length, ByteArrayInputStream in)
                throws IOException {
            return cell(type, meta, length, in, super::deserializeCell);
        }
    }
}
