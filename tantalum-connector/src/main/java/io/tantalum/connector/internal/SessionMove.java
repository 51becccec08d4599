package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a held {@link Session} to another server: captures its state on the old backend while
 * it is held (settings and user variables, read with queries the connector sends itself), then,
 * once released, logs in on the new master, restores that state, re-prepares the session's
 * statements (the client keeps its statement ids) and lets the held packets go. Runs on the
 * session's event loop.
 */
final class SessionMove {
    private static final Logger LOG = LoggerFactory.getLogger(SessionMove.class);

    /** A command the connector sent on the session's backend, whose response it reads itself. */
    private record Internal(List<ByteBuf> packets, ResponseTracker tracker, Consumer<List<ByteBuf>> done) {}

    private final Session s;
    private SessionState saved;
    private Internal internal;
    private Runnable onCaptured;
    /** A release came while the state was still being read: the move starts once it is. */
    private boolean releasePending;

    SessionMove(Session s) {
        this.s = s;
    }

    private boolean deprecateEof() {
        return (s.hello.capabilities() & MySqlWire.CLIENT_DEPRECATE_EOF) != 0;
    }

    /** True when the packet answers the connector's own command (then it is not relayed). */
    boolean consumes(ByteBuf frame) {
        Internal i = internal;
        if (i == null) {
            return false;
        }
        i.packets().add(frame);
        if (i.tracker().serverPacket(frame)) {
            internal = null;
            try {
                i.done().accept(i.packets());
            } catch (RuntimeException e) {
                LOG.warn("session {}: {}", s.id, e.getMessage());
                if (s.hold == Session.Hold.MOVING) {
                    failed(e.getMessage());
                } else if (onCaptured != null) {
                    captured(known());
                }
            } finally {
                i.packets().forEach(ByteBuf::release);
            }
        }
        return true;
    }

    private void send(int command, byte[] argument, Consumer<List<ByteBuf>> done) {
        ByteBuf payload = s.client.alloc().buffer(1 + argument.length).writeByte(command).writeBytes(argument);
        ByteBuf frame = MySqlWire.frame(s.client.alloc(), 0, payload);
        internal = new Internal(new ArrayList<>(), new ResponseTracker(deprecateEof(), null, 0), done);
        internal.tracker().clientPacket(frame);
        s.backend.writeAndFlush(frame);
    }

    private void query(String sql, Consumer<List<ByteBuf>> done) {
        send(MySqlWire.COM_QUERY, sql.getBytes(StandardCharsets.UTF_8), done);
    }

    /** Reads the session's state on its backend, then runs {@code captured}. */
    void capture(Runnable captured) {
        onCaptured = captured;
        saved = null;
        if (s.backend == null) {
            captured(known());
            return;
        }
        query(SessionState.QUERY, settings -> {
            List<List<byte[]>> row;
            try {
                row = TextRows.parse(settings, deprecateEof());
            } catch (RuntimeException e) {
                LOG.warn("session {}: cannot read its settings ({}); it moves with what the protocol told", s.id,
                        e.getMessage());
                captured(known());
                return;
            }
            query(SessionState.VARIABLES_QUERY, variables -> {
                try {
                    captured(SessionState.from(row.get(0), TextRows.parse(variables, deprecateEof())));
                } catch (RuntimeException e) {
                    LOG.warn("session {}: cannot read its state ({}); it moves with what the protocol told", s.id,
                            e.getMessage());
                    captured(known());
                }
            });
        });
    }

    private SessionState known() {
        return SessionState.known(s.tracker.database(), s.tracker.autocommit());
    }

    private void captured(SessionState state) {
        saved = state;
        Runnable r = onCaptured;
        onCaptured = null;
        if (r != null) {
            r.run();
        }
        if (releasePending) {
            releasePending = false;
            start();
        }
    }

    /** The session's transaction was rolled back: only what the protocol told is kept. */
    void forget() {
        dropInternal();
        captured(known());
    }

    /** The connector's own command will get no answer: what it collected of one is released. */
    void dropInternal() {
        Internal i = internal;
        internal = null;
        if (i != null) {
            i.packets().forEach(ByteBuf::release);
        }
    }

    /** The session's backend went away while it was held or moving. */
    void backendLost() {
        dropInternal();
        switch (s.hold) {
            case WAITING -> s.endTransaction();
            case HELD -> {
                if (onCaptured != null || saved == null) {
                    captured(known()); // a capture cut short: settle with what the protocol told
                }
            }
            case MOVING -> failed("lost the new master while restoring the session");
            default -> { }
        }
    }

    /** Released: stays where it is when the route did not change and its backend lives, else moves. */
    void start() {
        if (onCaptured != null) {
            releasePending = true; // its own queries are still on the old backend
            return;
        }
        Optional<SessionContext.Route> route = s.context.route(s.readOnly());
        if (route.isPresent() && route.get().host().equals(s.backendHost) && s.backend != null && s.backend.isActive()) {
            s.resume();
            return;
        }
        if (route.isEmpty()) {
            failed("no master to move to");
            return;
        }
        s.hold = Session.Hold.MOVING;
        s.closeBackend();
        s.openBackend();
    }

    /** Logged in on the new backend: the database, the settings, the statements, then the held packets. */
    void restore() {
        SessionState state = saved != null ? saved : known();
        List<Runnable> steps = new ArrayList<>();
        Map<Long, Long> remap = new LinkedHashMap<>();
        Iterator<Runnable>[] next = new Iterator[1];
        Runnable advance = () -> {
            if (next[0].hasNext()) {
                next[0].next().run();
            } else {
                s.ids.moved(remap);
                s.types.rebound(remap.keySet());
                s.tracker.restart(state.autocommit());
                LOG.info("session {}: moved to {} ({} setting statement(s), {} prepared statement(s))", s.id,
                        s.backendHost, state.restoreStatements().size(), remap.size());
                s.resume();
            }
        };
        if (state.database() != null) {
            steps.add(() -> send(0x02, state.database().getBytes(StandardCharsets.UTF_8), ok(advance)));
        }
        for (String sql : state.restoreStatements()) {
            steps.add(() -> query(sql, ok(advance)));
        }
        s.tracker.prepared().forEach((clientId, p) -> steps.add(() -> send(MySqlWire.COM_STMT_PREPARE, p.sql(), r -> {
            ByteBuf first = r.get(0);
            if (MySqlWire.payloadByte(first, 0) != 0) {
                throw new IllegalStateException("re-preparing statement " + clientId + ": "
                        + MySqlWire.describeError(first));
            }
            remap.put(clientId, first.getUnsignedIntLE(first.readerIndex() + 5));
            advance.run();
        })));
        next[0] = steps.iterator();
        advance.run();
    }

    private static Consumer<List<ByteBuf>> ok(Runnable then) {
        return r -> {
            ByteBuf first = r.get(0);
            if (MySqlWire.payloadByte(first, 0) == 0xff) {
                throw new IllegalStateException("restoring the session's state: " + MySqlWire.describeError(first));
            }
            then.run();
        };
    }

    void failed(String why) {
        s.end("the session could not be moved to the new master (" + why + "); reconnect and retry");
    }
}
