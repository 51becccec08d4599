package io.tantalum.connector.internal;

import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.nio.ByteOrder;

/** MySQL packet framing for Netty: each message is one whole frame, header included. */
public final class Frames {
    private Frames() {}

    public static LengthFieldBasedFrameDecoder decoder() {
        return new LengthFieldBasedFrameDecoder(ByteOrder.LITTLE_ENDIAN, MySqlWire.MAX_PAYLOAD + 4, 0, 3, 1, 0, true);
    }
}
