package io.tantalum.replicator.internal.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SessionQueryDeserializerTest {
    private static void le(ByteArrayOutputStream out, long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }

    private static void str(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        out.write(b.length);
        out.writeBytes(b);
    }

    @Test
    void readsTheVariablesMariaDbWritesAndSkipsTheOthers() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0);
        le(b, SessionQueryDeserializer.OPTION_NO_FOREIGN_KEY_CHECKS | SessionQueryDeserializer.OPTION_RELAXED_UNIQUE_CHECKS,
                4);
        b.write(1);
        le(b, 0x8000_0000_0000_0004L, 8); // ANSI_QUOTES and a high bit: read as unsigned 64 bits
        b.write(6);
        str(b, "std");
        b.write(3);
        le(b, 0x0001_0001, 4);
        b.write(4);
        le(b, 8, 2); // latin1_swedish_ci
        le(b, 45, 2);
        le(b, 45, 2);
        b.write(5);
        str(b, "Europe/Paris");
        b.write(11);
        str(b, "app");
        str(b, "%");
        b.write(128);
        le(b, 123456, 3);
        b.write(129);
        le(b, 99, 8);
        b.write(130);
        b.write(4); // COMMIT ALTER: a sequence number follows
        le(b, 7, 8);
        SessionQueryDeserializer.Status st = SessionQueryDeserializer.parseStatus(b.toByteArray());
        assertThat(st.flags2()).isEqualTo((1L << 26) | (1L << 27));
        assertThat(Long.toUnsignedString(st.sqlMode())).isEqualTo("9223372036854775812");
        assertThat(st.charsetClient()).isEqualTo(8);
        assertThat(st.collationConnection()).isEqualTo(45);
        assertThat(st.timeZone()).isEqualTo("Europe/Paris");
    }

    @Test
    void anUnknownOrTruncatedVariableEndsTheWalkKeepingWhatCameBefore() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(1);
        le(b, 4, 8);
        b.write(200); // unknown: its length is unknown too
        b.write(4);
        le(b, 8, 6);
        assertThat(SessionQueryDeserializer.parseStatus(b.toByteArray()))
                .isEqualTo(new SessionQueryDeserializer.Status(null, 4L, null, null, null, null));
        assertThat(SessionQueryDeserializer.parseStatus(new byte[] {5, 10, '+', '0'}))
                .isEqualTo(SessionQueryDeserializer.Status.NONE);
    }

    @Test
    void mariaDbCharsetsMapToJavaOnes() {
        assertThat(SourceCharsets.javaCharset("latin1").name()).isEqualTo("windows-1252");
        assertThat(SourceCharsets.javaCharset("utf8mb3")).isEqualTo(StandardCharsets.UTF_8);
        assertThat(SourceCharsets.javaCharset("cp1251").name()).isEqualTo("windows-1251");
        assertThat(SourceCharsets.javaCharset("sjis").name()).isEqualTo("Shift_JIS");
        assertThat(SourceCharsets.javaCharset("no-such-charset")).isNull();
    }
}
