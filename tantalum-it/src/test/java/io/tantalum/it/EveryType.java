package io.tantalum.it;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * A column of every MariaDB type (extremes included) with three values each, and how a client
 * binds them: each value with the setter of its Java type ({@code setByte} ... {@code setTimestamp},
 * streams with {@code setBinaryStream}/{@code setCharacterStream}), NULL with {@code setNull}.
 */
final class EveryType {
    private EveryType() {}

    /** A column: name, SQL type, JDBC type for setNull, then three values (bound with the matching setter). */
    record Col(String name, String type, int sqlType, Object... values) {}

    record Stream(byte[] bytes) {}

    record Chars(String text) {}

    /** Every type; INET6 and UUID only when the server has them (10.5, 10.7). */
    static List<Col> columns(boolean inet6, boolean uuid) {
        byte[] ff = new byte[8];
        java.util.Arrays.fill(ff, (byte) 0xff);
        List<Col> cols = new ArrayList<>(List.of(
                new Col("ti", "TINYINT", Types.TINYINT, (byte) -128, (byte) 127, (byte) 0),
                new Col("tiu", "TINYINT UNSIGNED", Types.SMALLINT, (short) 0, (short) 255, (short) 7),
                new Col("si", "SMALLINT", Types.SMALLINT, (short) -32768, (short) 32767, (short) -1),
                new Col("siu", "SMALLINT UNSIGNED", Types.INTEGER, 0, 65535, 300),
                new Col("mi", "MEDIUMINT", Types.INTEGER, -8388608, 8388607, 42),
                new Col("miu", "MEDIUMINT UNSIGNED", Types.INTEGER, 0, 16777215, 4242),
                new Col("i", "INT", Types.INTEGER, Integer.MIN_VALUE, Integer.MAX_VALUE, -5),
                new Col("iu", "INT UNSIGNED", Types.BIGINT, 0L, 4294967295L, 99L),
                new Col("bi", "BIGINT", Types.BIGINT, Long.MIN_VALUE, Long.MAX_VALUE, 1L),
                new Col("biu", "BIGINT UNSIGNED", Types.DECIMAL, BigDecimal.ZERO,
                        new BigDecimal("18446744073709551615"),
                        new BigDecimal("9223372036854775808")),
                new Col("f", "FLOAT", Types.REAL, -3.4e38f, 3.4e38f, 3.14159f),
                new Col("d", "DOUBLE", Types.DOUBLE, -Double.MAX_VALUE, Double.MAX_VALUE, 2.2250738585072014e-308),
                new Col("de", "DECIMAL(65,30)", Types.DECIMAL,
                        new BigDecimal("-99999999999999999999999999999999999.999999999999999999999999999999"),
                        new BigDecimal("99999999999999999999999999999999999.999999999999999999999999999999"),
                        new BigDecimal("0.000000000000000000000000000001")),
                new Col("bt", "BIT(64)", Types.BIT, new byte[8], ff, new byte[] {(byte) 0x80, 0, 0, 0, 0, 0, 0, 1}),
                new Col("da", "DATE", Types.DATE, java.sql.Date.valueOf("1000-01-01"),
                        java.sql.Date.valueOf("9999-12-31"), java.sql.Date.valueOf("2024-02-29")),
                new Col("tm", "TIME(6)", Types.TIME, "-838:59:59.999999", "838:59:59.999999",
                        java.sql.Time.valueOf("12:34:56")),
                new Col("dt", "DATETIME(6)", Types.TIMESTAMP, Timestamp.valueOf("1000-01-01 00:00:00.000001"),
                        Timestamp.valueOf("9999-12-31 23:59:59.999999"), Timestamp.valueOf("2024-02-29 12:00:00.5")),
                new Col("ts", "TIMESTAMP(6) NULL", Types.TIMESTAMP, Timestamp.valueOf("1970-01-02 00:00:00.000001"),
                        Timestamp.valueOf("2038-01-18 23:59:59.999999"), Timestamp.valueOf("2001-02-03 04:05:06.7")),
                new Col("y", "YEAR", Types.SMALLINT, (short) 1901, (short) 2155, (short) 2024),
                new Col("c", "CHAR(10)", Types.CHAR, "", "abcdefghij", "é"),
                new Col("vc", "VARCHAR(100)", Types.VARCHAR, "zwölf € 😀 ñ", "𝄞 日本語", ""),
                new Col("bn", "BINARY(8)", Types.BINARY, new byte[] {0}, ff, new byte[] {1, 2, 3}),
                new Col("vb", "VARBINARY(50)", Types.VARBINARY, new byte[0], ff,
                        new byte[] {0, 39, 92, 34, 10, 13, 26}),
                new Col("tb", "TINYBLOB", Types.BLOB, new byte[0], ConnectorResultsIT.randomBytes(255, 3),
                        new byte[] {0}),
                new Col("mb", "MEDIUMBLOB", Types.BLOB, new Stream(ConnectorResultsIT.randomBytes(70000, 4)),
                        new Stream(new byte[0]),
                        new Stream(new byte[] {-1})),
                new Col("lb", "LONGBLOB", Types.BLOB, ConnectorResultsIT.randomBytes(300000, 5), new byte[] {0, 0},
                        new byte[] {'\''}),
                new Col("tt", "TINYTEXT", Types.VARCHAR, "t😀", "", "'\\\""),
                new Col("mt", "MEDIUMTEXT", Types.LONGVARCHAR, new Chars("ü".repeat(40000)), new Chars(""),
                        new Chars("a\0b")),
                new Col("lt", "LONGTEXT", Types.LONGVARCHAR, "long".repeat(50000), "😀", "\n"),
                new Col("e", "ENUM('a','b','c')", Types.VARCHAR, "a", "c", "b"),
                new Col("st", "SET('x','y','z')", Types.VARCHAR, "", "x,y,z", "y"),
                new Col("j", "JSON", Types.VARCHAR, "{}", "{\"a\": [1, 2.5, \"😀\", null, true]}", "[]"),
                new Col("g", "GEOMETRY", Types.VARCHAR, "POINT(0 0)", "POLYGON((0 0,10 0,10 10,0 10,0 0))",
                        "LINESTRING(0 0,1 1,2 4)"),
                new Col("p", "POINT", Types.VARCHAR, "POINT(-1.5 2.25)", "POINT(1e300 -1e-300)", "POINT(0 0)")));
        if (inet6) {
            cols.add(new Col("i6", "INET6", Types.VARCHAR, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                    "2001:db8::1"));
        }
        if (uuid) {
            cols.add(new Col("u", "UUID", Types.VARCHAR, "00000000-0000-0000-0000-000000000000",
                    "ffffffff-ffff-ffff-ffff-ffffffffffff", "123e4567-e89b-12d3-a456-426614174000"));
        }
        return cols;
    }

