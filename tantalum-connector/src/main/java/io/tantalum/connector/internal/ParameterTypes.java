package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The parameter types each prepared statement was last executed with. A client sends the types
 * of a statement's parameters with its first {@code COM_STMT_EXECUTE} only
 * ({@code new_params_bound_flag} = 1) and the server remembers them; a statement the connector
 * re-prepared on a new master has no types there, so its next execute gets them added back
 * (without them the server answers 1210, "Incorrect arguments to mysqld_stmt_execute").
 */
final class ParameterTypes {
    /** command, statement id, flags, iteration count. */
    private static final int HEADER = 10;

    private final Map<Long, byte[]> types = new HashMap<>();
    private final Set<Long> unbound = new HashSet<>();

    /** Statements re-prepared after a move: the server has not seen their types. */
    void rebound(Set<Long> clientIds) {
        unbound.addAll(clientIds);
    }

    /**
     * A client's {@code COM_STMT_EXECUTE} (statement id as the client knows it): the frame to send
     * on, the same or a new one with the types added (then the old one is released).
     */
    ByteBuf execute(ByteBuf frame, Map<Long, ResponseTracker.Prepared> prepared) {
        int length = MySqlWire.payloadLength(frame);
        if (length < HEADER || length >= MySqlWire.MAX_PAYLOAD - 2 * 0xffff) {
            return frame;
        }
        int p = frame.readerIndex() + 4;
        long id = frame.getUnsignedIntLE(p + 1);
        ResponseTracker.Prepared stmt = prepared.get(id);
        if (stmt == null || stmt.parameters() == 0) {
            return frame;
        }
        int n = stmt.parameters();
        int bitmap = (n + 7) / 8;
        int flagAt = p + HEADER + bitmap;
        if (flagAt >= p + length) {
            return frame;
        }
        if (frame.getByte(flagAt) == 1) {
            if (flagAt + 1 + 2 * n <= p + length) {
                byte[] t = new byte[2 * n];
                frame.getBytes(flagAt + 1, t);
                types.put(id, t);
                unbound.remove(id);
            }
            return frame;
        }
        byte[] t = types.get(id);
        if (t == null || !unbound.remove(id)) {
            return frame;
        }
        ByteBuf payload = frame.alloc().buffer(length + t.length);
        payload.writeBytes(frame, p, flagAt - p).writeByte(1).writeBytes(t)
                .writeBytes(frame, flagAt + 1, p + length - flagAt - 1);
        ByteBuf out = MySqlWire.frame(frame.alloc(), MySqlWire.sequence(frame), payload);
        frame.release();
        return out;
    }

    void clear() {
        types.clear();
        unbound.clear();
    }

    void closed(long clientId) {
        types.remove(clientId);
        unbound.remove(clientId);
    }
}
