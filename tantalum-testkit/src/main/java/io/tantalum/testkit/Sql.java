package io.tantalum.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Small JDBC helpers for tests against real MariaDB servers. */
public final class Sql {
    private Sql() {}

    public static Connection connect(String url, String user, String password) {
        return connect(url, user, password, 5000);
    }

    /** With a longer wait for the server's greeting, e.g. through a connector that holds new sessions in a failover. */
    public static Connection connect(String url, String user, String password, int connectTimeoutMillis) {
        try {
            return DriverManager.getConnection(url + (url.contains("?") ? "&" : "?") + "connectTimeout="
                    + connectTimeoutMillis, user, password);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to " + url + " as " + user + ": " + e.getMessage(), e);
        }
    }

    /** Runs statements in autocommit mode. */
    public static void exec(Connection c, String... statements) {
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " (error " + e.getErrorCode() + ")", e);
        }
    }

    /** Runs statements as one transaction. */
    public static void transaction(Connection c, String... statements) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    public static List<List<Object>> query(Connection c, String sql) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    public static long count(Connection c, String sql) {
        return ((Number) query(c, sql).get(0).get(0)).longValue();
    }

    /**
     * {@code schema.table -> "checksum/rows"} for every base table of the given schemas: the
     * server's CHECKSUM TABLE (over every column's bytes) and the row count.
     */
    public static Map<String, String> checksums(Connection c, String... schemas) {
        Map<String, String> out = new TreeMap<>();
        for (String schema : schemas) {
            for (List<Object> t : query(c, "SELECT table_name FROM information_schema.tables WHERE table_schema='"
                    + schema + "' AND table_type='BASE TABLE'")) {
                String name = "`" + schema + "`.`" + t.get(0) + "`";
                Object sum = query(c, "CHECKSUM TABLE " + name).get(0).get(1);
                long rows = count(c, "SELECT COUNT(*) FROM " + name);
                out.put(schema + "." + t.get(0), sum + "/" + rows);
            }
        }
        return out;
    }
}
