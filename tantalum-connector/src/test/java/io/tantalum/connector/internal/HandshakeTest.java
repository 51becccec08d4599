package io.tantalum.connector.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HandshakeTest {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @Test
    void aGreetingRoundTrips() {
        ServerGreeting g = new ServerGreeting("5.5.5-10.11.6-MariaDB-0+deb12u1", 42, Session.CAPABILITIES, 45, 2, 0,
                ServerGreeting.newScramble(new Random(1)), NativePassword.PLUGIN);
        ByteBuf b = g.encode(alloc);
        assertThat(ServerGreeting.parse(b)).isEqualTo(g);
        b.release();
    }

    @Test
    void aHandshakeResponseRoundTripsWithDatabaseAndAttributes() {
        byte[] attrs = {5, 3, 'k', 'e', 'y', 0};
        HandshakeResponse h = new HandshakeResponse(Session.CAPABILITIES, 1 << 24, 45, 0, "app",
                new byte[20], "shop", NativePassword.PLUGIN, attrs);
        ByteBuf b = h.encode(alloc);
        assertThat(HandshakeResponse.parse(b)).isEqualTo(h);
        b.release();
        HandshakeResponse noDb = h.withDatabase(null);
        ByteBuf c = noDb.encode(alloc);
        HandshakeResponse back = HandshakeResponse.parse(c);
        assertThat(back.database()).isNull();
        assertThat(back.user()).isEqualTo("app");
        c.release();
    }

    @Test
    void anSslRequestIsRecognisedAndOldProtocolsRefused() {
        ByteBuf ssl = Unpooled.buffer().writeIntLE(MySqlWire.CLIENT_SSL | MySqlWire.CLIENT_PROTOCOL_41).writeZero(28);
        assertThat(HandshakeResponse.isSslRequest(ssl)).isTrue();
        ByteBuf old = Unpooled.buffer().writeIntLE(0).writeZero(40);
        assertThatThrownBy(() -> HandshakeResponse.parse(old)).hasMessageContaining("protocol 4.1");
    }

    @Test
    void extendedMetadataIsRelayedWhenBothSidesHaveItAndNoOtherMariaDbCapability() {
        // Connector/J asks for progress reports (1), bulk execution (4), extended metadata (8) and metadata caching (16)
        HandshakeResponse hello = new HandshakeResponse(Session.CAPABILITIES, 1 << 24, 45, 1 | 4 | 8 | 16, "app",
                new byte[20], null, NativePassword.PLUGIN, null);
        ServerGreeting mariaDb = new ServerGreeting("5.5.5-10.11.6-MariaDB", 7, Session.CAPABILITIES, 45, 2, 0x1f,
                new byte[20], NativePassword.PLUGIN);
        assertThat(BackendLink.missing(hello, mariaDb)).isNull();
        assertThat(BackendLink.login(hello, mariaDb, new byte[20]).mariaDbCapabilities())
                .isEqualTo(MySqlWire.MARIADB_CLIENT_EXTENDED_METADATA);
        ByteBuf b = mariaDb.encode(alloc);
        assertThat(ServerGreeting.parse(b).mariaDbCapabilities()).isEqualTo(0x1f);
        b.release();
        // a backend without it (after a switch to an older server) would send column definitions the client misreads
        ServerGreeting without = new ServerGreeting("5.5.5-10.4.1-MariaDB", 7, Session.CAPABILITIES, 45, 2, 0,
                new byte[20], NativePassword.PLUGIN);
        assertThat(BackendLink.missing(hello, without)).contains("MariaDB extended capabilities 0x8");
        HandshakeResponse plain = new HandshakeResponse(Session.CAPABILITIES, 1 << 24, 45, 0, "app", new byte[20], null,
                NativePassword.PLUGIN, null);
        assertThat(BackendLink.missing(plain, without)).isNull();
        assertThat(BackendLink.login(plain, mariaDb, new byte[20]).mariaDbCapabilities()).isZero();
    }
}
