package io.tantalum.replicator.internal.apply;

import io.tantalum.thl.ThlEvent;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies THL row changes over one JDBC connection. A change that carries the master's binlog
 * events is replayed with MariaDB's {@code BINLOG} statement (the server applies the master's row
 * events through native replication's code: exact values, no triggers, system-versioning and
 * hash-key columns handled by the server), after the master's format description event. Other
 * changes become SQL: multi-row INSERTs, UPDATE and DELETE by
 * primary key, or by every column with {@code <=>} and {@code LIMIT 1} on a table without one.
 * Statements are queued and sent as one JDBC batch per flush (a round trip per block rather than
 * per row), with values written as exact literals ({@link SqlLiterals}). An UPDATE or DELETE that
 * matches no row means the slave diverged and fails with {@link RowNotFoundException}. Not
 * thread-safe: one instance per applier connection.
 */
final class RowSql {
    private static final int FLOAT = 4;
    private static final int INSERT_ROWS_PER_STATEMENT = 200;

    /** Binlog events are sent in BINLOG statements of about this many bytes at most. */
    private static final int BINLOG_STATEMENT_BYTES = 1 << 20;

    private final Connection conn;
    private final boolean binlogApply;
    /** The database's max_allowed_packet: no statement sent may be longer. */
    private final long maxPacket;
    /** The format description event last replayed on this connection. */
    private byte[] format;
    /**
     * Binlog events not yet queued, and the origin of the last of them. The server forgets every
     * table map at the end of each BINLOG statement (and skips, silently, the rows of a table id it
     * does not know), so a statement whose rows events are split over two BINLOG statements has
     * its table maps sent again at the start of the second: {@code statementMaps} holds the table
     * maps of the statement whose last rows event (STMT_END_F) has not been seen yet.
     */
    private final java.io.ByteArrayOutputStream binlog = new java.io.ByteArrayOutputStream();
    private final List<byte[]> statementMaps = new ArrayList<>();
    private boolean binlogHasRows;
    private Origin binlogOrigin;
    /** The seqno of the first transaction whose events are in {@code binlog} (-1: none). */
    private long binlogFirstSeqno = -1;
    /** Transactions up to this seqno get BINLOG statements of their own ({@link #separateUntil}). */
    private long separateUntil = -1;
    /** An UPDATE or DELETE found no row to change. */
    static final class RowNotFoundException extends SQLException {
        private static final long serialVersionUID = 1L;

        RowNotFoundException(String message) {
            super(message, "02000", 1032);
        }
    }

    /**
     * @param binlogApply replay changes that carry binlog events with BINLOG (MariaDB targets),
     *     rather than as SQL
     */
    RowSql(Connection conn, boolean binlogApply, long maxPacket) {
        this.conn = conn;
        this.binlogApply = binlogApply;
        this.maxPacket = maxPacket;
    }

    /**
     * Where a queued statement comes from, for error messages; the description is built only when
     * one is needed, never on the apply path. A BINLOG statement may carry the events of several
     * consecutive transactions: from {@code firstSeqno} to {@code seqno} (the last one's event id).
     */
    record Origin(long seqno, String eventId, java.util.function.Supplier<String> description, long firstSeqno) {
        Origin(long seqno, String eventId, java.util.function.Supplier<String> description) {
            this(seqno, eventId, description, seqno);
        }

        String what() {
            return description.get();
        }
    }

    /**
     * Transactions up to {@code seqno} get BINLOG statements of their own; later ones share them, up
     * to {@link #BINLOG_STATEMENT_BYTES}, until something else must be sent between them (a session
     * change, a statement, the block's end): one statement for a block of small transactions saves
     * the server a statement's overhead per transaction. The applier asks for separate statements
     * when applying again what a shared one failed on, so that the failure names its transaction.
     */
    void separateUntil(long seqno) {
        separateUntil = seqno;
    }

    /** A queued statement failed (or matched no row); carries its origin. */
    static final class BatchFailure extends SQLException {
        private static final long serialVersionUID = 1L;
        private final transient Origin origin;

