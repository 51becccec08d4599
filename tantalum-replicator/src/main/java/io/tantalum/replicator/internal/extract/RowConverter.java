package io.tantalum.replicator.internal.extract;

import com.github.shyiko.mysql.binlog.event.TableMapEventData;
import com.github.shyiko.mysql.binlog.event.TableMapEventMetadata;
import com.github.shyiko.mysql.binlog.event.deserialization.ColumnType;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.thl.ThlEvent;
import java.io.Serializable;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns a binlog table map and row images into THL column specs and values: signed integers of
 * UNSIGNED columns are corrected using the table map's signedness metadata, ENUM and SET keep
 * their numeric value, strings stay bytes. Requires {@code binlog_row_metadata=FULL}.
 */
final class RowConverter {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private RowConverter() {}

    static List<ThlEvent.ColumnSpec> columns(TableMapEventData map) {
        TableMapEventMetadata meta = map.getEventMetadata();
        if (meta == null || meta.getColumnNames() == null) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "The binlog has no column names for table "
                    + map.getDatabase() + "." + map.getTable() + ": the master runs without binlog_row_metadata=FULL."
                    + " Run SET GLOBAL binlog_row_metadata=FULL on the master (and add it to its configuration),"
                    + " then put the replicator online again.");
        }
        byte[] types = map.getColumnTypes();
        int[] metadata = map.getColumnMetadata();
        // the library spreads the server's signedness bits over column positions (true = UNSIGNED)
        BitSet unsignedBits = meta.getSignedness() == null ? new BitSet() : meta.getSignedness();
        Set<Integer> keys = new HashSet<>();
        if (meta.getSimplePrimaryKeys() != null) {
            keys.addAll(meta.getSimplePrimaryKeys());
        }
        if (meta.getPrimaryKeysWithPrefix() != null) {
            keys.addAll(meta.getPrimaryKeysWithPrefix().keySet());
        }
        List<ThlEvent.ColumnSpec> cols = new ArrayList<>(types.length);
        for (int i = 0; i < types.length; i++) {
            int type = realType(types[i] & 0xFF, metadata[i]);
            boolean unsigned = isNumeric(type) && unsignedBits.get(i);
            cols.add(new ThlEvent.ColumnSpec(meta.getColumnNames().get(i), type, unsigned, keys.contains(i)));
        }
        return cols;
    }

    /** The real type of a STRING column (ENUM, SET or CHAR), as the binlog library resolves it. */
    static int realType(int type, int meta) {
        if (type == ColumnType.STRING.getCode() && meta >= 256) {
            int meta0 = meta >> 8;
            if ((meta0 & 0x30) != 0x30) {
                return meta0 | 0x30;
            }
            return meta0;
        }
        return type;
    }

    static boolean isNumeric(int type) {
        return type == ColumnType.TINY.getCode() || type == ColumnType.SHORT.getCode()
                || type == ColumnType.INT24.getCode() || type == ColumnType.LONG.getCode()
                || type == ColumnType.LONGLONG.getCode() || type == ColumnType.NEWDECIMAL.getCode()
                || type == ColumnType.FLOAT.getCode() || type == ColumnType.DOUBLE.getCode();
    }

    /**
     * The THL values of a row image; {@code compressed} (or null) names the columns whose binlog
     * values are MariaDB-compressed, which are stored uncompressed.
     */
    static Object[] values(List<ThlEvent.ColumnSpec> cols, BitSet present, Serializable[] row, BitSet compressed) {
        Object[] out = new Object[cols.size()];
        int j = 0;
        for (int i = 0; i < cols.size(); i++) {
            if (present != null && !present.get(i)) {
                continue;
            }
            Serializable v = row[j++];
            if (compressed != null && compressed.get(i) && v instanceof byte[] b) {
                v = uncompress(b, cols.get(i).name());
            }
            out[i] = value(cols.get(i), v);
        }
        return out;
    }

    /**
     * A MariaDB compressed column value (sql/field_comp.cc): empty, or a header byte then the data.
     * Header 0: stored as is. Header 0x8N: zlib, N's low 3 bits the byte count of the big-endian
     * original length that follows, bit 3 set for a raw deflate stream without zlib wrapper.
     */
    static byte[] uncompress(byte[] v, String column) {
        if (v.length == 0) {
            return v;
        }
        int header = v[0] & 0xFF;
        if ((header & 0x80) == 0) {
            return java.util.Arrays.copyOfRange(v, 1, v.length);
        }
        int lengthBytes = header & 0x07;
        long length = 0;
        for (int i = 0; i < lengthBytes; i++) {
            length = (length << 8) | (v[1 + i] & 0xFF);
        }
        java.util.zip.Inflater inflater = new java.util.zip.Inflater((header & 0x08) != 0);
        try {
            inflater.setInput(v, 1 + lengthBytes, v.length - 1 - lengthBytes);
            byte[] out = new byte[Math.toIntExact(length)];
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != out.length) {
                throw new java.util.zip.DataFormatException("inflated " + n + " of " + out.length + " bytes");
            }
            return out;
        } catch (java.util.zip.DataFormatException | ArithmeticException e) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "The compressed value of column " + column
                    + " in the binlog cannot be uncompressed (" + e.getMessage() + ")", e);
        } finally {
            inflater.end();
        }
    }

    static Object value(ThlEvent.ColumnSpec col, Serializable v) {
        if (v == null) {
            return null;
        }
        if (v instanceof Integer i) {
            long l = i;
            if (col.unsigned() && l < 0) {
                l += 1L << bits(col.type());
            }
            return l;
        }
        if (v instanceof Long l) {
            if (col.unsigned() && l < 0 && col.type() == ColumnType.LONGLONG.getCode()) {
                return BigInteger.valueOf(l).add(TWO_64);
            }
            return l;
        }
        if (v instanceof Short s) {
            return (long) s;
        }
        if (v instanceof Byte b) {
            return (long) b;
        }
        if (v instanceof java.math.BigDecimal || v instanceof Float || v instanceof Double || v instanceof byte[]
                || v instanceof String) {
            return v;
        }
        throw new TantalumException(ErrorCode.INTERNAL, "Column " + col.name() + " of type " + col.type()
                + " produced an unsupported binlog value of class " + v.getClass().getName());
    }

    private static int bits(int type) {
        if (type == ColumnType.TINY.getCode()) {
            return 8;
        }
        if (type == ColumnType.SHORT.getCode()) {
            return 16;
        }
        if (type == ColumnType.INT24.getCode()) {
            return 24;
        }
        return 32;
    }
}
