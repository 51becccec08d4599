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
 * Finds the binlog-only transactions of this host's database: reads its binlog from the end of the
 * last transaction its THL extracted to the binlog's end and keeps those {@link BinlogOnlyAnalyzer}
 * says were written here and never extracted. Used by a slave's start (refuse, or warn when
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
     * @param at the last transaction the THL extracted here, or null when the THL does not end
     *     with this host's events (nothing to compare: this host was not the master last)
     * @param binlogOnly the binlog-only transactions, in binlog order, with their changes when asked for
     * @param read how many transactions the binlog holds after {@code at}
     */
    public record Result(BinlogOnlyAnalyzer.Extracted at, List<BinlogTailReader.Read> binlogOnly, int read) {
        public List<BinlogOnlyAnalyzer.Transaction> transactions() {
            return binlogOnly.stream().map(BinlogTailReader.Read::transaction).toList();
        }
    }

    private BinlogOnlyReader() {}

    /**
     * The last event of {@code log} if it is a complete transaction this host extracted, else null.
     */
    static ThlEvent lastOwn(ReplicatorSettings settings, ThlLog log) {
        ThlRecord last = log.lastRecord();
        if (last == null || !last.lastFrag()) {
            return null;
        }
        ThlEvent e = last.decode();
        return settings.host().equals(e.sourceId()) ? e : null;
    }

    /** Reads the binlog after {@code lastOwn} (from {@link #lastOwn}, or null: nothing to read). */
    static Result read(ReplicatorSettings settings, Connection c, ThlEvent lastOwn, boolean withChanges)
            throws SQLException {
        if (lastOwn == null) {
            return new Result(null, List.of(), 0);
        }
        long serverId;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT @@server_id")) {
            rs.next();
            serverId = rs.getLong(1);
        }
        BinlogOnlyAnalyzer.Extracted at = new BinlogOnlyAnalyzer.Extracted(settings.host(), lastOwn.seqno(),
                BinlogPosition.parse(lastOwn.eventId()), serverId, "tantalum_" + settings.service(), SKIPPED);
        List<BinlogTailReader.Read> all = new ArrayList<>();
        try {
            new BinlogTailReader(source(settings)).read(at.position(), withChanges, all::add);
        } catch (TantalumException e) {
            throw new TantalumException(e.code(), settings.host() + " could not check its binlog for transactions"
                    + " written after the last one its THL extracted (seqno " + at.seqno() + ", "
                    + at.position().toEventId() + "): " + e.getMessage() + ". Fix the cause and retry; `trepctl"
                    + " online -force-divergence` goes online without this check.", e);
        }
        Set<BinlogOnlyAnalyzer.Transaction> only = new HashSet<>(BinlogOnlyAnalyzer.binlogOnly(at,
                all.stream().map(BinlogTailReader.Read::transaction).toList()));
        return new Result(at, all.stream().filter(r -> only.contains(r.transaction())).toList(), all.size());
    }

    /** For {@code trepctl binlog-only}: opens the THL and the database itself. */
    public static Result read(ReplicatorSettings settings, boolean withChanges) {
        ThlEvent own;
        try (ThlLog log = ThlLog.open(settings.thlDirectory(), settings.thlSegmentBytes(), settings.thlFsync())) {
            own = lastOwn(settings, log);
        }
        try (Connection c = Jdbc.connect(settings)) {
            return read(settings, c, own, withChanges);
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
                + " after the last one its THL extracted\n(seqno " + r.at().seqno() + ", " + r.at().position()
                .toEventId() + ") and never extracted, so no other host has them.\nRead it before running any of it"
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
