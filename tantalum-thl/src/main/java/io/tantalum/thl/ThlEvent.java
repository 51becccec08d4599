package io.tantalum.thl;

import java.util.List;
import java.util.Map;

/**
 * One fragment of one replicated source transaction, as stored in the THL. A transaction with
 * few rows is a single fragment ({@code fragno == 0 && lastFrag}); a large one is split into
 * fragments numbered from 0, the last of which has {@code lastFrag}. Immutable.
 *
 * @param seqno global, gap-free sequence number of the source transaction (from 0)
 * @param fragno fragment number inside the transaction
 * @param lastFrag true on the transaction's last fragment
 * @param epoch first seqno of the master session that extracted this event
 * @param eventId source position, e.g. {@code mariadb-bin.000003:0000000000001234;gtid=0-1-57}
 * @param sourceId the master host that extracted the event
 * @param sourceTstamp source commit time, epoch milliseconds
 * @param extractTstamp extraction time, epoch milliseconds
 * @param shard shard name (default: the schema of the first change)
 * @param metadata free-form key/value metadata (e.g. {@code heartbeat=NAME})
 * @param changes the row changes and statements of this fragment, in source order
 */
public record ThlEvent(
        long seqno,
        int fragno,
        boolean lastFrag,
        long epoch,
        String eventId,
        String sourceId,
        long sourceTstamp,
        long extractTstamp,
        String shard,
        Map<String, String> metadata,
        List<Change> changes) {

    public ThlEvent {
        metadata = Map.copyOf(metadata);
        changes = List.copyOf(changes);
    }

    /**
     * A change carried by an event: a set of row changes on one table, a statement, or the source
     * session's settings for the changes that follow.
     */
    public sealed interface Change permits RowChange, StatementChange, SessionChange, BinlogFormatChange {}

    /** The kind of row change. */
    public enum Action {
        /** Rows inserted; each row has only an after image. */
        INSERT,
        /** Rows updated; each row has a before and an after image. */
        UPDATE,
        /** Rows deleted; each row has only a before image. */
        DELETE
    }

    /**
     * A column of a changed table.
     *
     * @param name column name
     * @param type MySQL wire type code of the column's real type (ENUM and SET resolved)
     * @param unsigned true for an UNSIGNED numeric column
     * @param key true for a primary key column
     */
    public record ColumnSpec(String name, int type, boolean unsigned, boolean key) {}

    /**
     * Row changes on one table. Values are {@code null}, {@link Long}, {@link java.math.BigInteger}
     * (BIGINT UNSIGNED above 2^63-1), {@link java.math.BigDecimal}, {@link Float}, {@link Double},
     * {@code byte[]} (strings, blobs, JSON, in the column's own charset) or {@link String}
     * (temporal values in MySQL literal form, TIMESTAMP in UTC).
     *
     * <p>{@code binlog}, when present, holds the master's own binlog events for this change, byte
     * for byte as the master wrote them (each with its checksum, if the binlog has one): the table
     * map events written since the previous rows event, then the rows event itself. A MariaDB
     * applier replays them with the server's {@code BINLOG} statement, through the same code as
     * native replication, after the {@link BinlogFormatChange} that precedes them in the event; the
     * decoded rows are then for display and for the SQL applier. It is null when the change must be
     * applied as SQL (a statement that also changed Tantalum's own tables).
     *
     * @param rows one {@code [before, after]} pair per row; an absent image is null
     * @param binlog the master's table map and rows events for this change, or null
     */
    public record RowChange(String schema, String table, Action action, List<ColumnSpec> columns, List<Object[][]> rows,
            byte[] binlog) implements Change {
        public RowChange {
            columns = List.copyOf(columns);
            rows = List.copyOf(rows);
        }

        /** Row changes with no binlog events (applied as SQL). */
        public RowChange(String schema, String table, Action action, List<ColumnSpec> columns, List<Object[][]> rows) {
            this(schema, table, action, columns, rows, null);
        }
    }

    /**
     * The master's FORMAT_DESCRIPTION binlog event (as the master wrote it), which tells a server
     * how to read the binlog events of the {@link RowChange}s that follow it in the event. It
     * comes first in every event that carries binlog events.
     */
    public record BinlogFormatChange(byte[] formatDescription) implements Change {}

    /**
     * A statement (DDL or other non-row change) with the session context it ran in.
     *
     * @param schema the default schema when it ran, or empty
     * @param sql the statement text
     * @param timestampSeconds the session timestamp at the source
     * @param errorCode the error the statement ended with on the master (0: none); a statement
     *     that failed part-way is still logged (e.g. a CREATE OR REPLACE that dropped the old
     *     table), and a slave must end it with the same error
     */
    public record StatementChange(String schema, String sql, long timestampSeconds, int errorCode) implements Change {
        /** A statement that succeeded on the master. */
        public StatementChange(String schema, String sql, long timestampSeconds) {
            this(schema, sql, timestampSeconds, 0);
        }
    }

    /**
     * The settings of the source session under which the following changes of the event ran, when
     * they differ from the defaults (a dump loaded with {@code FOREIGN_KEY_CHECKS=0}, DDL written
     * under {@code ANSI_QUOTES}). They hold until the next SessionChange or the end of the event;
     * an applier returns to its defaults after each event. Keys are the constants below, values
     * as the server's SET statement takes them.
     */
    public record SessionChange(Map<String, String> settings) implements Change {
        /** "0" when the source ran without foreign key checks. */
        public static final String FOREIGN_KEY_CHECKS = "foreign_key_checks";
        /** "0" when the source relaxed unique checks. */
        public static final String UNIQUE_CHECKS = "unique_checks";
        /** "0" when the source ran without CHECK constraint checks. */
        public static final String CHECK_CONSTRAINT_CHECKS = "check_constraint_checks";
        /** The source session's sql_mode as its numeric bit set (statements only). */
        public static final String SQL_MODE = "sql_mode";
        /** The source session's time zone, e.g. "+05:00" (statements only). */
        public static final String TIME_ZONE = "time_zone";
        /**
         * The name of the statement's character_set_client, e.g. "latin1" (statements only;
         * present only when the statement's text reaches the slave byte for byte in it).
         */
        public static final String CHARACTER_SET_CLIENT = "character_set_client";
        /** The name of the source session's collation_connection, e.g. "latin1_swedish_ci" (statements only). */
        public static final String COLLATION_CONNECTION = "collation_connection";
        /** The name of the source session's collation_server (statements only). */
        public static final String COLLATION_SERVER = "collation_server";

        public SessionChange {
            settings = Map.copyOf(new java.util.TreeMap<>(settings));
        }
    }

    /** True for an event that carries no change, only its metadata (a heartbeat). */
    public boolean isEmpty() {
        return changes.isEmpty();
    }
}