        BatchFailure(Origin origin, SQLException cause) {
            super(cause.getMessage(), cause.getSQLState(), cause.getErrorCode(), cause);
            this.origin = origin;
        }

        Origin origin() {
            return origin;
        }
    }

    private final java.util.List<String> pending = new ArrayList<>();
    private final java.util.List<Origin> origins = new ArrayList<>();
    private final java.util.List<Boolean> mustMatch = new ArrayList<>();
    private long pendingBytes;

    /**
     * Queues the SQL of a row change; {@link #flush} sends everything queued in one batch (one
     * round trip instead of one per statement).
     */
    void apply(ThlEvent.RowChange rc, Origin origin) {
        if (binlogApply && rc.binlog() != null) {
            if (format == null) {
                throw new IllegalStateException("binlog events at seqno " + origin.seqno() + " without a format"
                        + " description event before them");
            }
            appendEvents(rc.binlog(), origin);
            if (binlog.size() >= BINLOG_STATEMENT_BYTES) {
                queueBinlog();
            }
            return;
        }
        queueBinlog();
        switch (rc.action()) {
            case INSERT -> insert(rc, origin);
            case UPDATE -> updateOrDelete(rc, true, origin);
            case DELETE -> updateOrDelete(rc, false, origin);
        }
    }

    /** Replays the master's format description event, unless it is the one this connection last replayed. */
    void format(ThlEvent.BinlogFormatChange f, Origin origin) {
        if (binlogApply && !java.util.Arrays.equals(f.formatDescription(), format)) {
            queueBinlog();
            for (String statement : binlogStatements(f.formatDescription(), maxPacket, origin)) {
                queue(statement, origin, false);
            }
            format = f.formatDescription();
        }
    }

    /** Gathers a change's binlog events (table maps, then a rows event), noting the open statement's table maps. */
    private void appendEvents(byte[] events, Origin origin) {
        int p = 0;
        while (p < events.length) {
            int size = BinlogEvents.size(events, p);
            if (binlogHasRows && binlog.size() + size > BINLOG_STATEMENT_BYTES) {
                queueBinlog(); // a large event goes in a BINLOG statement of its own (with its table maps)
            }
            if (BinlogEvents.isTableMap(events, p)) {
                statementMaps.add(java.util.Arrays.copyOfRange(events, p, p + size));
            } else {
                binlogHasRows = true;
                if (BinlogEvents.endsStatement(events, p)) {
                    statementMaps.clear();
                }
            }
            binlog.write(events, p, size);
            binlogOrigin = origin;
            binlogFirstSeqno = binlogFirstSeqno < 0 ? origin.seqno() : binlogFirstSeqno;
            p += size;
        }
    }

    /**
     * Queues the BINLOG statement of the binlog events gathered so far; if a statement's rows
     * events continue after them, the next BINLOG statement starts with that statement's table maps.
     */
    private void queueBinlog() {
        if (!binlogHasRows) {
            return;
        }
        Origin last = binlogOrigin;
        long first = binlogFirstSeqno;
        Origin o = first == last.seqno() ? last : new Origin(last.seqno(), last.eventId(),
                () -> "the binlog events of seqnos " + first + " to " + last.seqno(), first);
        for (String statement : binlogStatements(binlog.toByteArray(), maxPacket, o)) {
            queue(statement, o, false);
        }
        binlog.reset();
        binlogHasRows = false;
        binlogFirstSeqno = statementMaps.isEmpty() ? -1 : binlogOrigin.seqno();
        for (byte[] map : statementMaps) {
            binlog.writeBytes(map);
        }
    }

    /** Room left in a packet for what surrounds a statement's text. */
    private static final int PACKET_MARGIN = 1024;

