package io.tantalum.replicator.internal.extract;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;

/**
 * A position in a MariaDB binlog, rendered as a THL event id:
 * {@code mariadb-bin.000003:0000000000001234;gtid=0-1-57}. The offset is where the next
 * transaction starts (the end of the one this id names).
 */
public record BinlogPosition(String file, long offset, String gtid) {
    public String toEventId() {
        return String.format("%s:%016d", file, offset) + (gtid == null || gtid.isEmpty() ? "" : ";gtid=" + gtid);
    }

    public static BinlogPosition parse(String eventId) {
        try {
            String[] parts = eventId.split(";", 2);
            int colon = parts[0].lastIndexOf(':');
            String gtid = parts.length > 1 && parts[1].startsWith("gtid=") ? parts[1].substring(5) : null;
            return new BinlogPosition(parts[0].substring(0, colon), Long.parseLong(parts[0].substring(colon + 1)), gtid);
        } catch (RuntimeException e) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "THL event id '" + eventId
                    + "' is not a binlog position (expected file:offset;gtid=...)", e);
        }
    }
}
