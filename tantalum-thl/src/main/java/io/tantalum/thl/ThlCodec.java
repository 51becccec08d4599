package io.tantalum.thl;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes and decodes the body of a THL record (everything an {@link ThlEvent} holds beyond the
 * record header). Format version 3 (versions 1, without session changes, and 2, without binlog
 * events and statement error codes, are still read), big-endian, documented in
 * {@code docs/thl-format.md}:
 * <pre>
 *   u8 version(1) | str eventId | str sourceId | i64 sourceTstamp | i64 extractTstamp | str shard
 *   | i32 metadataCount { str key | str value } | i32 changeCount { change }
 *   change  := u8 1 (rows) str schema str table u8 action i32 ncols { str name i32 type u8 flags }
 *              i32 nrows { image(before) image(after) } optbytes(binlog, v3+)
 *            | u8 2 (statement) str schema str sql i64 timestampSeconds i32 errorCode(v3+)
 *            | u8 3 (session) i32 count { str key | str value }
 *            | u8 4 (binlog format, v3+) bytes(formatDescriptionEvent)
 *   optbytes := i32 -1 (absent) | bytes
 *   image   := u8 0 (absent) | u8 1 { value x ncols }
 *   value   := u8 tag: 0 null | 1 i64 | 2 biginteger(bytes) | 3 decimal(str) | 4 f32 | 5 f64
 *              | 6 bytes(i32 len, raw) | 7 str
 *   str     := i32 length | UTF-8 bytes
 * </pre>
 * Stateless and thread-safe.
 */
public final class ThlCodec {
    /** The body format version written by this code. */
    public static final int VERSION = 3;

    /** The oldest body format version this code reads. */
    public static final int OLDEST_READABLE = 1;

    private ThlCodec() {}

