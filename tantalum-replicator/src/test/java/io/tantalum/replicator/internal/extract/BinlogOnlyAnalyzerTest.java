package io.tantalum.replicator.internal.extract;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer.Extracted;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer.Statement;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer.TableRows;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer.Transaction;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer.Verdict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The binlog-only rule, case by case, on transactions as the binlog reader returns them. */
class BinlogOnlyAnalyzerTest {
    private static final String FILE = "mariadb-bin.000002";
    private static final Extracted AT = new Extracted("host1", 41, new BinlogPosition(FILE, 1000, "0-1-40"), 1,
            "tantalum_alpha", "tantalum_");

    private static Transaction txn(String gtid, long at, List<TableRows> tables, Statement... statements) {
        long serverId = Long.parseLong(gtid.split("-")[1]);
        return new Transaction(gtid, serverId, new BinlogPosition(FILE, at, gtid), at + 100, tables,
                List.of(statements));
    }

    private static TableRows rows(String schema, String table, long ins, long upd, long del) {
        return new TableRows(schema, table, ins, upd, del);
    }

    private record Case(String name, Transaction txn, boolean binlogOnly) {}

    private static final List<Case> CASES = List.of(
            new Case("a client's insert on this server", txn("0-1-41", 1000, List.of(rows("app", "t", 2, 0, 0))), true),
            new Case("a client's DDL on this server", txn("0-1-42", 1100, List.of(),
                    new Statement("app", "CREATE TABLE x (id INT)")), true),
            new Case("DDL with no default schema", txn("0-1-43", 1200, List.of(),
                    new Statement("", "DROP TABLE app.x")), true),
            new Case("a heartbeat row (catalog)", txn("0-1-44", 1300,
                    List.of(rows("tantalum_alpha", "heartbeat", 0, 1, 0))), false),
            new Case("another service's catalog", txn("0-1-45", 1400,
                    List.of(rows("tantalum_beta", "trep_commit_seqno", 0, 1, 0))), false),
            new Case("applied by Tantalum: data and position in one transaction", txn("0-1-46", 1500,
                    List.of(rows("app", "t", 1, 0, 0), rows("tantalum_alpha", "trep_commit_seqno", 0, 1, 0))), false),
            new Case("applied in another domain, same server id", txn("7-1-3", 1600,
                    List.of(rows("app", "t", 0, 0, 1), rows("tantalum_alpha", "trep_commit_seqno", 0, 1, 0))), false),
            new Case("written by another server (native replication, or a replay keeping its id)",
                    txn("0-2-9", 1700, List.of(rows("app", "t", 1, 0, 0))), false),
            new Case("data and heartbeat together", txn("0-1-47", 1800,
                    List.of(rows("tantalum_alpha", "heartbeat", 0, 1, 0), rows("app", "u", 0, 3, 0))), true),
            new Case("an empty transaction", txn("0-1-48", 1900, List.of()), false));

    @Test
    void eachCaseAloneAndAllInBinlogOrder() {
        List<Transaction> all = new ArrayList<>();
        List<Transaction> expected = new ArrayList<>();
        for (Case c : CASES) {
            assertThat(BinlogOnlyAnalyzer.binlogOnly(AT, List.of(c.txn())))
                    .as(c.name()).isEqualTo(c.binlogOnly() ? List.of(c.txn()) : List.of());
            all.add(c.txn());
            if (c.binlogOnly()) {
                expected.add(c.txn());
            }
        }
        assertThat(BinlogOnlyAnalyzer.binlogOnly(AT, all)).isEqualTo(expected);
    }

    private record From(String name, BinlogOnlyAnalyzer.ThlTail tail, BinlogOnlyAnalyzer.MasterSession session,
            BinlogOnlyAnalyzer.Accounted expected) {}

