package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The server's first packet (HandshakeV10): what a backend offers the connector, and what the
 * connector offers its clients.
 *
 * @param capabilities the 32 capability bits (lower and upper halves)
 * @param mariaDbCapabilities MariaDB's extended capabilities (sent when {@code CLIENT_MYSQL} is clear)
 * @param scramble the 20 bytes of authentication challenge
 */
public record ServerGreeting(String serverVersion, long connectionId, int capabilities, int charset, int status,
        int mariaDbCapabilities, byte[] scramble, String authPlugin) {

    public static ServerGreeting parse(ByteBuf payload) {
        ByteBuf p = payload.duplicate();
        int protocol = p.readUnsignedByte();
        if (protocol != 10) {
            throw new IllegalArgumentException("protocol version " + protocol + " (only 10 is spoken)");
        }
        String version = MySqlWire.readNulString(p);
        long id = p.readUnsignedIntLE();
        byte[] part1 = MySqlWire.readBytes(p, 8);
        p.skipBytes(1);
        int caps = p.readUnsignedShortLE();
        int charset = p.readUnsignedByte();
        int status = p.readUnsignedShortLE();
        caps |= p.readUnsignedShortLE() << 16;
        int authLength = p.readUnsignedByte();
        p.skipBytes(6);
        int mariaDb = p.readIntLE();
        int part2Length = Math.max(13, authLength - 8);
        byte[] part2 = MySqlWire.readBytes(p, Math.min(part2Length, p.readableBytes()));
        byte[] scramble = new byte[20];
        System.arraycopy(part1, 0, scramble, 0, 8);
        System.arraycopy(part2, 0, scramble, 8, Math.min(12, part2.length));
        String plugin = p.isReadable() ? MySqlWire.readNulString(p) : NativePassword.PLUGIN;
        return new ServerGreeting(version, id, caps, charset, status,
                (caps & MySqlWire.CLIENT_MYSQL) == 0 ? mariaDb : 0, scramble, plugin);
    }

    public ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf p = alloc.buffer(128);
        p.writeByte(10);
        MySqlWire.writeNulString(p, serverVersion);
        p.writeIntLE((int) connectionId);
        p.writeBytes(scramble, 0, 8);
        p.writeByte(0);
        p.writeShortLE(capabilities & 0xffff);
        p.writeByte(charset);
        p.writeShortLE(status);
        p.writeShortLE(capabilities >>> 16);
        p.writeByte(21);
        p.writeZero(6);
        p.writeIntLE(mariaDbCapabilities);
        p.writeBytes(scramble, 8, 12);
        p.writeByte(0);
        MySqlWire.writeNulString(p, authPlugin);
        return p;
    }

    /** A fresh 20-byte scramble of printable bytes without NUL, as servers make them. */
    public static byte[] newScramble(java.util.Random random) {
        byte[] s = new byte[20];
        for (int i = 0; i < s.length; i++) {
            s[i] = (byte) (33 + random.nextInt(94));
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerGreeting g && g.serverVersion.equals(serverVersion) && g.connectionId == connectionId
                && g.capabilities == capabilities && g.charset == charset && g.status == status
                && g.mariaDbCapabilities == mariaDbCapabilities && Arrays.equals(g.scramble, scramble)
                && g.authPlugin.equals(authPlugin);
    }

    @Override
    public int hashCode() {
        return serverVersion.hashCode() * 31 + Long.hashCode(connectionId);
    }

    @Override
    public String toString() {
        return "ServerGreeting[" + serverVersion + ", id=" + connectionId + ", caps=0x" + Integer.toHexString(capabilities)
                + ", plugin=" + authPlugin + ", scramble=" + new String(scramble, StandardCharsets.ISO_8859_1).length()
                + " bytes]";
    }
}