    public static byte[] encode(ThlEvent e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writeStr(out, e.eventId());
            writeStr(out, e.sourceId());
            out.writeLong(e.sourceTstamp());
            out.writeLong(e.extractTstamp());
            writeStr(out, e.shard());
            out.writeInt(e.metadata().size());
            for (Map.Entry<String, String> m : e.metadata().entrySet()) {
                writeStr(out, m.getKey());
                writeStr(out, m.getValue());
            }
            out.writeInt(e.changes().size());
            for (ThlEvent.Change c : e.changes()) {
                writeChange(out, c);
            }
        } catch (IOException ex) {
            throw new IllegalStateException("in-memory stream failed", ex);
        }
        return bytes.toByteArray();
    }

    /** Decodes a body; the header fields come from the record frame. */
    public static ThlEvent decode(ThlRecord r) {
        // a ByteBuffer rather than a DataInputStream: reading an int byte by byte through a stream's
        // synchronized read() made decoding a quarter of a slave applier's CPU in a catch-up (JFR, 2026-12-04)
        try {
            ByteBuffer in = ByteBuffer.wrap(r.body());
            int version = u8(in);
            if (version < OLDEST_READABLE || version > VERSION) {
                throw new TantalumException(ErrorCode.DATA_LOSS, "THL event seqno=" + r.seqno()
                        + " has body format version " + version + ", this Tantalum reads versions " + OLDEST_READABLE
                        + " to " + VERSION + ": upgrade Tantalum on this host");
            }
            String eventId = readStr(in);
            String sourceId = readStr(in);
            long sourceTstamp = in.getLong();
            long extractTstamp = in.getLong();
            String shard = readStr(in);
            int nmeta = in.getInt();
            Map<String, String> meta = new LinkedHashMap<>();
            for (int i = 0; i < nmeta; i++) {
                meta.put(readStr(in), readStr(in));
            }
            int nchanges = in.getInt();
            List<ThlEvent.Change> changes = new ArrayList<>(nchanges);
            for (int i = 0; i < nchanges; i++) {
                changes.add(readChange(in, version));
            }
            return new ThlEvent(r.seqno(), r.fragno(), r.lastFrag(), r.epoch(), eventId, sourceId, sourceTstamp,
                    extractTstamp, shard, meta, changes);
        } catch (IOException | RuntimeException ex) {
            if (ex instanceof TantalumException te) {
                throw te;
            }
            throw new TantalumException(ErrorCode.DATA_LOSS, "THL event seqno=" + r.seqno() + " fragno=" + r.fragno()
                    + " cannot be decoded (" + ex + "); its checksum was valid, so this is a format bug:"
                    + " report it with the output of `thl list -seqno " + r.seqno() + " -headers`", ex);
        }
    }

    private static void writeChange(DataOutputStream out, ThlEvent.Change c) throws IOException {
        if (c instanceof ThlEvent.RowChange rc) {
            out.writeByte(1);
            writeStr(out, rc.schema());
            writeStr(out, rc.table());
            out.writeByte(rc.action().ordinal());
            out.writeInt(rc.columns().size());
            for (ThlEvent.ColumnSpec col : rc.columns()) {
                writeStr(out, col.name());
                out.writeInt(col.type());
                out.writeByte((col.unsigned() ? 1 : 0) | (col.key() ? 2 : 0));
            }
            out.writeInt(rc.rows().size());
            for (Object[][] row : rc.rows()) {
                writeImage(out, row[0]);
                writeImage(out, row[1]);
            }
            if (rc.binlog() == null) {
                out.writeInt(-1);
            } else {
                writeBytes(out, rc.binlog());
            }
        } else if (c instanceof ThlEvent.StatementChange sc) {
            out.writeByte(2);
            writeStr(out, sc.schema());
            writeStr(out, sc.sql());
            out.writeLong(sc.timestampSeconds());
            out.writeInt(sc.errorCode());
        } else if (c instanceof ThlEvent.BinlogFormatChange f) {
            out.writeByte(4);
            writeBytes(out, f.formatDescription());
        } else if (c instanceof ThlEvent.SessionChange ss) {
            out.writeByte(3);
            out.writeInt(ss.settings().size());
            for (Map.Entry<String, String> m : ss.settings().entrySet()) {
                writeStr(out, m.getKey());
                writeStr(out, m.getValue());
            }
        }
    }

    private static ThlEvent.Change readChange(ByteBuffer in, int version) throws IOException {
        int kind = u8(in);
        if (kind == 2) {
            return new ThlEvent.StatementChange(readStr(in), readStr(in), in.getLong(), version >= 3 ? in.getInt() : 0);
        }
        if (kind == 4) {
            return new ThlEvent.BinlogFormatChange(readBytes(in));
        }
        if (kind == 3) {
            int n = in.getInt();
            Map<String, String> settings = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                settings.put(readStr(in), readStr(in));
            }
            return new ThlEvent.SessionChange(settings);
        }
        if (kind != 1) {
            throw new IOException("unknown change kind " + kind);
        }
        String schema = readStr(in);
        String table = readStr(in);
        ThlEvent.Action action = ThlEvent.Action.values()[u8(in)];
        int ncols = in.getInt();
        List<ThlEvent.ColumnSpec> cols = new ArrayList<>(ncols);
        for (int i = 0; i < ncols; i++) {
            String name = readStr(in);
            int type = in.getInt();
            int flags = u8(in);
            cols.add(new ThlEvent.ColumnSpec(name, type, (flags & 1) != 0, (flags & 2) != 0));
        }
        int nrows = in.getInt();
        List<Object[][]> rows = new ArrayList<>(nrows);
        for (int i = 0; i < nrows; i++) {
            rows.add(new Object[][] {readImage(in, ncols), readImage(in, ncols)});
        }
        byte[] binlog = null;
        if (version >= 3) {
            int n = in.getInt();
            if (n >= 0) {
                binlog = readBytes(in, n);
            }
        }
        return new ThlEvent.RowChange(schema, table, action, cols, rows, binlog);
    }

    private static void writeImage(DataOutputStream out, Object[] image) throws IOException {
        if (image == null) {
            out.writeByte(0);
            return;
        }
        out.writeByte(1);
        for (Object v : image) {
            writeValue(out, v);
        }
    }

    private static Object[] readImage(ByteBuffer in, int ncols) throws IOException {
        if (u8(in) == 0) {
            return null;
        }
        Object[] image = new Object[ncols];
        for (int i = 0; i < ncols; i++) {
            image[i] = readValue(in);
        }
        return image;
    }

    private static void writeValue(DataOutputStream out, Object v) throws IOException {
        if (v == null) {
            out.writeByte(0);
        } else if (v instanceof Long l) {
            out.writeByte(1);
            out.writeLong(l);
        } else if (v instanceof BigInteger bi) {
            out.writeByte(2);
            writeBytes(out, bi.toByteArray());
        } else if (v instanceof BigDecimal bd) {
            out.writeByte(3);
            writeStr(out, bd.toString());
        } else if (v instanceof Float f) {
            out.writeByte(4);
            out.writeInt(Float.floatToRawIntBits(f));
        } else if (v instanceof Double d) {
            out.writeByte(5);
            out.writeLong(Double.doubleToRawLongBits(d));
        } else if (v instanceof byte[] b) {
            out.writeByte(6);
            writeBytes(out, b);
        } else if (v instanceof String s) {
            out.writeByte(7);
            writeStr(out, s);
        } else {
            throw new IllegalArgumentException("THL cannot store a value of type " + v.getClass().getName());
        }
    }

    private static Object readValue(ByteBuffer in) throws IOException {
        int tag = u8(in);
        return switch (tag) {
            case 0 -> null;
            case 1 -> in.getLong();
            case 2 -> new BigInteger(readBytes(in));
            case 3 -> new BigDecimal(readStr(in));
            case 4 -> Float.intBitsToFloat(in.getInt());
            case 5 -> Double.longBitsToDouble(in.getLong());
            case 6 -> readBytes(in);
            case 7 -> readStr(in);
            default -> throw new IOException("unknown value tag " + tag);
        };
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    private static byte[] readBytes(ByteBuffer in) throws IOException {
        return readBytes(in, in.getInt());
    }

    private static byte[] readBytes(ByteBuffer in, int n) throws IOException {
        checkLength(in, n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private static void checkLength(ByteBuffer in, int n) throws IOException {
        if (n < 0 || n > ThlRecord.MAX_LENGTH || n > in.remaining()) {
            throw new IOException("bad byte string length " + n + " (" + in.remaining() + " bytes left)");
        }
    }

    private static int u8(ByteBuffer in) {
        return Byte.toUnsignedInt(in.get());
    }

    private static void writeStr(DataOutputStream out, String s) throws IOException {
        writeBytes(out, (s == null ? "" : s).getBytes(StandardCharsets.UTF_8));
    }

    private static String readStr(ByteBuffer in) throws IOException {
        int n = in.getInt();
        checkLength(in, n);
        String str = new String(in.array(), in.arrayOffset() + in.position(), n, StandardCharsets.UTF_8);
        in.position(in.position() + n);
        return str;
    }
}
