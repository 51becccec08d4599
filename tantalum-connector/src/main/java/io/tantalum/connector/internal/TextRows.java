package io.tantalum.connector.internal;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/** Reads the rows of a text result set (the response to a {@code COM_QUERY} the connector sent itself). */
public final class TextRows {
    private TextRows() {}

    /** Each row's values (null for SQL NULL); empty when the response was an OK. Fails on an ERR. */
    public static List<List<byte[]>> parse(List<ByteBuf> response, boolean deprecateEof) {
        List<List<byte[]>> rows = new ArrayList<>();
        if (response.isEmpty()) {
            return rows;
        }
        ByteBuf first = response.get(0);
        int head = MySqlWire.payloadByte(first, 0);
        if (head == 0xff) {
            throw new IllegalStateException(MySqlWire.describeError(first));
        }
        if (head == 0x00) {
            return rows;
        }
        int columns = (int) MySqlWire.readLenenc(MySqlWire.payload(first));
        int i = 1 + columns + (deprecateEof ? 0 : 1);
        for (; i < response.size(); i++) {
            ByteBuf f = response.get(i);
            int b = MySqlWire.payloadByte(f, 0);
            int length = MySqlWire.payloadLength(f);
            if (b == 0xff) {
                throw new IllegalStateException(MySqlWire.describeError(f));
            }
            if (b == 0xfe && (deprecateEof ? length < MySqlWire.MAX_PAYLOAD : length < 9)) {
                break;
            }
            ByteBuf p = MySqlWire.payload(f);
            List<byte[]> row = new ArrayList<>(columns);
            for (int c = 0; c < columns; c++) {
                if (p.getUnsignedByte(p.readerIndex()) == 0xfb) {
                    p.skipBytes(1);
                    row.add(null);
                } else {
                    row.add(MySqlWire.readBytes(p, (int) MySqlWire.readLenenc(p)));
                }
            }
            rows.add(row);
        }
        return rows;
    }
}
