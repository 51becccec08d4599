package io.tantalum.replicator.internal.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.thl.ThlEvent;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class RowSqlBinlogTest {
    private static final byte[] FORMAT = event(15, 0, 30);
    private static final byte[] MAP = event(19, 0, 40);

    /** A binlog event of a type, with rows-event flags, padded to a size. */
    private static byte[] event(int type, int flags, int size) {
        byte[] e = new byte[size];
        e[4] = (byte) type;
        e[9] = (byte) size;
        e[10] = (byte) (size >> 8);
        e[BinlogEvents.HEADER_LENGTH + 6] = (byte) flags;
        return e;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static ThlEvent.RowChange rows(byte[] binlog) {
        return new ThlEvent.RowChange("s", "t", ThlEvent.Action.INSERT, List.of(), List.of(), binlog);
    }

    private static byte[] decoded(String statement) {
        assertThat(statement).startsWith("BINLOG '").endsWith("'");
        return Base64.getDecoder().decode(statement.substring(8, statement.length() - 1));
    }

    @Test
    void aStatementSplitOverTwoFragmentsHasItsTableMapsSentAgain() {
        RowSql sql = new RowSql(null, true, 16L << 20);
        sql.separateUntil(1); // each fragment's events in statements of their own
        RowSql.Origin o = new RowSql.Origin(1, "e", () -> "x");
        byte[] first = event(23, 0, 50);
        byte[] last = event(23, 1, 60);
        sql.format(new ThlEvent.BinlogFormatChange(FORMAT), o);
        sql.apply(rows(concat(MAP, first)), o);
        sql.endEvent(1, "e"); // fragment 0 ends inside the statement
        sql.format(new ThlEvent.BinlogFormatChange(FORMAT), o); // the same format: not replayed again
        sql.apply(rows(last), o);
        sql.endEvent(1, "e");
        List<String> sent = sql.pendingStatements();
        assertThat(sent).hasSize(3);
        assertThat(decoded(sent.get(0))).isEqualTo(FORMAT);
        assertThat(decoded(sent.get(1))).isEqualTo(concat(MAP, first));
        assertThat(decoded(sent.get(2))).as("the table map again, then the rest").isEqualTo(concat(MAP, last));
    }

    @Test
    void statementsThatEndedNeedNoTableMapsAgain() {
        RowSql sql = new RowSql(null, true, 16L << 20);
        sql.separateUntil(2);
        RowSql.Origin o = new RowSql.Origin(1, "e", () -> "x");
        byte[] whole = concat(MAP, event(24, 1, 70));
        sql.format(new ThlEvent.BinlogFormatChange(FORMAT), o);
        sql.apply(rows(whole), o);
        sql.apply(rows(whole), o);
        sql.endEvent(1, "e");
        sql.apply(rows(whole), o);
        sql.endEvent(2, "f");
        List<String> sent = sql.pendingStatements();
        assertThat(sent).hasSize(3);
        assertThat(decoded(sent.get(1))).isEqualTo(concat(whole, whole));
        assertThat(decoded(sent.get(2))).isEqualTo(whole);
    }

    @Test
    void consecutiveTransactionsShareABinlogStatementThatNamesThemAll() {
        RowSql sql = new RowSql(null, true, 16L << 20);
        byte[] whole = concat(MAP, event(24, 1, 70));
        sql.format(new ThlEvent.BinlogFormatChange(FORMAT), new RowSql.Origin(1, "e1", () -> "x"));
        for (int seqno = 1; seqno <= 3; seqno++) {
            sql.apply(rows(whole), new RowSql.Origin(seqno, "e" + seqno, () -> "x"));
            sql.endEvent(seqno, "e" + seqno);
        }
        // a session change ends the shared statement: the SET goes between the transactions' events
        sql.session(new ThlEvent.SessionChange(java.util.Map.of(ThlEvent.SessionChange.FOREIGN_KEY_CHECKS, "0")),
                new RowSql.Origin(4, "e4", () -> "x"));
        sql.apply(rows(whole), new RowSql.Origin(4, "e4", () -> "x"));
        sql.endEvent(4, "e4");
        sql.apply(rows(whole), new RowSql.Origin(5, "e5", () -> "x"));
        sql.endEvent(5, "e5");
        sql.queueOwn("UPDATE position", new RowSql.Origin(5, "e5", () -> "the position"));
        List<String> sent = sql.pendingStatements();
        assertThat(sent).hasSize(7);
        assertThat(decoded(sent.get(1))).isEqualTo(concat(whole, whole, whole));
        assertThat(sent.get(2)).startsWith("SET SESSION foreign_key_checks=0");
        assertThat(decoded(sent.get(3))).isEqualTo(whole);
        assertThat(sent.get(4)).startsWith("SET SESSION foreign_key_checks=1");
        assertThat(decoded(sent.get(5))).isEqualTo(whole);
        assertThat(sent.get(6)).isEqualTo("UPDATE position");
        List<RowSql.Origin> origins = sql.pendingOrigins();
        assertThat(origins.get(1).firstSeqno()).isEqualTo(1);
        assertThat(origins.get(1).seqno()).isEqualTo(3);
        assertThat(origins.get(1).eventId()).isEqualTo("e3");
        assertThat(origins.get(1).what()).isEqualTo("the binlog events of seqnos 1 to 3");
        assertThat(origins.get(3).firstSeqno()).isEqualTo(4);
        assertThat(origins.get(5).firstSeqno()).as("one transaction").isEqualTo(5);
        assertThat(origins.get(5).seqno()).isEqualTo(5);
    }

    @Test
    void transactionsAppliedAgainOneByOneGetStatementsOfTheirOwn() {
        RowSql sql = new RowSql(null, true, 16L << 20);
        sql.separateUntil(2);
        byte[] whole = concat(MAP, event(24, 1, 70));
        sql.format(new ThlEvent.BinlogFormatChange(FORMAT), new RowSql.Origin(1, "e1", () -> "x"));
        for (int seqno = 1; seqno <= 4; seqno++) {
            sql.apply(rows(whole), new RowSql.Origin(seqno, "e" + seqno, () -> "x"));
            sql.endEvent(seqno, "e" + seqno);
        }
        sql.queueOwn("UPDATE position", new RowSql.Origin(4, "e4", () -> "the position"));
        List<String> sent = sql.pendingStatements();
        assertThat(sent).hasSize(5);
        assertThat(decoded(sent.get(1))).isEqualTo(whole);
        assertThat(decoded(sent.get(2))).isEqualTo(whole);
        assertThat(decoded(sent.get(3))).as("after seqno 2 they share again").isEqualTo(concat(whole, whole));
        assertThat(sql.pendingOrigins().get(3).firstSeqno()).isEqualTo(3);
    }

    @Test
    void anEventLargerThanAPacketGoesInTwoFragmentsOrStopsTheApplierWithWhatToRaise() {
        RowSql.Origin o = new RowSql.Origin(7, "mariadb-bin.000001:0000000000000400;gtid=0-1-8", () -> "x");
        byte[] big = new byte[30_000];
        assertThat(RowSql.binlogStatements(big, 100_000, o)).hasSize(1);
        List<String> fragments = RowSql.binlogStatements(big, 30_000, o);
        assertThat(fragments).hasSize(4);
        assertThat(fragments.get(0)).startsWith("SET @binlog_fragment_0=_binary'");
        assertThat(fragments.get(2)).isEqualTo("BINLOG @binlog_fragment_0, @binlog_fragment_1");
        assertThat(fragments.get(3)).isEqualTo("SET @binlog_fragment_0=NULL, @binlog_fragment_1=NULL");
        String b64 = fragments.get(0).substring(31, fragments.get(0).length() - 1)
                + fragments.get(1).substring(31, fragments.get(1).length() - 1);
        assertThat(Base64.getDecoder().decode(b64)).isEqualTo(big);
        assertThatThrownBy(() -> RowSql.binlogStatements(big, 15_000, o))
                .isInstanceOf(ApplyException.class)
                .hasMessage("Cannot apply seqno 7 (event id mariadb-bin.000001:0000000000000400;gtid=0-1-8): its binlog"
                        + " events take 30000 bytes, 40000 in base64, more than two packets of this database's"
                        + " max_allowed_packet (15000 bytes) can carry. Raise it on this slave (SET GLOBAL"
                        + " max_allowed_packet=1048576, and in its configuration), then run `trepctl online`.");
    }
}
