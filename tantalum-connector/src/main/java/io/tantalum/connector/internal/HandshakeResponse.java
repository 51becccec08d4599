package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The client's answer to the greeting (HandshakeResponse41): who it is, what it can do and its
 * proof of the password. The connector reads it from clients and writes its own to backends.
 *
 * @param connectAttributes the raw length-encoded attribute block (null when not sent)
 */
public record HandshakeResponse(int capabilities, int maxPacket, int charset, int mariaDbCapabilities, String user,
        byte[] authResponse, String database, String authPlugin, byte[] connectAttributes) {

    /** A client that asks for TLS sends this 32-byte prefix first. */
    public static boolean isSslRequest(ByteBuf payload) {
        return payload.readableBytes() == 32 && (payload.getIntLE(payload.readerIndex()) & MySqlWire.CLIENT_SSL) != 0;
    }

    public static HandshakeResponse parse(ByteBuf payload) {
        ByteBuf p = payload.duplicate();
        int caps = p.readIntLE();
        if ((caps & MySqlWire.CLIENT_PROTOCOL_41) == 0) {
            throw new IllegalArgumentException("the client does not speak protocol 4.1 (capabilities 0x"
                    + Integer.toHexString(caps) + ")");
        }
        int maxPacket = p.readIntLE();
        int charset = p.readUnsignedByte();
        p.skipBytes(19);
        int mariaDb = p.readIntLE();
        String user = MySqlWire.readNulString(p);
        byte[] auth;
        if ((caps & MySqlWire.CLIENT_PLUGIN_AUTH_LENENC_DATA) != 0) {
            auth = MySqlWire.readBytes(p, (int) MySqlWire.readLenenc(p));
        } else if ((caps & MySqlWire.CLIENT_SECURE_CONNECTION) != 0) {
            auth = MySqlWire.readBytes(p, p.readUnsignedByte());
        } else {
            auth = MySqlWire.readNulString(p).getBytes(StandardCharsets.ISO_8859_1);
        }
        String db = (caps & MySqlWire.CLIENT_CONNECT_WITH_DB) != 0 && p.isReadable() ? MySqlWire.readNulString(p) : null;
        String plugin = (caps & MySqlWire.CLIENT_PLUGIN_AUTH) != 0 && p.isReadable() ? MySqlWire.readNulString(p) : "";
        byte[] attrs = null;
        if ((caps & MySqlWire.CLIENT_CONNECT_ATTRS) != 0 && p.isReadable()) {
            int start = p.readerIndex();
            long n = MySqlWire.readLenenc(p);
            p.skipBytes((int) n);
            attrs = new byte[p.readerIndex() - start];
            p.getBytes(start, attrs);
        }
        return new HandshakeResponse(caps, maxPacket, charset, (caps & MySqlWire.CLIENT_MYSQL) == 0 ? mariaDb : 0, user,
                auth, db == null || db.isEmpty() ? null : db, plugin, attrs);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf p = alloc.buffer(128);
        int caps = capabilities | MySqlWire.CLIENT_PROTOCOL_41 | MySqlWire.CLIENT_SECURE_CONNECTION
                | MySqlWire.CLIENT_PLUGIN_AUTH;
        caps = database == null ? caps & ~MySqlWire.CLIENT_CONNECT_WITH_DB : caps | MySqlWire.CLIENT_CONNECT_WITH_DB;
        caps = connectAttributes == null ? caps & ~MySqlWire.CLIENT_CONNECT_ATTRS : caps;
        p.writeIntLE(caps);
        p.writeIntLE(maxPacket);
        p.writeByte(charset);
        p.writeZero(19);
        p.writeIntLE(mariaDbCapabilities);
        MySqlWire.writeNulString(p, user);
        if ((caps & MySqlWire.CLIENT_PLUGIN_AUTH_LENENC_DATA) != 0) {
            MySqlWire.writeLenenc(p, authResponse.length);
        } else {
            p.writeByte(authResponse.length);
        }
        p.writeBytes(authResponse);
        if (database != null) {
            MySqlWire.writeNulString(p, database);
        }
        MySqlWire.writeNulString(p, authPlugin);
        if (connectAttributes != null) {
            p.writeBytes(connectAttributes);
        }
        return p;
    }

    public HandshakeResponse withAuth(String plugin, byte[] response) {
        return new HandshakeResponse(capabilities, maxPacket, charset, mariaDbCapabilities, user, response, database,
                plugin, connectAttributes);
    }

    public HandshakeResponse withDatabase(String db) {
        return new HandshakeResponse(capabilities, maxPacket, charset, mariaDbCapabilities, user, authResponse, db,
                authPlugin, connectAttributes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HandshakeResponse h && h.capabilities == capabilities && h.maxPacket == maxPacket
                && h.charset == charset && h.mariaDbCapabilities == mariaDbCapabilities && h.user.equals(user)
                && Arrays.equals(h.authResponse, authResponse) && java.util.Objects.equals(h.database, database)
                && h.authPlugin.equals(authPlugin) && Arrays.equals(h.connectAttributes, connectAttributes);
    }

    @Override
    public int hashCode() {
        return user.hashCode() * 31 + capabilities;
    }

    @Override
    public String toString() {
        return "HandshakeResponse[user=" + user + ", db=" + database + ", caps=0x" + Integer.toHexString(capabilities)
                + ", plugin=" + authPlugin + ", auth hidden]";
    }
}