    @Test
    void whereTheThlStopsAccountingForTheBinlog() {
        String own = "mariadb-bin.000002:0000000000001000;gtid=0-1-40";
        BinlogPosition ownEnd = BinlogPosition.parse(own);
        BinlogPosition sessionStart = new BinlogPosition("mariadb-bin.000003", 4, null);
        List<From> cases = List.of(
                new From("was master last, extracted: the end of its last event",
                        new BinlogOnlyAnalyzer.ThlTail(41, "host1", own, true), null,
                        new BinlogOnlyAnalyzer.Accounted(41, ownEnd)),
                new From("was master last, extracted: a recorded older session does not matter",
                        new BinlogOnlyAnalyzer.ThlTail(41, "host1", own, true),
                        new BinlogOnlyAnalyzer.MasterSession(30, sessionStart),
                        new BinlogOnlyAnalyzer.Accounted(41, ownEnd)),
                new From("was slave last (applied host2's events), no session recorded",
                        new BinlogOnlyAnalyzer.ThlTail(41, "host2", "x:1", true), null, null),
                new From("was slave last: its master session is older than the THL's tail",
                        new BinlogOnlyAnalyzer.ThlTail(41, "host2", "x:1", true),
                        new BinlogOnlyAnalyzer.MasterSession(30, sessionStart), null),
                new From("became master after host2's seqno 41 and extracted nothing: where the session started",
                        new BinlogOnlyAnalyzer.ThlTail(41, "host2", "x:1", true),
                        new BinlogOnlyAnalyzer.MasterSession(42, sessionStart),
                        new BinlogOnlyAnalyzer.Accounted(41, sessionStart)),
                new From("first master session, nothing extracted (empty THL)", null,
                        new BinlogOnlyAnalyzer.MasterSession(0, sessionStart),
                        new BinlogOnlyAnalyzer.Accounted(-1, sessionStart)),
                new From("empty THL, never master", null, null, null),
                new From("own incomplete tail (truncated before the check): nothing to compare",
                        new BinlogOnlyAnalyzer.ThlTail(41, "host1", own + ";partial", false), null, null));
        for (From c : cases) {
            assertThat(BinlogOnlyAnalyzer.readFrom("host1", c.tail(), c.session())).as(c.name())
                    .isEqualTo(c.expected());
        }
    }

    @Test
    void verdictByPresenceAndForce() {
        List<Transaction> some = List.of(CASES.get(0).txn());
        assertThat(BinlogOnlyAnalyzer.decide(List.of(), false)).isEqualTo(Verdict.NONE);
        assertThat(BinlogOnlyAnalyzer.decide(List.of(), true)).isEqualTo(Verdict.NONE);
        assertThat(BinlogOnlyAnalyzer.decide(some, false)).isEqualTo(Verdict.REFUSE);
        assertThat(BinlogOnlyAnalyzer.decide(some, true)).isEqualTo(Verdict.FORCED);
    }

    @Test
    void refusalSaysWhatWhereWhyAndWhatNext() {
        List<Transaction> only = List.of(CASES.get(0).txn(), CASES.get(1).txn(), CASES.get(8).txn());
        assertThat(BinlogOnlyAnalyzer.refusal(AT, "thl://host2:2112/", only)).isEqualTo(
                "host1 cannot go online as a slave of thl://host2:2112/: its database holds 3 binlog-only"
                + " transaction(s), written on host1 (server_id 1) after the binlog position its THL accounts for"
                + " (mariadb-bin.000002:0000000000001000;gtid=0-1-40, THL seqno 41) and never extracted, so no other"
                + " host has them:"
                + " GTID 0-1-41 at mariadb-bin.000002:1000 (app.t (2 inserted));"
                + " GTID 0-1-42 at mariadb-bin.000002:1100 (statement `CREATE TABLE x (id INT)`);"
                + " GTID 0-1-47 at mariadb-bin.000002:1800 (tantalum_alpha.heartbeat (1 updated), app.u (3 updated))."
                + " Nothing was applied. Ways out: (a) save them (`trepctl binlog-only -sql FILE` on host1 writes"
                + " them as SQL; they are in its binlog from mariadb-bin.000002:1000 to mariadb-bin.000002:1900),"
                + " re-apply on the master what must be kept, then rebuild host1 from the current master (in a"
                + " cluster `cctrl -e \"datasource host1 rebuild\"`; by hand, restore a backup of the master on it,"
                + " `trepctl reset -all -y`, `trepctl online`); (b) `trepctl online"
                + " -force-divergence` goes online anyway and leaves them on host1 only (its data stays different"
                + " from the master's).");
    }

    @Test
    void longListsAreCutButCounted() {
        List<Transaction> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            many.add(txn("0-1-" + (100 + i), 1000 + 100L * i, List.of(rows("app", "t", 1, 0, 0))));
        }
        String listed = BinlogOnlyAnalyzer.list(many);
        assertThat(listed).contains("GTID 0-1-119 ").doesNotContain("GTID 0-1-120 ").endsWith("; ...");
        assertThat(BinlogOnlyAnalyzer.refusal(AT, "thl://host2:2112/", many)).contains("holds 25 binlog-only");
    }

    @Test
    void longStatementsAreAbbreviated() {
        Transaction t = txn("0-1-41", 1000, List.of(), new Statement("app", "CREATE TABLE t (\n  "
                + "c".repeat(100) + " INT)"));
        assertThat(BinlogOnlyAnalyzer.list(List.of(t))).isEqualTo("GTID 0-1-41 at mariadb-bin.000002:1000 (statement"
                + " `CREATE TABLE t ( " + "c".repeat(60) + "...`)");
    }
}
