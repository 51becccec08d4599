package io.tantalum.thl;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A THL record as stored on disk and shipped on the wire: a header that identifies the event
 * and its encoded body ({@link ThlCodec}). Frame layout, big-endian:
 * <pre>
 *   i32 length (of everything after the crc) | i32 crc32c (of everything after the crc)
 *   | i64 seqno | i16 fragno | u8 flags (bit 0: lastFrag) | i64 epoch | body
 * </pre>
 * Immutable (the body array is never modified after construction).
 */
public record ThlRecord(long seqno, int fragno, boolean lastFrag, long epoch, byte[] body) {
    /** Bytes before the header fields: length and crc. */
    public static final int PREFIX = 8;
    /** Bytes of the header fields covered by the crc. */
    public static final int HEADER = 8 + 2 + 1 + 8;
    /** Largest accepted frame length; a larger length is corruption. */
    public static final int MAX_LENGTH = 256 * 1024 * 1024;

    public static ThlRecord of(ThlEvent e) {
        return new ThlRecord(e.seqno(), e.fragno(), e.lastFrag(), e.epoch(), ThlCodec.encode(e));
    }

    public ThlEvent decode() {
        return ThlCodec.decode(this);
    }

    /** Total bytes of this record's frame. */
    public int frameLength() {
        return PREFIX + HEADER + body.length;
    }

    /** Encodes the whole frame, crc included. */
    public ByteBuffer toFrame() {
        ByteBuffer buf = ByteBuffer.allocate(frameLength());
        buf.putInt(HEADER + body.length);
        buf.putInt(0);
        buf.putLong(seqno).putShort((short) fragno).put((byte) (lastFrag ? 1 : 0)).putLong(epoch).put(body);
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), PREFIX, HEADER + body.length);
        buf.putInt(4, (int) crc.getValue());
        buf.flip();
        return buf;
    }

    /**
     * Parses the part of a frame after the length field: crc, header and body.
     *
     * @return the record, or null when the crc does not match
     */
    public static ThlRecord fromFrame(int crc, byte[] content) {
        CRC32C c = new CRC32C();
        c.update(content, 0, content.length);
        if ((int) c.getValue() != crc) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(content);
        long seqno = b.getLong();
        int fragno = Short.toUnsignedInt(b.getShort());
        boolean last = (b.get() & 1) != 0;
        long epoch = b.getLong();
        byte[] body = new byte[content.length - HEADER];
        b.get(body);
        return new ThlRecord(seqno, fragno, last, epoch, body);
    }

    /** Reads the seqno from a frame's content even when its crc is bad (for error messages). */
    public static long peekSeqno(byte[] content) {
        return content.length >= 8 ? ByteBuffer.wrap(content).getLong() : -1;
    }
}
