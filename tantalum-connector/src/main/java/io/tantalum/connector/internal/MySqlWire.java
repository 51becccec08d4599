package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * The MySQL client/server protocol's building blocks: packet framing (3-byte little-endian
 * length, 1-byte sequence id, then the payload), length-encoded integers and strings, and the
 * constants the connector needs (capability and status flags, command bytes). Packets here are
 * whole frames, header included, so that the connector forwards what it reads without copying.
 */
public final class MySqlWire {
    /** A payload of this length continues in the next packet. */
    public static final int MAX_PAYLOAD = 0xFFFFFF;

    // capability flags (the ones the connector looks at or clears)
    public static final int CLIENT_MYSQL = 1;
    public static final int CLIENT_CONNECT_WITH_DB = 8;
    public static final int CLIENT_COMPRESS = 32;
    public static final int CLIENT_LOCAL_FILES = 128;
    public static final int CLIENT_PROTOCOL_41 = 512;
    public static final int CLIENT_SSL = 2048;
    public static final int CLIENT_TRANSACTIONS = 8192;
    public static final int CLIENT_SECURE_CONNECTION = 32768;
    public static final int CLIENT_MULTI_STATEMENTS = 1 << 16;
    public static final int CLIENT_MULTI_RESULTS = 1 << 17;
    public static final int CLIENT_PS_MULTI_RESULTS = 1 << 18;
    public static final int CLIENT_PLUGIN_AUTH = 1 << 19;
    public static final int CLIENT_CONNECT_ATTRS = 1 << 20;
    public static final int CLIENT_PLUGIN_AUTH_LENENC_DATA = 1 << 21;
    public static final int CLIENT_SESSION_TRACK = 1 << 23;
    public static final int CLIENT_DEPRECATE_EOF = 1 << 24;

    /**
     * MariaDB's extended capability (the fourth 32-bit word of greeting and handshake response, when
     * {@code CLIENT_MYSQL} is clear): column definitions carry the extended type name and format
     * ({@code json}, {@code uuid}, {@code point}...) that clients map types by. It adds fields inside
     * column definition packets and changes no packet boundary.
     */
    public static final int MARIADB_CLIENT_EXTENDED_METADATA = 1 << 3;

    // status flags of OK and EOF packets
    public static final int SERVER_STATUS_IN_TRANS = 1;
    public static final int SERVER_STATUS_AUTOCOMMIT = 2;
    public static final int SERVER_MORE_RESULTS_EXISTS = 8;
    public static final int SERVER_STATUS_CURSOR_EXISTS = 64;

    // commands
    public static final int COM_QUIT = 0x01;
    public static final int COM_INIT_DB = 0x02;
    public static final int COM_QUERY = 0x03;
    public static final int COM_FIELD_LIST = 0x04;
    public static final int COM_STATISTICS = 0x09;
    public static final int COM_CHANGE_USER = 0x11;
    public static final int COM_BINLOG_DUMP = 0x12;
    public static final int COM_REGISTER_SLAVE = 0x15;
    public static final int COM_STMT_PREPARE = 0x16;
    public static final int COM_STMT_EXECUTE = 0x17;
    public static final int COM_STMT_SEND_LONG_DATA = 0x18;
    public static final int COM_STMT_CLOSE = 0x19;
    public static final int COM_STMT_FETCH = 0x1c;
    public static final int COM_BINLOG_DUMP_GTID = 0x1e;

    private MySqlWire() {}

    public static int payloadLength(ByteBuf frame) {
        return frame.getUnsignedMediumLE(frame.readerIndex());
    }

