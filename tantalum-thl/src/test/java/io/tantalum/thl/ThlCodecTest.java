package io.tantalum.thl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ThlCodecTest {
    private static ThlEvent event(List<ThlEvent.Change> changes) {
        return new ThlEvent(42, 0, true, 3, "mariadb-bin.000001:0000000000000456;gtid=0-1-7", "db1", 1000, 2000,
                "shop", Map.of("k", "v"), changes);
    }

    private static final ThlEvent.RowChange ROWS = new ThlEvent.RowChange("shop", "t", ThlEvent.Action.INSERT,
            List.of(new ThlEvent.ColumnSpec("id", 3, false, true), new ThlEvent.ColumnSpec("d", 246, false, false)),
            List.<Object[][]>of(new Object[][] {null, {7L, new BigDecimal("1.50")}}));

    @Test
    void everyKindOfChangeRoundTrips() {
        ThlEvent.SessionChange session = new ThlEvent.SessionChange(Map.of(ThlEvent.SessionChange.FOREIGN_KEY_CHECKS,
                "0", ThlEvent.SessionChange.SQL_MODE, "1411383296", ThlEvent.SessionChange.TIME_ZONE, "+05:00"));
        ThlEvent.StatementChange ddl = new ThlEvent.StatementChange("shop", "CREATE TABLE \"t\" (id INT)", 1000);
        ThlEvent back = ThlRecord.of(event(List.of(session, ddl, ROWS))).decode();
        assertThat(back.changes()).hasSize(3);
        assertThat(back.changes().get(0)).isEqualTo(session);
        assertThat(back.changes().get(1)).isEqualTo(ddl);
        ThlEvent.RowChange rows = (ThlEvent.RowChange) back.changes().get(2);
        assertThat(rows.columns()).isEqualTo(ROWS.columns());
        assertThat(rows.rows().get(0)[1]).containsExactly(7L, new BigDecimal("1.50"));
        assertThat(back.metadata()).isEqualTo(Map.of("k", "v"));
        assertThat(back.eventId()).isEqualTo("mariadb-bin.000001:0000000000000456;gtid=0-1-7");
    }

    @Test
    void binlogEventsAndStatementErrorCodesRoundTrip() {
        byte[] format = {1, 2, 3};
        byte[] events = {4, 5, 6, 7};
        ThlEvent.RowChange raw = new ThlEvent.RowChange("shop", "t", ThlEvent.Action.INSERT, ROWS.columns(),
                ROWS.rows(), events);
        ThlEvent.StatementChange failed = new ThlEvent.StatementChange("shop", "CREATE OR REPLACE TABLE t (d INT)",
                1000, 1486);
        ThlEvent back = ThlRecord.of(event(List.of(new ThlEvent.BinlogFormatChange(format), raw, ROWS, failed)))
                .decode();
        assertThat(((ThlEvent.BinlogFormatChange) back.changes().get(0)).formatDescription()).isEqualTo(format);
        assertThat(((ThlEvent.RowChange) back.changes().get(1)).binlog()).isEqualTo(events);
        assertThat(((ThlEvent.RowChange) back.changes().get(2)).binlog()).isNull();
        assertThat(back.changes().get(3)).isEqualTo(failed);
    }

    @Test
    void version1BodiesAreStillReadAndNewerOnesAreRefusedClearly() {
        byte[] body = ThlCodec.encode(event(List.of(ROWS)));
        assertThat(body[0]).isEqualTo((byte) ThlCodec.VERSION);
        body[0] = 1;
        ThlEvent v1 = new ThlRecord(42, 0, true, 3, body).decode();
        assertThat(v1.changes()).hasSize(1);
        body[0] = 9;
        assertThatThrownBy(() -> new ThlRecord(42, 0, true, 3, body).decode())
                .hasMessage("THL event seqno=42 has body format version 9, this Tantalum reads versions 1 to 3:"
                        + " upgrade Tantalum on this host");
    }

    @Test
    void aBodyCutShortOrWithALengthBeyondItsEndIsRefusedWithTheSeqno() {
        byte[] body = ThlCodec.encode(event(List.of(ROWS)));
        byte[] cut = java.util.Arrays.copyOf(body, body.length - 3);
        assertThatThrownBy(() -> new ThlRecord(42, 0, true, 3, cut).decode())
                .hasMessageStartingWith("THL event seqno=42 fragno=0 cannot be decoded")
                .hasMessageContaining("format bug");
        byte[] longer = body.clone();
        longer[1] = 0x7f; // the event id's length (the int after the version byte) now points far past the end
        assertThatThrownBy(() -> new ThlRecord(42, 0, true, 3, longer).decode())
                .hasMessageStartingWith("THL event seqno=42 fragno=0 cannot be decoded")
                .hasMessageContaining("bad byte string length");
    }
}