    /**
     * The statements that replay {@code events}: one BINLOG statement, or, when that would not fit
     * in the database's max_allowed_packet (a row of many megabytes), the base64 text in two user
     * variables and {@code BINLOG @binlog_fragment_0, @binlog_fragment_1}, as mariadb-binlog writes
     * it. An event too large even for that stops the applier with what to raise.
     */
    static List<String> binlogStatements(byte[] events, long maxPacket, Origin origin) {
        String b64 = java.util.Base64.getEncoder().encodeToString(events);
        if (b64.length() + PACKET_MARGIN <= maxPacket) {
            return List.of("BINLOG '" + b64 + "'");
        }
        int half = (b64.length() + 1) / 2;
        if (half + PACKET_MARGIN > maxPacket) {
            long need = ((long) half + PACKET_MARGIN + (1 << 20) - 1) >> 20 << 20;
            throw new ApplyException("Cannot apply seqno " + origin.seqno() + " (event id " + origin.eventId() + "): its"
                    + " binlog events take " + events.length + " bytes, " + b64.length() + " in base64, more than"
                    + " two packets of this database's max_allowed_packet (" + maxPacket + " bytes) can carry. Raise"
                    + " it on this slave (SET GLOBAL max_allowed_packet=" + need + ", and in its configuration),"
                    + " then run `trepctl online`.", origin.seqno(), origin.eventId(), null);
        }
        // _binary: the session's collation_connection may be the source's (utf32, say); the variables are
        // emptied afterwards so that the session does not keep megabytes
        return List.of("SET @binlog_fragment_0=_binary'" + b64.substring(0, half) + "'",
                "SET @binlog_fragment_1=_binary'" + b64.substring(half) + "'",
                "BINLOG @binlog_fragment_0, @binlog_fragment_1",
                "SET @binlog_fragment_0=NULL, @binlog_fragment_1=NULL");
    }

    /** The statements queued and not yet sent (for tests). */
    List<String> pendingStatements() {
        return List.copyOf(pending);
    }

    /** Where each statement queued and not yet sent comes from (for tests). */
    List<Origin> pendingOrigins() {
        return List.copyOf(origins);
    }

    int pendingCount() {
        return pending.size();
    }

    long pendingBytes() {
        return pendingBytes;
    }

    /** The applier's sql_mode; the other settings' defaults are the server's (checks on, time zone UTC). */
    static final String DEFAULT_SQL_MODE = "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

    private static final java.util.regex.Pattern COLLATION = java.util.regex.Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final java.util.regex.Pattern TIME_ZONE = java.util.regex.Pattern.compile("[A-Za-z0-9/_+:-]{1,64}");

    private boolean sessionChanged;

    /**
     * Queues the SET that gives the session the source's settings for the changes that follow
     * (the defaults for what the change does not name).
     */
    void session(ThlEvent.SessionChange sc, Origin origin) {
        queueBinlog();
        queue(sessionSql(sc.settings()), origin, false);
        sessionChanged = !sc.settings().isEmpty();
    }

    /**
     * At the end of an event: queues the return to the applier's defaults when the event changed
     * them, and its binlog events unless the next transaction's may share their statement.
     */
    void endEvent(long seqno, String eventId) {
        if (sessionChanged || seqno <= separateUntil) {
            queueBinlog();
        }
        if (sessionChanged) {
            queue(sessionSql(java.util.Map.of()), new Origin(seqno, eventId,
                    () -> "the return to the applier's session settings"), false);
            sessionChanged = false;
        }
    }

    /** The SET for {@code settings}; a value that is not what its setting takes is an error, never SQL. */
    static String sessionSql(java.util.Map<String, String> settings) {
        StringBuilder sb = new StringBuilder("SET SESSION ");
        for (String check : java.util.List.of(ThlEvent.SessionChange.FOREIGN_KEY_CHECKS,
                ThlEvent.SessionChange.UNIQUE_CHECKS, ThlEvent.SessionChange.CHECK_CONSTRAINT_CHECKS)) {
            String v = settings.getOrDefault(check, "1");
            if (!v.equals("0") && !v.equals("1")) {
                throw new IllegalArgumentException("session setting " + check + "=" + v + " is not 0 or 1");
            }
            sb.append(check).append('=').append(v).append(", ");
        }
        String mode = settings.get(ThlEvent.SessionChange.SQL_MODE);
        if (mode != null && !mode.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("session setting sql_mode=" + mode + " is not a number");
        }
        // string literals carry an introducer: the session's collation_connection may be the source's,
        // one in which '+00:00' would not read as a time zone (utf32, say)
        sb.append("sql_mode=").append(mode != null ? mode : "_utf8mb4'" + DEFAULT_SQL_MODE + "'");
        String zone = settings.getOrDefault(ThlEvent.SessionChange.TIME_ZONE, "+00:00");
        if (!TIME_ZONE.matcher(zone).matches()) {
            throw new IllegalArgumentException("session setting time_zone=" + zone + " is not a time zone");
        }
        sb.append(", time_zone=_utf8mb4'").append(zone).append('\'');
        // character set and collations by name; the defaults are the applier's own (SET NAMES utf8mb4) and the
        // server's
        collation(sb, settings, ThlEvent.SessionChange.CHARACTER_SET_CLIENT, "utf8mb4");
        collation(sb, settings, ThlEvent.SessionChange.COLLATION_CONNECTION, "utf8mb4_general_ci");
        collation(sb, settings, ThlEvent.SessionChange.COLLATION_SERVER, "DEFAULT");
        return sb.toString();
    }

