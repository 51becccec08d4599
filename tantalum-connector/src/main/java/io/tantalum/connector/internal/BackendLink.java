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
        int sessionCaps = hello.capabilities() & Session.CAPABILITIES;
        int missing = sessionCaps & FRAMING & ~g.capabilities();
        if (missing != 0) {
            session.backendFailed(null, "the server (" + g.serverVersion() + ") lacks capabilities 0x"
                    + Integer.toHexString(missing) + " that the client uses");
            return;
        }
        HandshakeResponse login = new HandshakeResponse(sessionCaps, hello.maxPacket(), hello.charset(), 0, hello.user(),
                NativePassword.answerWithStage1(stage1, g.scramble()), hello.database(), NativePassword.PLUGIN,
                hello.connectAttributes());
        ctx.writeAndFlush(MySqlWire.frame(ctx.alloc(), MySqlWire.sequence(frame) + 1, login.encode(ctx.alloc())));
        state = State.LOGGING_IN;
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
