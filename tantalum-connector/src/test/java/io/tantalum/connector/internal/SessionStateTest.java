package io.tantalum.connector.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionStateTest {
    private static byte[] b(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void settingsAndUserVariablesBecomeStatementsThatRestoreThem() {
        SessionState s = SessionState.from(Arrays.asList(b("shop"), b("utf8mb4"), b("utf8mb4_unicode_ci"), null, b("0"),
                b("STRICT_TRANS_TABLES,ANSI_QUOTES"), b("+05:00"), b("READ-COMMITTED"), b("0")), List.of(
                        List.of(b("n"), b("42"), b("INT"), b("latin1")),
                        List.of(b("who"), b("zoë"), b("VARCHAR"), b("utf8mb4")),
                        Arrays.asList(b("gone"), null, b("VARCHAR"), b("utf8mb4")),
                        List.of(b("pi"), b("3.14159"), b("REAL"), b("latin1")),
                        List.of(b("d"), b("12.50"), b("DECIMAL"), b("latin1")),
                        List.of(b("o`dd"), new byte[] {0, (byte) 0xff}, b("VARCHAR"), b("binary"))));
        assertThat(s.database()).isEqualTo("shop");
        assertThat(s.restoreStatements()).containsExactly(
                "SET SESSION character_set_client = 'utf8mb4', collation_connection = 'utf8mb4_unicode_ci',"
                        + " character_set_results = NULL, autocommit = 0, sql_mode = 'STRICT_TRANS_TABLES,ANSI_QUOTES',"
                        + " time_zone = '+05:00', tx_isolation = 'READ-COMMITTED', tx_read_only = 0",
                "SET @`n` = 42, @`who` = _utf8mb4 X'7a6fc3ab', @`gone` = NULL, @`pi` = CAST('3.14159' AS DOUBLE),"
                        + " @`d` = 12.50, @`o``dd` = X'00ff'");
    }

    @Test
    void valuesThatCannotBeQuotedSafelyAreLeftOut() {
        SessionState s = new SessionState(null, "utf8mb4", "utf8mb4_bin", "utf8mb4", true, "x'; DROP TABLE t; --",
                "SYSTEM", null, false, List.of());
        assertThat(s.restoreStatements()).containsExactly("SET SESSION character_set_client = 'utf8mb4',"
                + " collation_connection = 'utf8mb4_bin', character_set_results = 'utf8mb4', autocommit = 1,"
                + " time_zone = 'SYSTEM'");
        assertThat(SessionState.known("db", false).restoreStatements()).containsExactly("SET SESSION autocommit = 0");
    }

    @Test
    void textRowsAreReadWithNullsAndWithOrWithoutEof() {
        for (boolean deprecateEof : new boolean[] {false, true}) {
            List<ByteBuf> r = new ArrayList<>(List.of(ResponseTrackerTest.columnCount(2),
                    ResponseTrackerTest.columnDefinition(), ResponseTrackerTest.columnDefinition()));
            if (!deprecateEof) {
                r.add(ResponseTrackerTest.eof(2));
            }
            r.add(MySqlWire.frame(Unpooled.buffer().alloc(), 4, Unpooled.buffer().writeByte(2).writeBytes(b("ab"))
                    .writeByte(0xfb)));
            r.add(deprecateEof ? ResponseTrackerTest.okEof(2) : ResponseTrackerTest.eof(2));
            List<List<byte[]>> rows = TextRows.parse(r, deprecateEof);
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).get(0)).isEqualTo(b("ab"));
            assertThat(rows.get(0).get(1)).isNull();
        }
    }

    @Test
    void aReprepareStatementGetsItsParameterTypesBackOnItsNextExecute() {
        ParameterTypes types = new ParameterTypes();
        java.util.Map<Long, ResponseTracker.Prepared> prepared = java.util.Map.of(3L,
                new ResponseTracker.Prepared(b("SELECT ?, ?"), 2));
        ByteBuf first = execute(3, 1, new byte[] {8, 0, (byte) 253, 0}, new byte[] {7, 0, 0, 0, 0, 0, 0, 0, 1, 'x'});
        assertThat(types.execute(first, prepared)).isSameAs(first);
        ByteBuf again = execute(3, 0, null, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 1, 'y'});
        assertThat(types.execute(again, prepared)).as("the server knows the types").isSameAs(again);
        types.rebound(java.util.Set.of(3L));
        ByteBuf moved = execute(3, 0, null, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 1, 'y'});
        ByteBuf sent = types.execute(moved, prepared);
        assertThat(MySqlWire.payload(sent)).isEqualTo(MySqlWire.payload(execute(3, 1, new byte[] {8, 0, (byte) 253, 0},
                new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 1, 'y'})));
        ByteBuf next = execute(3, 0, null, new byte[] {9, 0, 0, 0, 0, 0, 0, 0, 1, 'z'});
        assertThat(types.execute(next, prepared)).as("only once").isSameAs(next);
    }

    private static ByteBuf execute(long id, int bound, byte[] types, byte[] values) {
        ByteBuf p = Unpooled.buffer().writeByte(MySqlWire.COM_STMT_EXECUTE).writeIntLE((int) id).writeByte(0)
                .writeIntLE(1).writeByte(0).writeByte(bound);
        if (types != null) {
            p.writeBytes(types);
        }
        p.writeBytes(values);
        return MySqlWire.frame(Unpooled.buffer().alloc(), 0, p);
    }

    @Test
    void statementIdsAreTheServersUntilTheFirstMoveThenTheConnectorsOwn() {
        StatementIds ids = new StatementIds();
        ByteBuf ok = ResponseTrackerTest.prepareOk(5, 0, 1);
        ids.toClient(ok);
        assertThat(ok.getUnsignedIntLE(ok.readerIndex() + 5)).isEqualTo(5);
        ids.moved(java.util.Map.of(5L, 1L));
        ByteBuf exec = MySqlWire.frame(Unpooled.buffer().alloc(), 0, Unpooled.buffer().writeByte(MySqlWire.COM_STMT_EXECUTE)
                .writeIntLE(5).writeZero(5));
        ids.toServer(exec);
        assertThat(exec.getUnsignedIntLE(exec.readerIndex() + 5)).isEqualTo(1);
        ByteBuf later = ResponseTrackerTest.prepareOk(2, 0, 0);
        ids.toClient(later);
        assertThat(later.getUnsignedIntLE(later.readerIndex() + 5)).as("never an id the client holds").isEqualTo(6);
        ByteBuf execLater = MySqlWire.frame(Unpooled.buffer().alloc(), 0, Unpooled.buffer()
                .writeByte(MySqlWire.COM_STMT_EXECUTE).writeIntLE(6).writeZero(5));
        ids.toServer(execLater);
        assertThat(execLater.getUnsignedIntLE(execLater.readerIndex() + 5)).isEqualTo(2);
        ByteBuf last = MySqlWire.frame(Unpooled.buffer().alloc(), 0, Unpooled.buffer()
                .writeByte(MySqlWire.COM_STMT_EXECUTE).writeIntLE(-1).writeZero(5));
        ids.toServer(last);
        assertThat(last.getIntLE(last.readerIndex() + 5)).isEqualTo(-1);
    }
}
