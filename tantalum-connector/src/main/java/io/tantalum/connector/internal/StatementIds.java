package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import java.util.HashMap;
import java.util.Map;

/**
 * The prepared-statement ids a client uses, against those of its current server. Until the
 * session first moves they are the same; after a move the connector re-prepared every statement
 * under new server ids, so it rewrites the id in the client's statement commands and hands out
 * its own ids for statements prepared later (ids the client already holds are never reused).
 */
final class StatementIds {
    /** Statement id 0xFFFFFFFF: MariaDB's "the statement prepared last", sent as is. */
    private static final long LAST_PREPARED = 0xFFFFFFFFL;

    private Map<Long, Long> clientToServer = new HashMap<>();
    private boolean translating;
    private long nextClientId = 1;

    /** Notes an id the client was given, so that later ones never collide with it. */
    void seen(long clientId) {
        nextClientId = Math.max(nextClientId, clientId + 1);
    }

    /** After a move: the client's ids and their new server ids. */
    void moved(Map<Long, Long> remap) {
        translating = true;
        clientToServer = new HashMap<>(remap);
        remap.keySet().forEach(this::seen);
    }

    /** COM_RESET_CONNECTION: the server forgot every statement (ids already handed out are still never reused). */
    void reset() {
        clientToServer.clear();
    }

    /** Rewrites the statement id of a client command in place (a no-op before the first move). */
    void toServer(ByteBuf frame) {
        if (!translating || MySqlWire.payloadLength(frame) < 5) {
            return;
        }
        int command = MySqlWire.payloadByte(frame, 0);
        if (command != MySqlWire.COM_STMT_EXECUTE && command != MySqlWire.COM_STMT_SEND_LONG_DATA
                && command != MySqlWire.COM_STMT_CLOSE && command != 0x1a && command != MySqlWire.COM_STMT_FETCH) {
            return;
        }
        int at = frame.readerIndex() + 5;
        long id = frame.getUnsignedIntLE(at);
        Long server = id == LAST_PREPARED ? null : clientToServer.get(id);
        if (server != null) {
            frame.setIntLE(at, server.intValue());
        }
        if (command == MySqlWire.COM_STMT_CLOSE) {
            clientToServer.remove(id);
        }
    }

    /** Rewrites the id of a server's PREPARE_OK to the one the client gets (a no-op before the first move). */
    void toClient(ByteBuf prepareOk) {
        int at = prepareOk.readerIndex() + 5;
        long server = prepareOk.getUnsignedIntLE(at);
        if (!translating) {
            seen(server);
            return;
        }
        long client = nextClientId++;
        clientToServer.put(client, server);
        prepareOk.setIntLE(at, (int) client);
    }
}
