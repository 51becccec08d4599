package io.tantalum.replicator.internal.extract;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.shyiko.mysql.binlog.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

/** Byte fixtures in the server's storage formats (sql/compat56.cc, MySQL 5.6 temporal types). */
class MariaDbRowDeserializersTest {
    private static ByteArrayInputStream in(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return new ByteArrayInputStream(b);
    }

    @Test
    void date() {
        // 2024-02-29 = 2024*16*32 + 2*32 + 29, little-endian 3 bytes
        int v = 2024 * 512 + 2 * 32 + 29;
        assertThat(MariaDbRowDeserializers.date(v)).isEqualTo("2024-02-29");
        assertThat(MariaDbRowDeserializers.date(0)).isEqualTo("0000-00-00");
    }

    @Test
    void time2WithoutFraction() throws Exception {
        // 12:34:56 -> hms = 12<<12 | 34<<6 | 56, stored as 0x800000 + hms, big-endian
        int hms = (12 << 12) | (34 << 6) | 56;
        int stored = 0x800000 + hms;
        assertThat(MariaDbRowDeserializers.time2(0, in(stored >> 16, (stored >> 8) & 0xff, stored & 0xff)))
                .isEqualTo("12:34:56");
        int neg = 0x800000 - hms;
        assertThat(MariaDbRowDeserializers.time2(0, in(neg >> 16, (neg >> 8) & 0xff, neg & 0xff)))
                .isEqualTo("-12:34:56");
    }

    @Test
    void time2WithMicroseconds() throws Exception {
        // fsp 6: 6 bytes of 0x800000000000 + (hms << 24 | micros)
        long packed = (((long) ((1 << 12) | (2 << 6) | 3)) << 24) | 456789;
        long stored = 0x800000000000L + packed;
        int[] b = new int[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (int) ((stored >> (8 * (5 - i))) & 0xff);
        }
        assertThat(MariaDbRowDeserializers.time2(6, in(b))).isEqualTo("01:02:03.456789");
    }

    @Test
    void datetime2() throws Exception {
        long ym = 2024L * 13 + 2;
        long ymd = (ym << 5) | 29;
        long hms = (23L << 12) | (59 << 6) | 58;
        long stored = ((ymd << 17) | hms) + 0x8000000000L;
        int[] b = new int[5 + 3];
        for (int i = 0; i < 5; i++) {
            b[i] = (int) ((stored >> (8 * (4 - i))) & 0xff);
        }
        int micros = 123456;
        b[5] = micros >> 16;
        b[6] = (micros >> 8) & 0xff;
        b[7] = micros & 0xff;
        assertThat(MariaDbRowDeserializers.datetime2(6, in(b))).isEqualTo("2024-02-29 23:59:58.123456");
    }

    @Test
    void timestamp2IsUtcAndZeroStaysZero() throws Exception {
        long secs = 1_700_000_000L; // 2023-11-14T22:13:20Z
        assertThat(MariaDbRowDeserializers.timestamp2(2, in((int) (secs >> 24), (int) (secs >> 16) & 0xff,
                (int) (secs >> 8) & 0xff, (int) secs & 0xff, 50))).isEqualTo("2023-11-14 22:13:20.50");
        assertThat(MariaDbRowDeserializers.timestamp2(0, in(0, 0, 0, 0))).isEqualTo("0000-00-00 00:00:00");
    }
}