    private static void collation(StringBuilder sb, java.util.Map<String, String> settings, String name,
            String dflt) {
        String value = settings.get(name);
        if (value != null && !COLLATION.matcher(value).matches()) {
            throw new IllegalArgumentException("session setting " + name + "=" + value
                    + " is not a character set or collation name");
        }
        sb.append(", ").append(name).append('=').append(value != null ? value : dflt);
    }

    /**
     * Queues a statement of the applier's own (the applied position) after everything queued so
     * far, to go in the same batch. Not one multi-statement with the COMMIT as well: the server
     * answers a BINLOG statement without the "more results" flag, so the client loses its place
     * among the answers of a multi-statement (seen with MariaDB 10.11 and Connector/J 3.5).
     */
    void queueOwn(String sql, Origin origin) {
        queueBinlog();
        queue(sql, origin, false);
    }

    private void queue(String sql, Origin origin, boolean match) {
        pending.add(sql);
        origins.add(origin);
        mustMatch.add(match);
        pendingBytes += sql.length();
    }

    /** Executes every queued statement; an UPDATE or DELETE that matched no row is a failure. */
    void flush() throws SQLException {
        queueBinlog();
        if (pending.isEmpty()) {
            return;
        }
        try (Statement s = conn.createStatement()) {
            for (String sql : pending) {
                s.addBatch(sql);
            }
            int[] counts;
            try {
                counts = s.executeBatch();
            } catch (java.sql.BatchUpdateException e) {
                int[] done = e.getUpdateCounts();
                int failed = 0;
                while (done != null && failed < done.length && done[failed] != Statement.EXECUTE_FAILED) {
                    failed++;
                }
                throw new BatchFailure(origins.get(Math.min(failed, origins.size() - 1)), e);
            }
            for (int i = 0; i < counts.length; i++) {
                if (mustMatch.get(i) && counts[i] == 0) {
                    Origin o = origins.get(i);
                    throw new BatchFailure(o, new RowNotFoundException(o.what()
                            + ": the slave's data differs from the master's"));
                }
            }
        } finally {
            pending.clear();
            origins.clear();
            mustMatch.clear();
            pendingBytes = 0;
        }
    }

    private static String table(ThlEvent.RowChange rc) {
        return quote(rc.schema()) + "." + quote(rc.table());
    }

    static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private void insert(ThlEvent.RowChange rc, Origin origin) {
        List<Object[][]> rows = rc.rows();
        for (int start = 0; start < rows.size(); start += INSERT_ROWS_PER_STATEMENT) {
            int n = Math.min(INSERT_ROWS_PER_STATEMENT, rows.size() - start);
            StringBuilder sb = new StringBuilder("INSERT INTO ").append(table(rc)).append(" (");
            for (int c = 0; c < rc.columns().size(); c++) {
                sb.append(c == 0 ? "" : ",").append(quote(rc.columns().get(c).name()));
            }
            sb.append(") VALUES ");
            for (int i = start; i < start + n; i++) {
                Object[] after = rows.get(i)[1];
                sb.append(i == start ? "(" : ",(");
                for (int c = 0; c < rc.columns().size(); c++) {
                    sb.append(c == 0 ? "" : ",").append(SqlLiterals.of(rc.columns().get(c), after[c]));
                }
                sb.append(')');
            }
            queue(sb.toString(), origin, false);
        }
    }

