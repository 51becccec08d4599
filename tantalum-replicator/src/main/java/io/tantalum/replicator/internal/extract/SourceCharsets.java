package io.tantalum.replicator.internal.extract;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** What the extractor learns from its source before reading the binlog: its collations and the SYSTEM time zone. */
public final class SourceCharsets {
    private SourceCharsets() {}

    /** The Java charset of a MariaDB character set, or null when Java has none (the statement stays UTF-8). */
    static Charset javaCharset(String mariadb) {
        String name = switch (mariadb.toLowerCase(Locale.ROOT)) {
            case "utf8mb4", "utf8mb3", "utf8", "binary" -> "UTF-8";
            case "latin1" -> "windows-1252"; // MariaDB's latin1 is cp1252
            case "ascii" -> "US-ASCII";
            case "latin2" -> "ISO-8859-2";
            case "latin5" -> "ISO-8859-9";
            case "latin7" -> "ISO-8859-13";
            case "greek" -> "ISO-8859-7";
            case "hebrew" -> "ISO-8859-8";
            case "koi8r" -> "KOI8-R";
            case "koi8u" -> "KOI8-U";
            case "cp850" -> "IBM850";
            case "cp852" -> "IBM852";
            case "cp866" -> "IBM866";
            case "macroman" -> "x-MacRoman";
            case "sjis" -> "Shift_JIS";
            case "cp932" -> "windows-31j";
            case "ujis" -> "EUC-JP";
            case "eucjpms" -> "x-eucJP-Open";
            case "euckr" -> "EUC-KR";
            case "gb2312" -> "GB2312";
            case "tis620" -> "TIS-620";
            default -> mariadb; // gbk, big5, cp1250, cp1251, cp1256, cp1257...
        };
        try {
            return Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A collation of the source.
     *
     * @param name the collation's name, e.g. {@code latin1_german1_ci}
     * @param charset its character set's name, e.g. {@code latin1}
     * @param java the Java charset statements in it are decoded with (UTF-8 where Java has none)
     */
    public record Collation(String name, String charset, Charset java) {}

    /** Collation id to collation, for every collation of the source. */
    public static Map<Integer, Collation> load(Connection c) throws SQLException {
        Map<Integer, Collation> m = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT ID, COLLATION_NAME, CHARACTER_SET_NAME FROM information_schema.COLLATIONS")) {
            while (rs.next()) {
                if (rs.getString(3) == null) {
                    continue; // a collation not tied to one character set
                }
                Charset cs = javaCharset(rs.getString(3));
                m.put(rs.getInt(1), new Collation(rs.getString(2), rs.getString(3),
                        cs != null ? cs : StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    /** The source's SYSTEM time zone now, as an offset such as "+01:00" (sets the session's time zone to SYSTEM). */
    public static String systemOffset(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION time_zone='SYSTEM'");
            ResultSet rs = s.executeQuery("SELECT TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW())");
            rs.next();
            int minutes = rs.getInt(1);
            return String.format(Locale.ROOT, "%s%02d:%02d", minutes < 0 ? "-" : "+", Math.abs(minutes) / 60,
                    Math.abs(minutes) % 60);
        }
    }
}
