package io.tantalum.replicator.internal.apply;

/**
 * Reads the framing of MariaDB binlog events (v4) as the THL carries them in row changes: a
 * 19-byte header (timestamp, type, server id, event size, next position, flags), then the body.
 * Only table map and rows events appear there. Stateless.
 */
final class BinlogEvents {
    static final int HEADER_LENGTH = 19;
    private static final int TABLE_MAP_EVENT = 19;
    /** A rows event's flags follow its 6-byte table id; STMT_END_F marks a statement's last rows event. */
    private static final int ROWS_FLAGS_OFFSET = HEADER_LENGTH + 6;
    private static final int STMT_END_F = 1;

    private BinlogEvents() {}

    /** The size of the event at {@code p}, checked against the buffer. */
    static int size(byte[] b, int p) {
        if (b.length - p < HEADER_LENGTH) {
            throw new IllegalArgumentException("binlog event at " + p + " is cut short: " + (b.length - p)
                    + " bytes left, a header alone has " + HEADER_LENGTH);
        }
        long size = le(b, p + 9, 4);
        if (size < HEADER_LENGTH || size > b.length - p) {
            throw new IllegalArgumentException("binlog event at " + p + " claims " + size + " bytes, "
                    + (b.length - p) + " are left");
        }
        return (int) size;
    }

    static boolean isTableMap(byte[] b, int p) {
        return (b[p + 4] & 0xFF) == TABLE_MAP_EVENT;
    }

    /** For a rows event: is it its statement's last (the server then closes the statement's tables)? */
    static boolean endsStatement(byte[] b, int p) {
        return (le(b, p + ROWS_FLAGS_OFFSET, 2) & STMT_END_F) != 0;
    }

    private static long le(byte[] b, int p, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[p + i] & 0xFF);
        }
        return v;
    }
}
