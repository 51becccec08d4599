package io.tantalum.replicator.internal.extract;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a database that is about to become a slave holds <em>binlog-only</em>
 * transactions: transactions written on it (by a client, while it was the master) after the last
 * one its THL extracted, which therefore no other host has. Pure functions over what was read from
 * the binlog; stateless, thread-safe.
 *
 * <p>The rule (also in this package's INVARIANTS.md). The binlog is read from the last position
 * this host's THL accounts for ({@link #readFrom}) to its end: the end of the THL's last event when
 * this host extracted it, or where this host's last master session started when that session
 * extracted nothing (the THL still ends with the event it started after). A transaction read
 * there is binlog-only when all of these hold:
 * <ol>
 *   <li>its GTID's server id is this database's {@code @@server_id} (another id means it was
 *       written elsewhere and came here by replication, so its origin has it);</li>
 *   <li>it does not write {@code tantalum_<service>.trep_commit_seqno}: Tantalum's applier writes
 *       the applied position in the same transaction as every change it applies, so this marks a
 *       transaction applied from another master's THL whatever server id and domain it was logged
 *       with (the applier sets neither {@code server_id} nor {@code gtid_domain_id}, so its SQL
 *       is logged with this server's own: neither GTIDs nor {@code @@gtid_binlog_pos} can tell
 *       an applied transaction from one a client wrote here);</li>
 *   <li>it changes a table, or runs a statement, outside the schemas the extractor skips
 *       ({@code tantalum_*}): the replicator's own catalog and heartbeat rows are not data.</li>
 * </ol>
 * A host that was master, then slave, then master again extracted from the end of its binlog when
 * it became master the second time, so the transactions it applied as a slave lie before the
 * position read from and are never looked at; rule 2 covers them anyway.
 */
public final class BinlogOnlyAnalyzer {
    /** At most this many transactions are listed in a refusal; the count covers them all. */
    static final int LISTED = 20;

    private BinlogOnlyAnalyzer() {}

    /** Rows a transaction changed in one table. */
    public record TableRows(String schema, String table, long inserted, long updated, long deleted) {
        String describe() {
            List<String> parts = new ArrayList<>();
            if (inserted > 0) {
                parts.add(inserted + " inserted");
            }
            if (updated > 0) {
                parts.add(updated + " updated");
            }
            if (deleted > 0) {
                parts.add(deleted + " deleted");
            }
            return schema + "." + table + " (" + String.join(", ", parts) + ")";
        }
    }

    /**
     * A statement that is not BEGIN/COMMIT (DDL, or DML logged as a statement).
     *
     * @param schema the session's default schema ("" if none)
     */
    public record Statement(String schema, String sql) {}

    /**
     * One transaction as read from the binlog.
     *
     * @param gtid domain-server-sequence
     * @param serverId the server id of its GTID event
     * @param start where it starts (its GTID event)
     * @param end where the next one starts
     */
    public record Transaction(String gtid, long serverId, BinlogPosition start, long end, List<TableRows> tables,
            List<Statement> statements) {
        public Transaction {
            tables = List.copyOf(tables);
            statements = List.copyOf(statements);
        }

        String describe() {
            List<String> what = new ArrayList<>();
            tables.forEach(t -> what.add(t.describe()));
            statements.forEach(s -> what.add("statement `" + abbreviate(s.sql()) + "`"));
            return "GTID " + gtid + " at " + start.file() + ":" + start.offset() + " (" + String.join(", ", what)
                    + ")";
        }
    }

    /**
     * What the binlog is compared with: the binlog position up to which this host's THL accounts
     * for it (and the THL's last seqno then), and who "here" is.
     */
    public record Extracted(String host, long seqno, BinlogPosition position, long serverId, String catalogSchema,
            String skippedSchemaPrefix) {}

    /**
     * The THL's last event: its seqno, source host and event id, and whether it is complete (its
     * last fragment).
     */
    public record ThlTail(long seqno, String sourceId, String eventId, boolean complete) {}

    /** Where a master session started reading the binlog, and the epoch (first seqno) it gave its events. */
    public record MasterSession(long epoch, BinlogPosition start) {}

    /** The seqno and binlog position the THL accounts for the binlog up to. */
    public record Accounted(long seqno, BinlogPosition position) {}

    /**
     * Where to read this host's binlog from, or null when its THL does not account for any of it
     * (this host was not the master last: nothing to compare).
     *
     * @param tail the THL's last event, or null for an empty THL
     * @param session this host's last master session as recorded when it started, or null
     */
    public static Accounted readFrom(String host, ThlTail tail, MasterSession session) {
        if (tail != null && tail.complete() && host.equals(tail.sourceId())) {
            return new Accounted(tail.seqno(), BinlogPosition.parse(tail.eventId()));
        }
        long next = tail == null ? 0 : tail.seqno() + 1;
        if (session != null && session.epoch() == next && (tail == null || tail.complete())) {
            return new Accounted(next - 1, session.start());
        }
        return null;
    }

    /** What a slave start does about binlog-only transactions. */
    public enum Verdict {
        /** There are none: go on. */
        NONE,
        /** There are some and the operator did not accept them: refuse to go online, list them. */
        REFUSE,
        /** There are some and the operator accepted them ({@code online -force-divergence}): go on, warn. */
        FORCED
    }

    /** The transactions of {@code tail} that are binlog-only by the rule of the class comment, in binlog order. */
    public static List<Transaction> binlogOnly(Extracted at, List<Transaction> tail) {
        List<Transaction> out = new ArrayList<>();
        for (Transaction t : tail) {
            if (t.serverId() != at.serverId()) {
                continue;
            }
            boolean applied = t.tables().stream().anyMatch(r -> r.schema().equals(at.catalogSchema())
                    && r.table().equals("trep_commit_seqno"));
            boolean data = t.tables().stream().anyMatch(r -> !r.schema().startsWith(at.skippedSchemaPrefix()))
                    || t.statements().stream().anyMatch(s -> !s.schema().startsWith(at.skippedSchemaPrefix()));
            if (!applied && data) {
                out.add(t);
            }
        }
        return out;
    }

    public static Verdict decide(List<Transaction> binlogOnly, boolean forceDivergence) {
        if (binlogOnly.isEmpty()) {
            return Verdict.NONE;
        }
        return forceDivergence ? Verdict.FORCED : Verdict.REFUSE;
    }

    /** The list of binlog-only transactions, as the refusal and the forced warning print it. */
    public static String list(List<Transaction> binlogOnly) {
        List<String> listed = new ArrayList<>();
        for (int i = 0; i < Math.min(LISTED, binlogOnly.size()); i++) {
            listed.add(binlogOnly.get(i).describe());
        }
        return String.join("; ", listed) + (binlogOnly.size() > LISTED ? "; ..." : "");
    }

    /** The refusal: what, where, why, what next. */
    public static String refusal(Extracted at, String master, List<Transaction> binlogOnly) {
        Transaction first = binlogOnly.get(0);
        Transaction last = binlogOnly.get(binlogOnly.size() - 1);
        return at.host() + " cannot go online as a slave of " + master + ": its database holds "
                + binlogOnly.size() + " binlog-only transaction(s), written on " + at.host() + " (server_id "
                + at.serverId() + ") after the binlog position its THL accounts for (" + at.position().toEventId()
                + ", THL seqno " + at.seqno() + ") and never extracted, so no other host has them: "
                + list(binlogOnly) + ". Nothing was applied. Ways out: (a) save them (`trepctl binlog-only -sql"
                + " FILE` on " + at.host() + " writes them as SQL; they are in its binlog from " + first.start().file()
                + ":" + first.start().offset() + " to " + last.start().file() + ":" + last.end() + "), re-apply on the"
                + " master what must be kept, then rebuild " + at.host() + " from the current master (in a cluster"
                + " `cctrl -e \"datasource " + at.host() + " rebuild\"`; by hand, restore a backup of the master on it,"
                + " `trepctl reset -all -y`, `trepctl online`); (b) `trepctl online"
                + " -force-divergence` goes online anyway and leaves them on " + at.host() + " only (its data stays"
                + " different from the master's).";
    }

    private static String abbreviate(String sql) {
        String s = sql.replaceAll("\\s+", " ").trim();
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