    private void updateOrDelete(ThlEvent.RowChange rc, boolean update, Origin origin) {
        List<ThlEvent.ColumnSpec> cols = rc.columns();
        List<Integer> keyCols = new ArrayList<>();
        for (int c = 0; c < cols.size(); c++) {
            if (cols.get(c).key()) {
                keyCols.add(c);
            }
        }
        boolean byKey = !keyCols.isEmpty();
        if (!byKey) {
            for (int c = 0; c < cols.size(); c++) {
                keyCols.add(c);
            }
        }
        for (Object[][] row : rc.rows()) {
            StringBuilder sb = new StringBuilder(update ? "UPDATE " : "DELETE FROM ").append(table(rc));
            if (update) {
                sb.append(" SET ");
                for (int c = 0; c < cols.size(); c++) {
                    sb.append(c == 0 ? "" : ",").append(quote(cols.get(c).name())).append('=')
                            .append(SqlLiterals.of(cols.get(c), row[1][c]));
                }
            }
            sb.append(" WHERE ");
            boolean first = true;
            for (int c : keyCols) {
                ThlEvent.ColumnSpec col = cols.get(c);
                String lit = SqlLiterals.of(col, row[0][c]);
                sb.append(first ? "" : " AND ").append(quote(col.name())).append(byKey ? "=" : "<=>")
                        .append(col.type() == FLOAT ? "CAST(" + lit + " AS FLOAT)" : lit);
                first = false;
            }
            if (!byKey) {
                sb.append(" LIMIT 1");
            }
            queue(sb.toString(), new Origin(origin.seqno(), origin.eventId(), () -> (update ? "UPDATE" : "DELETE")
                    + " on " + rc.schema() + "." + rc.table() + " matched no row on this slave for "
                    + describeKey(rc, keyCols, row[0])), true);
        }
    }

    private static String describeKey(ThlEvent.RowChange rc, List<Integer> keyCols, Object[] before) {
        StringBuilder sb = new StringBuilder();
        for (int c : keyCols) {
            Object v = before[c];
            sb.append(sb.length() == 0 ? "" : ", ").append(rc.columns().get(c).name()).append('=')
                    .append(v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : v);
            if (sb.length() > 200) {
                break;
            }
        }
        return sb.toString();
    }

    /** Runs a statement in autocommit mode, as the master did (DDL commits by itself anyway). */
    void execute(ThlEvent.StatementChange sc) throws SQLException {
        conn.setAutoCommit(true);
        try (Statement s = conn.createStatement()) {
            if (!sc.schema().isEmpty()) {
                try {
                    s.execute("USE " + quote(sc.schema()));
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1049) {
                        throw e;
                    }
                    // the default schema no longer exists (e.g. DROP DATABASE run from inside it)
                }
            }
            s.execute("SET TIMESTAMP=" + sc.timestampSeconds());
            try {
                s.execute(sc.sql());
            } finally {
                s.execute("SET TIMESTAMP=DEFAULT");
            }
        } finally {
            conn.setAutoCommit(false);
        }
    }

    /**
     * The SQL statements of a row change, as they are sent when it is not replayed with BINLOG
     * (for a script an operator reads and runs: {@link SqlScriptWriter}).
     */
    static List<String> statements(ThlEvent.RowChange rc) {
        RowSql s = new RowSql(null, false, Long.MAX_VALUE);
        s.apply(new ThlEvent.RowChange(rc.schema(), rc.table(), rc.action(), rc.columns(), rc.rows()),
                new Origin(-1, "", () -> ""));
        return List.copyOf(s.pending);
    }

    /** Drops anything queued (the transaction is being rolled back). */
    void discard() {
        binlog.reset();
        binlogHasRows = false;
        binlogFirstSeqno = -1;
        statementMaps.clear();
        pending.clear();
        origins.clear();
        mustMatch.clear();
        pendingBytes = 0;
    }
}
