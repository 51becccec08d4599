package io.tantalum.it;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What an application reads from a statement, as a list of comparable strings: every result set
 * (column metadata, then each value as getObject with its class, getString and getBytes), update
 * count, warning and error, in order. Two servers (or a server and a proxy) give the same results
 * when these lists are equal.
 */
final class Results {
    private Results() {}

    /** Every result set, update count, warning and error {@code sql} gives, in order. */
    static List<String> of(Statement s, String sql) {
        List<String> out = new ArrayList<>();
        try {
            collect(s, s.execute(sql), out);
        } catch (SQLException e) {
            out.add(error(e));
        }
        return out;
    }

    /** As {@link #of(Statement, String)} for a prepared statement with its parameters set. */
    static List<String> of(PreparedStatement ps) {
        List<String> out = new ArrayList<>();
        try {
            collect(ps, ps.execute(), out);
        } catch (SQLException e) {
            out.add(error(e));
        }
        return out;
    }

    private static void collect(Statement s, boolean resultSet, List<String> out) throws SQLException {
        try {
            for (boolean rs = resultSet; ; rs = s.getMoreResults()) {
                if (rs) {
                    try (ResultSet r = s.getResultSet()) {
                        out.addAll(resultSet(r));
                    }
                } else if (s.getUpdateCount() == -1) {
                    break;
                } else {
                    out.add("update count " + s.getUpdateCount());
                }
            }
        } finally {
            for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
                out.add("warning " + w.getErrorCode() + " " + w.getSQLState() + " " + w.getMessage());
            }
        }
    }

    static String error(SQLException e) {
        return "error " + e.getErrorCode() + " " + e.getSQLState() + " " + e.getClass().getSimpleName() + " "
                + String.valueOf(e.getMessage()).replaceAll("\\(conn=\\d+\\) ", "");
    }

    /** Column metadata, then for each row each column's getObject (with its class), getString and getBytes. */
    static List<String> resultSet(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        ResultSetMetaData md = rs.getMetaData();
        int n = md.getColumnCount();
        for (int i = 1; i <= n; i++) {
            out.add("column " + md.getColumnLabel(i) + " " + md.getColumnTypeName(i) + " type=" + md.getColumnType(i)
                    + " precision=" + md.getPrecision(i) + " scale=" + md.getScale(i) + " nullable=" + md.isNullable(i)
                    + " signed=" + md.isSigned(i) + " class=" + md.getColumnClassName(i));
        }
        while (rs.next()) {
            out.add("row");
            for (int i = 1; i <= n; i++) {
                int col = i;
                out.add(md.getColumnLabel(i) + " = " + value(() -> rs.getObject(col)) + " ; "
                        + value(() -> rs.getString(col)) + " ; " + value(() -> rs.getBytes(col)));
            }
        }
        return out;
    }

    interface Getter {
        Object get() throws SQLException;
    }

    static String value(Getter g) {
        try {
            Object v = g.get();
            if (v == null) {
                return "NULL";
            } else if (v instanceof byte[] b) {
                return "0x" + HexFormat.of().formatHex(b);
            } else if (v instanceof java.sql.Blob b) {
                return "Blob 0x" + HexFormat.of().formatHex(b.getBytes(1, (int) b.length()));
            } else if (v instanceof java.sql.Clob c) {
                return "Clob " + c.getSubString(1, (int) c.length());
            }
            return v.getClass().getSimpleName() + " " + v;
        } catch (SQLException | RuntimeException e) {
            return "! " + e.getClass().getSimpleName() + " " + String.valueOf(e.getMessage())
                    .replaceAll("\\(conn=\\d+\\) ", "");
        }
    }

    /** A list with each long string cut to its start, length and digest, for readable assertion messages. */
    static Object shortened(Object o) {
        if (o instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object e : list) {
                out.add(shortened(e));
            }
            return out;
        }
        String v = String.valueOf(o);
        return v.length() <= 400 ? v : v.substring(0, 200) + "... (" + v.length() + " chars, SHA-256 "
                + sha256(v.getBytes(StandardCharsets.UTF_8)) + ")";
    }

    static String sha256(byte[] b) {
        try {
            return b == null ? "NULL" : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