    static void bind(PreparedStatement ps, int i, int sqlType, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(i, sqlType);
        } else if (v instanceof Stream s) {
            ps.setBinaryStream(i, new ByteArrayInputStream(s.bytes()), s.bytes().length);
        } else if (v instanceof Chars s) {
            ps.setCharacterStream(i, new StringReader(s.text()), s.text().length());
        } else if (v instanceof Byte b) {
            ps.setByte(i, b);
        } else if (v instanceof Short n) {
            ps.setShort(i, n);
        } else if (v instanceof Integer n) {
            ps.setInt(i, n);
        } else if (v instanceof Long n) {
            ps.setLong(i, n);
        } else if (v instanceof Float f) {
            ps.setFloat(i, f);
        } else if (v instanceof Double d) {
            ps.setDouble(i, d);
        } else if (v instanceof BigDecimal d) {
            ps.setBigDecimal(i, d);
        } else if (v instanceof byte[] b) {
            ps.setBytes(i, b);
        } else if (v instanceof java.sql.Date d) {
            ps.setDate(i, d);
        } else if (v instanceof java.sql.Time t) {
            ps.setTime(i, t);
        } else if (v instanceof Timestamp t) {
            ps.setTimestamp(i, t);
        } else {
            ps.setString(i, (String) v);
        }
    }

}
