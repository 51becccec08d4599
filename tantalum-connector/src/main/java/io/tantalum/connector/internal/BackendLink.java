package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The backend side of a {@link Session}: logs in as the client's user with the password proof
 * derived from the client's (never a stored password), then hands every packet to the session.
 */
final class BackendLink extends ChannelInboundHandlerAdapter {
    /** Capabilities whose absence on the server would change the packets the client expects. */
    private static final int FRAMING = MySqlWire.CLIENT_DEPRECATE_EOF | MySqlWire.CLIENT_SESSION_TRACK
            | MySqlWire.CLIENT_MULTI_RESULTS | MySqlWire.CLIENT_PS_MULTI_RESULTS | MySqlWire.CLIENT_PROTOCOL_41;

    private enum State { GREETING, LOGGING_IN, READY }

    private final Session session;
    private final HandshakeResponse hello;
    private final byte[] stage1;
    private State state = State.GREETING;

    BackendLink(Session session, HandshakeResponse hello, byte[] stage1) {
        this.session = session;
        this.hello = hello;
        this.stage1 = stage1;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (state == State.READY) {
            session.fromBackend(ctx.channel(), frame);
            return;
        }
        try {
            if (state == State.GREETING) {
                greeting(ctx, frame);
            } else {
                loggingIn(ctx, frame);
            }
        } finally {
            if (frame.refCnt() > 0 && state != State.READY) {
                frame.release();
            }
        }
    }

    private void greeting(ChannelHandlerContext ctx, ByteBuf frame) {
        if (MySqlWire.payloadByte(frame, 0) == 0xff) {
            session.backendFailed(frame.retain(), null); // too many connections, host blocked...
            return;
        }
        ServerGreeting g = ServerGreeting.parse(MySqlWire.payload(frame));
        String missing = missing(hello, g);
        if (missing != null) {
            session.backendFailed(null, missing);
            return;
        }
        HandshakeResponse login = login(hello, g, NativePassword.answerWithStage1(stage1, g.scramble()));
        ctx.writeAndFlush(MySqlWire.frame(ctx.alloc(), MySqlWire.sequence(frame) + 1, login.encode(ctx.alloc())));
        state = State.LOGGING_IN;
    }

    /** Why a backend that greeted with {@code g} cannot serve the client's session (null: it can). */
    static String missing(HandshakeResponse hello, ServerGreeting g) {
        int missing = hello.capabilities() & Session.CAPABILITIES & FRAMING & ~g.capabilities();
        int missingMariaDb = hello.mariaDbCapabilities() & Session.MARIADB_CAPABILITIES & ~g.mariaDbCapabilities();
        if (missing == 0 && missingMariaDb == 0) {
            return null;
        }
        return "the server (" + g.serverVersion() + ") lacks capabilities 0x" + Integer.toHexString(missing)
                + (missingMariaDb == 0 ? "" : " and MariaDB extended capabilities 0x" + Integer.toHexString(missingMariaDb))
                + " that the client uses";
    }

    /** The login for the client's session: its capabilities (and MariaDB extended ones) that the connector relays. */
    static HandshakeResponse login(HandshakeResponse hello, ServerGreeting g, byte[] authResponse) {
        return new HandshakeResponse(hello.capabilities() & Session.CAPABILITIES, hello.maxPacket(), hello.charset(),
                hello.mariaDbCapabilities() & Session.MARIADB_CAPABILITIES & g.mariaDbCapabilities(), hello.user(),
                authResponse, hello.database(), NativePassword.PLUGIN, hello.connectAttributes());
    }

    private void loggingIn(ChannelHandlerContext ctx, ByteBuf frame) {
        int first = MySqlWire.payloadByte(frame, 0);
        switch (first) {
            case 0x00 -> {
                state = State.READY;
                session.backendReady(ctx.channel(), frame);
            }
            case 0xff -> session.backendFailed(frame.retain(), null);
            case 0xfe -> {
                ByteBuf p = MySqlWire.payload(frame);
                p.skipBytes(1);
                String plugin = MySqlWire.readNulString(p);
                if (!plugin.equals(NativePassword.PLUGIN) || p.readableBytes() < 20) {
                    session.backendFailed(null, "the server asks for authentication plugin " + plugin
                            + "; only mysql_native_password accounts log in through the connector");
                    return;
                }
                byte[] scramble = MySqlWire.readBytes(p, 20);
                ctx.writeAndFlush(MySqlWire.frame(ctx.alloc(), MySqlWire.sequence(frame) + 1,
                        ctx.alloc().buffer(20).writeBytes(NativePassword.answerWithStage1(stage1, scramble))));
            }
            default -> session.backendFailed(null, "unexpected login packet 0x" + Integer.toHexString(first));
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        session.flushClient();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.backendWritable(ctx.channel().isWritable());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.backendClosed(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
