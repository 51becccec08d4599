package io.tantalum.connector.internal;

import static io.tantalum.connector.internal.MySqlWire.MAX_PAYLOAD;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Follows one session's packets in both directions without parsing SQL: which command each
 * client packet starts, where each server response ends, and the session state the protocol
 * itself reports (transaction and autocommit flags from OK and EOF packets, the default database
 * of {@code COM_INIT_DB}, the server-side prepared statements). The connector moves a session to
 * another server only when {@link #idle()} and not {@link #inTransaction()}.
 *
 * <p>Clients may send a command before the previous response ended (MariaDB Connector/J sends
 * {@code COM_STMT_PREPARE} and {@code COM_STMT_EXECUTE} back to back): responses are matched to
 * commands in order. Not thread-safe: one per session, used on its event loop.
 */
public final class ResponseTracker {
    /** What the next server packet of the current response is. */
    private enum Expect {
        FIRST, COLUMNS, COLUMNS_EOF, ROWS, PARAMS, PARAMS_EOF, PREPARED_COLUMNS, PREPARED_COLUMNS_EOF, INFILE_DATA,
        SINGLE, UNTIL_EOF
    }

    private record Pending(int command, byte[] argument) {}

    /** A server-side prepared statement: its SQL and how many parameters it takes. */
    public record Prepared(byte[] sql, int parameters) {}

    private static final int COM_RESET_CONNECTION = 0x1f;
    /** EOF status of the last COM_STMT_FETCH of a cursor. */
    private static final int SERVER_STATUS_LAST_ROW_SENT = 128;

    private final boolean deprecateEof;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final Map<Long, Prepared> prepared = new LinkedHashMap<>();
    private Expect expect;
    private long remaining;
    private int preparedColumns;
    private long preparedId;
    private int status = MySqlWire.SERVER_STATUS_AUTOCOMMIT;
    private String database;
    private boolean serverContinues;
    private boolean clientContinues;
    /** Parameter data sent with COM_STMT_SEND_LONG_DATA for an execute still to come. */
    private boolean longDataPending;
    /** A statement's cursor is open on the server (its rows are fetched with COM_STMT_FETCH). */
    private boolean cursorOpen;
    /** A COM_RESET_CONNECTION succeeded: the server forgot every prepared statement. */
    private boolean resetSeen;

    public ResponseTracker(boolean deprecateEof, String database, int status) {
        this.deprecateEof = deprecateEof;
        this.database = database;
        this.status = status;
    }

    /** No command is waiting for its response (and no LOCAL INFILE transfer is under way). */
    public boolean idle() {
        return pending.isEmpty();
    }

    /**
     * True between two commands where nothing on the server would be lost by moving the session:
     * no response pending, no transaction, no long data waiting for its execute, no open cursor.
     */
    public boolean movable() {
        return pending.isEmpty() && !clientContinues && !inTransaction() && !longDataPending && !cursorOpen;
    }

    /** The next client packet begins a command (it is not a continuation nor LOCAL INFILE data). */
    public boolean startsCommand() {
        return !clientContinues && !(!pending.isEmpty() && expect == Expect.INFILE_DATA);
    }

    /** The client is in the middle of sending something (a long packet, a file, pipelined commands). */
    public boolean midRequest() {
        return clientContinues || pending.size() > 1 || (!pending.isEmpty() && expect == Expect.INFILE_DATA);
    }

    /** True once after a COM_RESET_CONNECTION succeeded (the caller forgets its statement bookkeeping). */
    public boolean takeReset() {
        boolean r = resetSeen;
        resetSeen = false;
        return r;
    }

    public boolean inTransaction() {
        return (status & MySqlWire.SERVER_STATUS_IN_TRANS) != 0;
    }

    public boolean autocommit() {
        return (status & MySqlWire.SERVER_STATUS_AUTOCOMMIT) != 0;
    }

    public int status() {
        return status;
    }

    public String database() {
        return database;
    }

    /** The session's prepared statements by the id the client knows, in order of preparation. */
    public Map<Long, Prepared> prepared() {
        return Collections.unmodifiableMap(prepared);
    }

    /**
     * The session starts over on a new server connection: no command pending, outside any
     * transaction (its prepared statements and default database stay known).
     */
    public void restart(boolean autocommit) {
        pending.clear();
        serverContinues = false;
        clientContinues = false;
        longDataPending = false;
        cursorOpen = false;
        status = autocommit ? MySqlWire.SERVER_STATUS_AUTOCOMMIT : 0;
    }

    /** A packet from the client. */
    public void clientPacket(ByteBuf frame) {
        int length = MySqlWire.payloadLength(frame);
        boolean continuation = clientContinues;
        clientContinues = length == MAX_PAYLOAD;
        if (continuation) {
            return;
        }
        if (!pending.isEmpty() && expect == Expect.INFILE_DATA) {
            if (length == 0) {
                expect = Expect.FIRST; // the file is sent: OK or ERR, maybe followed by more results
            }
            return;
        }
        if (length == 0) {
            return;
        }
        int command = MySqlWire.payloadByte(frame, 0);
        switch (command) {
            case MySqlWire.COM_STMT_CLOSE -> {
                if (length >= 5) {
                    prepared.remove(frame.getUnsignedIntLE(frame.readerIndex() + 5));
                }
                longDataPending = false;
                cursorOpen = false;
                return;
            }
            case MySqlWire.COM_STMT_SEND_LONG_DATA -> {
                longDataPending = true;
                return;
            }
            case MySqlWire.COM_QUIT -> {
                return;
            }
            case MySqlWire.COM_STMT_EXECUTE, 0x1a -> { // execute or reset: the long data is used or dropped
                longDataPending = false;
                cursorOpen = false;
            }
            default -> { }
        }
        byte[] argument = null;
        if (command == MySqlWire.COM_STMT_PREPARE || command == MySqlWire.COM_INIT_DB) {
            argument = new byte[length - 1];
            frame.getBytes(frame.readerIndex() + 5, argument);
        }
        if (pending.isEmpty()) {
            start(command);
        }
        pending.addLast(new Pending(command, argument));
    }

    private void start(int command) {
        expect = switch (command) {
            case MySqlWire.COM_QUERY, MySqlWire.COM_STMT_EXECUTE, MySqlWire.COM_STMT_PREPARE -> Expect.FIRST;
            case MySqlWire.COM_STMT_FETCH -> Expect.ROWS;
            case MySqlWire.COM_FIELD_LIST -> Expect.UNTIL_EOF;
            default -> Expect.SINGLE;
        };
    }

    /** True when the next server packet, if it starts with 0x00, is the PREPARE_OK of a {@code COM_STMT_PREPARE}. */
    public boolean expectsPrepareOk() {
        return !pending.isEmpty() && expect == Expect.FIRST && pending.peekFirst().command() == MySqlWire.COM_STMT_PREPARE
                && !serverContinues;
    }

    /** A packet from the server; true when it ends the response to the oldest pending command. */
    public boolean serverPacket(ByteBuf frame) {
        int length = MySqlWire.payloadLength(frame);
        boolean continuation = serverContinues;
        serverContinues = length == MAX_PAYLOAD;
        if (continuation || pending.isEmpty()) {
            return false;
        }
        int first = length == 0 ? -1 : MySqlWire.payloadByte(frame, 0);
        Pending p = pending.peekFirst();
        return switch (expect) {
            case FIRST -> p.command() == MySqlWire.COM_STMT_PREPARE ? prepareFirst(frame, first, p) : first(frame, first);
            case COLUMNS -> {
                if (--remaining == 0) {
                    expect = deprecateEof ? Expect.ROWS : Expect.COLUMNS_EOF;
                }
                yield false;
            }
            case COLUMNS_EOF -> {
                status = MySqlWire.eofStatus(frame);
                if ((status & MySqlWire.SERVER_STATUS_CURSOR_EXISTS) != 0) {
                    cursorOpen = true;
                    yield done(); // the rows come with COM_STMT_FETCH
                }
                expect = Expect.ROWS;
                yield false;
            }
            case ROWS -> rows(frame, first, length);
            case PARAMS -> {
                if (--remaining == 0) {
                    yield afterParams();
                }
                yield false;
            }
            case PARAMS_EOF -> afterParamsEof();
            case PREPARED_COLUMNS -> {
                if (--remaining == 0) {
                    if (deprecateEof) {
                        yield done();
                    }
                    expect = Expect.PREPARED_COLUMNS_EOF;
                }
                yield false;
            }
            case PREPARED_COLUMNS_EOF -> done();
            case INFILE_DATA -> false;
            case SINGLE -> single(frame, first, p);
            case UNTIL_EOF -> first == 0xfe || first == 0xff ? done() : false;
        };
    }

    private boolean first(ByteBuf frame, int first) {
        switch (first) {
            case 0x00 -> {
                status = MySqlWire.okStatus(frame);
                return (status & MySqlWire.SERVER_MORE_RESULTS_EXISTS) != 0 ? false : done();
            }
            case 0xff -> {
                return done();
            }
            case 0xfb -> {
                expect = Expect.INFILE_DATA;
                return false;
            }
            default -> {
                ByteBuf payload = MySqlWire.payload(frame);
                remaining = MySqlWire.readLenenc(payload);
                expect = remaining == 0 ? Expect.ROWS : Expect.COLUMNS;
                return false;
            }
        }
    }

    private boolean rows(ByteBuf frame, int first, int length) {
        if (first == 0xff) {
            return done();
        }
        if (first == 0xfe && (deprecateEof ? length < MAX_PAYLOAD : length < 9)) {
            status = deprecateEof ? MySqlWire.okStatus(frame) : MySqlWire.eofStatus(frame);
            if ((status & SERVER_STATUS_LAST_ROW_SENT) != 0) {
                cursorOpen = false;
            }
            if ((status & MySqlWire.SERVER_MORE_RESULTS_EXISTS) != 0) {
                expect = Expect.FIRST;
                return false;
            }
            return done();
        }
        return false;
    }

    private boolean prepareFirst(ByteBuf frame, int first, Pending p) {
        if (first != 0x00) {
            return done();
        }
        int at = frame.readerIndex() + 5;
        preparedId = frame.getUnsignedIntLE(at);
        preparedColumns = frame.getUnsignedShortLE(at + 4);
        remaining = frame.getUnsignedShortLE(at + 6);
        prepared.put(preparedId, new Prepared(p.argument(), (int) remaining));
        if (remaining > 0) {
            expect = Expect.PARAMS;
            return false;
        }
        return afterParamsEof();
    }

    private boolean afterParams() {
        if (!deprecateEof) {
            expect = Expect.PARAMS_EOF;
            return false;
        }
        return afterParamsEof();
    }

    private boolean afterParamsEof() {
        if (preparedColumns == 0) {
            return done();
        }
        remaining = preparedColumns;
        expect = Expect.PREPARED_COLUMNS;
        return false;
    }

    private boolean single(ByteBuf frame, int first, Pending p) {
        if (first == 0x00 && p.command() != MySqlWire.COM_STATISTICS) {
            status = MySqlWire.okStatus(frame);
            if (p.command() == MySqlWire.COM_INIT_DB) {
                database = new String(p.argument(), StandardCharsets.UTF_8);
            } else if (p.command() == COM_RESET_CONNECTION) {
                prepared.clear();
                longDataPending = false;
                cursorOpen = false;
                resetSeen = true;
            }
        } else if (first == 0xfe && p.command() != MySqlWire.COM_STATISTICS) {
            status = MySqlWire.eofStatus(frame);
        }
        return done();
    }

    private boolean done() {
        pending.removeFirst();
        if (!pending.isEmpty()) {
            start(pending.peekFirst().command());
        }
        return true;
    }

    /** A statement id the server gave for a prepared statement, when it was the last one prepared. */
    public long lastPreparedId() {
        return preparedId;
    }
}
