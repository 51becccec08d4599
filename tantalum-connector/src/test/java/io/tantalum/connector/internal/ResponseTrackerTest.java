package io.tantalum.connector.internal;

import static io.tantalum.connector.internal.MySqlWire.SERVER_MORE_RESULTS_EXISTS;
import static io.tantalum.connector.internal.MySqlWire.SERVER_STATUS_AUTOCOMMIT;
import static io.tantalum.connector.internal.MySqlWire.SERVER_STATUS_IN_TRANS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Response framing, from packets built as a MariaDB server sends them. */
class ResponseTrackerTest {
    private static ByteBuf frame(int seq, ByteBuf payload) {
        return MySqlWire.frame(Unpooled.buffer().alloc(), seq, payload);
    }

    static ByteBuf command(int command, String argument) {
        return frame(0, Unpooled.buffer().writeByte(command).writeBytes(argument.getBytes(StandardCharsets.UTF_8)));
    }

    static ByteBuf ok(int status) {
        return frame(1, Unpooled.buffer().writeByte(0).writeByte(0).writeByte(0).writeShortLE(status).writeShortLE(0));
    }

    /** The OK that ends a result set when EOF is deprecated: header 0xFE. */
    static ByteBuf okEof(int status) {
        return frame(9, Unpooled.buffer().writeByte(0xfe).writeByte(0).writeByte(0).writeShortLE(status).writeShortLE(0));
    }

    static ByteBuf eof(int status) {
        return frame(9, Unpooled.buffer().writeByte(0xfe).writeShortLE(0).writeShortLE(status));
    }

    static ByteBuf err() {
        return frame(1, MySqlWire.error(Unpooled.buffer().alloc(), 1064, "42000", "You have an error"));
    }

    static ByteBuf columnCount(int n) {
        return frame(1, Unpooled.buffer().writeByte(n));
    }

    static ByteBuf columnDefinition() {
        return frame(2, Unpooled.buffer().writeByte(3).writeBytes("def".getBytes(StandardCharsets.US_ASCII)).writeZero(20));
    }

    static ByteBuf row(String value) {
        return frame(5, Unpooled.buffer().writeByte(value.length()).writeBytes(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** Server packets in order; the indexes of those that ended a response. */
    private static List<Integer> feed(ResponseTracker t, ByteBuf... packets) {
        List<Integer> ends = new ArrayList<>();
        for (int i = 0; i < packets.length; i++) {
            if (t.serverPacket(packets[i])) {
                ends.add(i);
            }
        }
        return ends;
    }

    @Test
    void anOkEndsAQueryAndCarriesTheTransactionState() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "BEGIN"));
        assertThat(t.idle()).isFalse();
        assertThat(feed(t, ok(SERVER_STATUS_AUTOCOMMIT | SERVER_STATUS_IN_TRANS))).containsExactly(0);
        assertThat(t.idle()).isTrue();
        assertThat(t.inTransaction()).isTrue();
        t.clientPacket(command(MySqlWire.COM_QUERY, "COMMIT"));
        feed(t, ok(SERVER_STATUS_AUTOCOMMIT));
        assertThat(t.inTransaction()).isFalse();
        assertThat(t.autocommit()).isTrue();
    }

