package io.tantalum.replicator.internal.extract;

import com.github.shyiko.mysql.binlog.event.QueryEventData;
import com.github.shyiko.mysql.binlog.event.deserialization.EventDataDeserializer;
import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Reads a QUERY event with the session context the library's deserializer skips: the status
 * variables (option flags, sql_mode, character sets, time zone), and the statement's raw bytes,
 * which are in the client's character set, not necessarily UTF-8.
 */
final class SessionQueryDeserializer implements EventDataDeserializer<SessionQueryDeserializer.Query> {
    /** Option bits of Q_FLAGS2_CODE (MariaDB's sql_priv.h). */
    static final long OPTION_NO_CHECK_CONSTRAINT_CHECKS = 1L << 15;
    static final long OPTION_NO_FOREIGN_KEY_CHECKS = 1L << 26;
    static final long OPTION_RELAXED_UNIQUE_CHECKS = 1L << 27;

    /**
     * The status variables Tantalum uses; null where the event does not carry one.
     *
     * @param flags2 the session's option bits (foreign key, unique and check constraint checks)
     * @param sqlMode the session's sql_mode bits
     * @param charsetClient collation id of character_set_client (the statement's encoding)
     * @param collationConnection the session's collation_connection id
     * @param collationServer the session's collation_server id
     * @param timeZone the session's time zone, present when the statement used it
     */
    record Status(Long flags2, Long sqlMode, Integer charsetClient, Integer collationConnection,
            Integer collationServer, String timeZone) {
        static final Status NONE = new Status(null, null, null, null, null, null);
    }

    /**
     * A QUERY event: the library's fields (SQL decoded as UTF-8) plus its raw bytes and status
     * variables, parsed only when asked for (every transaction's BEGIN is a QUERY event too).
     */
    static final class Query extends QueryEventData {
        private byte[] sqlBytes;
        private byte[] statusBytes;

        byte[] sqlBytes() {
            return sqlBytes;
        }

        Status status() {
            return parseStatus(statusBytes);
        }
    }

    @Override
    public Query deserialize(ByteArrayInputStream in) throws IOException {
        Query q = new Query();
        q.setThreadId(in.readLong(4));
        q.setExecutionTime(in.readLong(4));
        int dbLength = in.readInteger(1);
        q.setErrorCode(in.readInteger(2));
        int statusLength = in.readInteger(2);
        q.statusBytes = in.read(statusLength);
        q.setDatabase(in.readString(dbLength));
        in.skip(1);  // the database name's NUL
        q.sqlBytes = in.read(in.available());
        q.setSql(new String(q.sqlBytes, java.nio.charset.StandardCharsets.UTF_8));
        return q;
    }

    /**
     * Walks the status variables (MariaDB's Query_log_event layout). An unknown code ends the walk,
     * as it does in the server, since its length is unknown; what was read before it is kept.
     */
    static Status parseStatus(byte[] b) {
        Long flags2 = null;
        Long sqlMode = null;
        Integer charsetClient = null;
        Integer collationConnection = null;
        Integer collationServer = null;
        String timeZone = null;
        int p = 0;
        try {
            walk:
            while (p < b.length) {
                int code = b[p++] & 0xFF;
                switch (code) {
                    case 0 -> { // Q_FLAGS2_CODE
                        flags2 = RawEventDeserializer.le(b, p, 4);
                        p += 4;
                    }
                    case 1 -> { // Q_SQL_MODE_CODE
                        sqlMode = RawEventDeserializer.le(b, p, 8);
                        p += 8;
                    }
                    case 2 -> p += (b[p] & 0xFF) + 2; // Q_CATALOG_CODE: length, string, NUL
                    case 3 -> p += 4; // Q_AUTO_INCREMENT
                    case 4 -> { // Q_CHARSET_CODE: client, connection collation, server collation
                        charsetClient = (int) RawEventDeserializer.le(b, p, 2);
                        collationConnection = (int) RawEventDeserializer.le(b, p + 2, 2);
                        collationServer = (int) RawEventDeserializer.le(b, p + 4, 2);
                        p += 6;
                    }
                    case 5 -> { // Q_TIME_ZONE_CODE: length, string
                        int n = b[p] & 0xFF;
                        timeZone = new String(b, p + 1, n, java.nio.charset.StandardCharsets.US_ASCII);
                        p += 1 + n;
                    }
                    case 6 -> p += (b[p] & 0xFF) + 1; // Q_CATALOG_NZ_CODE
                    case 7, 8 -> p += 2; // Q_LC_TIME_NAMES_CODE, Q_CHARSET_DATABASE_CODE
                    case 9 -> p += 8; // Q_TABLE_MAP_FOR_UPDATE_CODE
                    case 10 -> p += 4; // Q_MASTER_DATA_WRITTEN_CODE
                    case 11 -> { // Q_INVOKER: user, host
                        p += (b[p] & 0xFF) + 1;
                        p += (b[p] & 0xFF) + 1;
                    }
                    case 128 -> p += 3; // Q_HRNOW
                    case 129 -> p += 8; // Q_XID
                    case 130 -> { // Q_GTID_FLAGS3, with a sequence number after COMMIT/ROLLBACK ALTER
                        int f = b[p++] & 0xFF;
                        if ((f & (4 | 8)) != 0) {
                            p += 8;
                        }
                    }
                    case 131 -> p += 1 + 4 * (b[p] & 0xFF); // Q_CHARACTER_SET_COLLATIONS (11.5+)
                    default -> {
                        break walk;
                    }
                }
            }
        } catch (IndexOutOfBoundsException e) {
            // a truncated variable: keep what was read before it
        }
        return new Status(flags2, sqlMode, charsetClient, collationConnection, collationServer, timeZone);
    }
}
