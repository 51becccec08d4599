package io.tantalum.replicator.internal;

import io.tantalum.common.TantalumException;
import io.tantalum.replicator.ReplicatorSettings;
import io.tantalum.replicator.internal.apply.SqlScriptWriter;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer;
import io.tantalum.replicator.internal.extract.BinlogPosition;
import io.tantalum.replicator.internal.extract.BinlogTailReader;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the binlog-only transactions of this host's database: reads its binlog from the position
 * its THL accounts for it up to ({@link BinlogOnlyAnalyzer#readFrom}, with the THL's last event and
 * {@link MasterSessionStore}) to the binlog's end and keeps those {@link BinlogOnlyAnalyzer} says
 * were written here and never extracted. Used by a slave's start (refuse, or warn when
 * forced) and by {@code trepctl binlog-only} (list them, write them as SQL). Stateless.
 *
 * <p>Reads the binlog with the replicator's binlog client server id: never while this host's own
 * extractor runs (a second dump with the same id would end the first).
 */
public final class BinlogOnlyReader {
    private static final String SKIPPED = "tantalum_";

    /**
     * What was found.
     *
     * @param at where the THL stops accounting for the binlog, or null when it accounts for none of
     *     it (nothing to compare: this host was not the master last)
     * @param binlogOnly the binlog-only transactions, in binlog order, with their changes when asked for
     * @param read how many transactions the binlog holds after {@code at}
     */
    public record Result(BinlogOnlyAnalyzer.Extracted at, List<BinlogTailReader.Read> binlogOnly, int read) {
        public List<BinlogOnlyAnalyzer.Transaction> transactions() {
            return binlogOnly.stream().map(BinlogTailReader.Read::transaction).toList();
        }
    }

    private BinlogOnlyReader() {}

    /** Where the THL stops accounting for this host's binlog ({@link BinlogOnlyAnalyzer#readFrom}), or null. */
    static BinlogOnlyAnalyzer.Accounted readFrom(ReplicatorSettings settings, ThlLog log) {
        ThlRecord last = log.lastRecord();
        BinlogOnlyAnalyzer.ThlTail tail = null;
        if (last != null) {
            ThlEvent e = last.decode();
            tail = new BinlogOnlyAnalyzer.ThlTail(e.seqno(), e.sourceId(), e.eventId(), last.lastFrag());
        }
        return BinlogOnlyAnalyzer.readFrom(settings.host(), tail, MasterSessionStore.load(log.directory()));
    }

    /** Reads the binlog from {@code from} (see {@link #readFrom}; null: nothing to read). */
    static Result read(ReplicatorSettings settings, Connection c, BinlogOnlyAnalyzer.Accounted from,
            boolean withChanges) throws SQLException {
        if (from == null) {
            return new Result(null, List.of(), 0);
        }
        long serverId;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
            rs.next();
            serverId = rs.getLong(1);
        }
        BinlogOnlyAnalyzer.Extracted at = new BinlogOnlyAnalyzer.Extracted(settings.host(), from.seqno(),
                from.position(), serverId, "tantalum_" + settings.service(), SKIPPED);
        List<BinlogTailReader.Read> all = new ArrayList<>();
        try {
            new BinlogTailReader(source(settings)).read(at.position(), withChanges, all::add);
        } catch (TantalumException e) {
            throw new TantalumException(e.code(), settings.host() + " could not check its binlog for transactions"
                    + " written after the position its THL accounts for (" + at.position().toEventId() + ", THL seqno "
                    + at.seqno() + "): " + e.getMessage() + ". Fix the cause and retry; `trepctl online"
                    + " -force-divergence` goes online without this check.", e);
        }
        Set<BinlogOnlyAnalyzer.Transaction> only = new HashSet<>(BinlogOnlyAnalyzer.binlogOnly(at,
                all.stream().map(BinlogTailReader.Read::transaction).toList()));
        return new Result(at, all.stream().filter(r -> only.contains(r.transaction())).toList(), all.size());
    }

    /** For {@code trepctl binlog-only}: opens the THL and the database itself. */
    public static Result read(ReplicatorSettings settings, boolean withChanges) {
        BinlogOnlyAnalyzer.Accounted from;
        try (ThlLog log = ThlLog.open(settings.thlDirectory(), settings.thlSegmentBytes(), settings.thlFsync())) {
            from = readFrom(settings, log);
        }
        try (Connection c = Jdbc.connect(settings)) {
            return read(settings, c, from, withChanges);
        } catch (SQLException e) {
            throw Jdbc.unavailable(settings, e);
        }
    }

    /** The binlog-only transactions as a SQL script, one database transaction each. */
    public static String sql(ReplicatorSettings settings, Result r) {
        if (r.at() == null) {
            return "";
        }
        SqlScriptWriter w = new SqlScriptWriter("Binlog-only transactions of " + settings.host() + ": written there"
                + " after the position its THL accounts for\n(" + r.at().position().toEventId() + ", THL seqno "
                + r.at().seqno() + ") and never extracted, so no other host has them.\nRead it before running any of it"
                + " on the master: rows are found by primary key (or every column),\nthe values are the ones "
                + settings.host() + " wrote; a transaction may conflict with what the master has since.",
                SKIPPED);
        for (BinlogTailReader.Read read : r.binlogOnly()) {
            BinlogOnlyAnalyzer.Transaction t = read.transaction();
            w.transaction(BinlogOnlyAnalyzer.list(List.of(t)) + ", ends at " + t.end(), read.changes());
        }
        return w.script();
    }

    static BinlogTailReader.Source source(ReplicatorSettings settings) {
        return new BinlogTailReader.Source(settings.dbHost(), settings.dbPort(), settings.dbUser(),
                settings.dbPassword(), settings.effectiveServerId());
    }
}