    @Test
    void aResultSetEndsAtItsLastEofNotAtTheColumnsEofNorAtARowStartingWith0xFe() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "SELECT a, b FROM t"));
        ByteBuf feRow = frame(6, Unpooled.buffer().writeByte(0xfe).writeLongLE(1).writeByte('x'));
        assertThat(feed(t, columnCount(2), columnDefinition(), columnDefinition(), eof(SERVER_STATUS_AUTOCOMMIT),
                row("1"), feRow, row("3"), eof(SERVER_STATUS_AUTOCOMMIT | SERVER_STATUS_IN_TRANS))).containsExactly(7);
        assertThat(t.inTransaction()).isTrue();
    }

    @Test
    void withDeprecatedEofAResultSetEndsAtItsOkPacket() {
        ResponseTracker t = new ResponseTracker(true, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "SELECT 1"));
        assertThat(feed(t, columnCount(1), columnDefinition(), row("1"), okEof(SERVER_STATUS_AUTOCOMMIT)))
                .containsExactly(3);
        t.clientPacket(command(MySqlWire.COM_QUERY, "SELECT 1 WHERE 0"));
        assertThat(feed(t, columnCount(1), columnDefinition(), okEof(SERVER_STATUS_AUTOCOMMIT))).containsExactly(2);
    }

    @Test
    void multipleResultsEndOnlyWithTheLast() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "CALL p()"));
        int more = SERVER_STATUS_AUTOCOMMIT | SERVER_MORE_RESULTS_EXISTS;
        assertThat(feed(t, columnCount(1), columnDefinition(), eof(more), row("a"), eof(more), ok(more),
                columnCount(1), columnDefinition(), eof(more), eof(more), ok(SERVER_STATUS_AUTOCOMMIT)))
                .containsExactly(10);
    }

    @Test
    void anErrorEndsAResponseEvenInTheMiddleOfTheRows() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "SELECT big()"));
        assertThat(feed(t, columnCount(1), columnDefinition(), eof(SERVER_STATUS_AUTOCOMMIT), row("1"), err()))
                .containsExactly(4);
        t.clientPacket(command(MySqlWire.COM_QUERY, "SELEC"));
        assertThat(feed(t, err())).containsExactly(0);
        assertThat(t.idle()).isTrue();
    }

    static ByteBuf prepareOk(long id, int columns, int params) {
        return frame(1, Unpooled.buffer().writeByte(0).writeIntLE((int) id).writeShortLE(columns).writeShortLE(params)
                .writeByte(0).writeShortLE(0));
    }

    @Test
    void aPrepareIsRecordedAndEndsAfterItsParameterAndColumnDefinitions() {
        for (boolean deprecateEof : new boolean[] {false, true}) {
            ResponseTracker t = new ResponseTracker(deprecateEof, null, SERVER_STATUS_AUTOCOMMIT);
            t.clientPacket(command(MySqlWire.COM_STMT_PREPARE, "SELECT c FROM t WHERE id = ? AND k = ?"));
            List<ByteBuf> packets = new ArrayList<>(List.of(prepareOk(7, 1, 2), columnDefinition(), columnDefinition()));
            if (!deprecateEof) {
                packets.add(eof(SERVER_STATUS_AUTOCOMMIT));
            }
            packets.add(columnDefinition());
            if (!deprecateEof) {
                packets.add(eof(SERVER_STATUS_AUTOCOMMIT));
            }
            assertThat(feed(t, packets.toArray(ByteBuf[]::new))).containsExactly(packets.size() - 1);
            assertThat(t.prepared()).containsOnlyKeys(7L);
            assertThat(new String(t.prepared().get(7L).sql(), StandardCharsets.UTF_8)).startsWith("SELECT c FROM t");
            assertThat(t.prepared().get(7L).parameters()).isEqualTo(2);
            t.clientPacket(frame(0, Unpooled.buffer().writeByte(MySqlWire.COM_STMT_CLOSE).writeIntLE(7)));
            assertThat(t.prepared()).isEmpty();
            assertThat(t.idle()).isTrue();
        }
    }

    @Test
    void pipelinedCommandsAreAnsweredInOrder() {
        ResponseTracker t = new ResponseTracker(true, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_STMT_PREPARE, "INSERT INTO t VALUES (?)"));
        t.clientPacket(frame(0, Unpooled.buffer().writeByte(MySqlWire.COM_STMT_EXECUTE).writeIntLE(-1).writeZero(10)));
        assertThat(feed(t, prepareOk(3, 0, 1), columnDefinition())).containsExactly(1);
        assertThat(t.idle()).isFalse();
        assertThat(feed(t, ok(SERVER_STATUS_AUTOCOMMIT | SERVER_STATUS_IN_TRANS))).containsExactly(0);
        assertThat(t.idle()).isTrue();
        assertThat(t.inTransaction()).isTrue();
    }

    @Test
    void localInfileWaitsForTheFileAndThenTheServersOk() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "LOAD DATA LOCAL INFILE 'x' INTO TABLE t"));
        assertThat(feed(t, frame(1, Unpooled.buffer().writeByte(0xfb).writeByte('x')))).isEmpty();
        t.clientPacket(frame(2, Unpooled.buffer().writeBytes("1\n2\n".getBytes(StandardCharsets.US_ASCII))));
        t.clientPacket(frame(3, Unpooled.buffer()));
        assertThat(t.idle()).isFalse();
        assertThat(feed(t, ok(SERVER_STATUS_AUTOCOMMIT))).containsExactly(0);
        assertThat(t.idle()).isTrue();
    }

    @Test
    void initDbChangesTheDefaultDatabaseOnlyWhenTheServerAgrees() {
        ResponseTracker t = new ResponseTracker(false, "a", SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_INIT_DB, "nope"));
        feed(t, err());
        assertThat(t.database()).isEqualTo("a");
        t.clientPacket(command(MySqlWire.COM_INIT_DB, "shop"));
        feed(t, ok(SERVER_STATUS_AUTOCOMMIT));
        assertThat(t.database()).isEqualTo("shop");
    }

    @Test
    void aPacketOf16MiBContinuesInTheNextOneWhichIsNeverReadAsAnEof() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "SELECT blob"));
        ByteBuf big = frame(4, Unpooled.buffer(MySqlWire.MAX_PAYLOAD).writeZero(MySqlWire.MAX_PAYLOAD));
        ByteBuf tail = frame(5, Unpooled.buffer().writeByte(0xfe).writeShortLE(0).writeShortLE(0));
        assertThat(feed(t, columnCount(1), columnDefinition(), eof(SERVER_STATUS_AUTOCOMMIT), big, tail,
                eof(SERVER_STATUS_AUTOCOMMIT))).containsExactly(5);
    }

    @Test
    void longDataWaitingForItsExecuteAndAnOpenCursorKeepASessionFromMoving() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(frame(0, Unpooled.buffer().writeByte(MySqlWire.COM_STMT_SEND_LONG_DATA).writeIntLE(1)
                .writeShortLE(0).writeByte('x')));
        assertThat(t.idle()).isTrue();
        assertThat(t.movable()).isFalse();
        t.clientPacket(frame(0, Unpooled.buffer().writeByte(MySqlWire.COM_STMT_EXECUTE).writeIntLE(1).writeZero(6)));
        assertThat(feed(t, columnCount(1), columnDefinition(), eof(SERVER_STATUS_AUTOCOMMIT | 64))).containsExactly(2);
        assertThat(t.movable()).as("cursor open").isFalse();
        t.clientPacket(frame(0, Unpooled.buffer().writeByte(MySqlWire.COM_STMT_FETCH).writeIntLE(1).writeIntLE(10)));
        assertThat(feed(t, row("a"), eof(SERVER_STATUS_AUTOCOMMIT | 128))).containsExactly(1);
        assertThat(t.movable()).isTrue();
    }

    @Test
    void localInfileDataIsNotACommandAndMoreResultsMayFollowTheFile() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_QUERY, "LOAD DATA LOCAL INFILE 'x' INTO TABLE t; SELECT 1"));
        feed(t, frame(1, Unpooled.buffer().writeByte(0xfb).writeByte('x')));
        assertThat(t.startsCommand()).isFalse();
        assertThat(t.midRequest()).isTrue();
        t.clientPacket(frame(2, Unpooled.buffer().writeBytes("1\n".getBytes(StandardCharsets.US_ASCII))));
        t.clientPacket(frame(3, Unpooled.buffer()));
        assertThat(t.startsCommand()).isTrue();
        assertThat(feed(t, ok(SERVER_STATUS_AUTOCOMMIT | SERVER_MORE_RESULTS_EXISTS), columnCount(1),
                columnDefinition(), eof(SERVER_STATUS_AUTOCOMMIT), row("1"), eof(SERVER_STATUS_AUTOCOMMIT)))
                .containsExactly(5);
    }

    @Test
    void aConnectionResetForgetsThePreparedStatements() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(command(MySqlWire.COM_STMT_PREPARE, "SELECT 1"));
        feed(t, prepareOk(1, 1, 0), columnDefinition(), eof(SERVER_STATUS_AUTOCOMMIT));
        assertThat(t.prepared()).hasSize(1);
        t.clientPacket(command(0x1f, ""));
        feed(t, ok(SERVER_STATUS_AUTOCOMMIT));
        assertThat(t.prepared()).isEmpty();
        assertThat(t.takeReset()).isTrue();
        assertThat(t.takeReset()).isFalse();
    }

    @Test
    void commandsWithoutResponseLeaveTheSessionIdle() {
        ResponseTracker t = new ResponseTracker(false, null, SERVER_STATUS_AUTOCOMMIT);
        t.clientPacket(frame(0, Unpooled.buffer().writeByte(MySqlWire.COM_STMT_SEND_LONG_DATA).writeIntLE(1)
                .writeShortLE(0).writeByte('x')));
        assertThat(t.idle()).isTrue();
        t.clientPacket(command(MySqlWire.COM_STATISTICS, ""));
        assertThat(feed(t, frame(1, Unpooled.buffer().writeBytes("Uptime: 5".getBytes(StandardCharsets.US_ASCII)))))
                .containsExactly(0);
    }
}