    public static int sequence(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + 3);
    }

    /** The payload byte at {@code i} (0 is the first byte after the header). */
    public static int payloadByte(ByteBuf frame, int i) {
        return frame.getUnsignedByte(frame.readerIndex() + 4 + i);
    }

    /** A view of the payload (shares the frame's memory and reference count). */
    public static ByteBuf payload(ByteBuf frame) {
        return frame.slice(frame.readerIndex() + 4, payloadLength(frame));
    }

    /** A frame around {@code payload} with sequence id {@code seq}; the payload is released. */
    public static ByteBuf frame(ByteBufAllocator alloc, int seq, ByteBuf payload) {
        ByteBuf f = alloc.buffer(4 + payload.readableBytes());
        f.writeMediumLE(payload.readableBytes()).writeByte(seq).writeBytes(payload);
        payload.release();
        return f;
    }

    /** Rewrites a frame's sequence id in place. */
    public static ByteBuf withSequence(ByteBuf frame, int seq) {
        frame.setByte(frame.readerIndex() + 3, seq);
        return frame;
    }

    public static long readLenenc(ByteBuf b) {
        int first = b.readUnsignedByte();
        return switch (first) {
            case 0xfc -> b.readUnsignedShortLE();
            case 0xfd -> b.readUnsignedMediumLE();
            case 0xfe -> b.readLongLE();
            default -> first;
        };
    }

    public static void writeLenenc(ByteBuf b, long v) {
        if (v < 251) {
            b.writeByte((int) v);
        } else if (v < 1 << 16) {
            b.writeByte(0xfc).writeShortLE((int) v);
        } else if (v < 1 << 24) {
            b.writeByte(0xfd).writeMediumLE((int) v);
        } else {
            b.writeByte(0xfe).writeLongLE(v);
        }
    }

    public static String readNulString(ByteBuf b) {
        int end = b.indexOf(b.readerIndex(), b.writerIndex(), (byte) 0);
        if (end < 0) {
            end = b.writerIndex();
        }
        String s = b.toString(b.readerIndex(), end - b.readerIndex(), StandardCharsets.UTF_8);
        b.readerIndex(Math.min(end + 1, b.writerIndex()));
        return s;
    }

    public static byte[] readBytes(ByteBuf b, int n) {
        byte[] out = new byte[n];
        b.readBytes(out);
        return out;
    }

    public static void writeNulString(ByteBuf b, String s) {
        b.writeBytes(s.getBytes(StandardCharsets.UTF_8)).writeByte(0);
    }

    /** An ERR packet's payload: {@code 0xFF, code, '#', sqlstate, message}. */
    public static ByteBuf error(ByteBufAllocator alloc, int code, String sqlState, String message) {
        ByteBuf p = alloc.buffer();
        p.writeByte(0xff).writeShortLE(code).writeByte('#');
        p.writeBytes(sqlState.getBytes(StandardCharsets.US_ASCII), 0, 5);
        p.writeBytes(message.getBytes(StandardCharsets.UTF_8));
        return p;
    }

    /** An OK packet's payload with no rows affected. */
    public static ByteBuf ok(ByteBufAllocator alloc, int status) {
        ByteBuf p = alloc.buffer(7);
        p.writeByte(0).writeByte(0).writeByte(0).writeShortLE(status).writeShortLE(0);
        return p;
    }

    /** The status flags of an OK packet (header 0x00, or 0xFE ending a result when EOF is deprecated). */
    public static int okStatus(ByteBuf frame) {
        ByteBuf p = payload(frame);
        p.skipBytes(1);
        readLenenc(p); // affected rows
        readLenenc(p); // last insert id
        return p.readableBytes() >= 2 ? p.readUnsignedShortLE() : 0;
    }

    /** The status flags of a classic EOF packet (0xFE, warnings, status). */
    public static int eofStatus(ByteBuf frame) {
        return payloadLength(frame) >= 5 ? frame.getUnsignedShortLE(frame.readerIndex() + 4 + 3) : 0;
    }

    /** An ERR packet's code and message, for logs and tests. */
    public static String describeError(ByteBuf frame) {
        ByteBuf p = payload(frame);
        p.skipBytes(1);
        int code = p.readUnsignedShortLE();
        if (p.isReadable() && p.getByte(p.readerIndex()) == '#') {
            p.skipBytes(6);
        }
        return code + ": " + p.toString(StandardCharsets.UTF_8);
    }
}
