package io.tantalum.replicator.internal.apply;

import io.tantalum.thl.ThlEvent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies THL row changes over one JDBC connection with prepared statements: multi-row INSERTs,
 * batched UPDATE and DELETE by primary key, or by every column with {@code <=>} and
 * {@code LIMIT 1} on a table without one. An UPDATE or DELETE that matches no row means the
 * slave diverged from the master and fails with {@link RowNotFoundException}. Not thread-safe:
 * one instance per applier connection.
 */
final class RowSql {
    private static final int FLOAT = 4;
    private static final int BIT = 16;
    private static final int INSERT_ROWS_PER_STATEMENT = 200;

    private final Connection conn;
    private final Map<String, PreparedStatement> cache = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> e) {
            if (size() > 256) {
                close(e.getValue());
                return true;
            }
            return false;
        }
    };

    /** An UPDATE or DELETE found no row to change. */
    static final class RowNotFoundException extends SQLException {
        private static final long serialVersionUID = 1L;

        RowNotFoundException(String message) {
            super(message, "02000", 1032);
        }
    }

    RowSql(Connection conn) {
        this.conn = conn;
    }

    void apply(ThlEvent.RowChange rc) throws SQLException {
        switch (rc.action()) {
            case INSERT -> insert(rc);
            case UPDATE -> updateOrDelete(rc, true);
            case DELETE -> updateOrDelete(rc, false);
        }
    }

    private static String table(ThlEvent.RowChange rc) {
        return quote(rc.schema()) + "." + quote(rc.table());
    }

    static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    private void insert(ThlEvent.RowChange rc) throws SQLException {
        List<Object[][]> rows = rc.rows();
        for (int start = 0; start < rows.size(); start += INSERT_ROWS_PER_STATEMENT) {
            int n = Math.min(INSERT_ROWS_PER_STATEMENT, rows.size() - start);
            PreparedStatement ps = statement(insertSql(rc, n));
            int p = 1;
            for (int i = start; i < start + n; i++) {
                Object[] after = rows.get(i)[1];
                for (int c = 0; c < rc.columns().size(); c++) {
                    bind(ps, p++, rc.columns().get(c), after[c]);
                }
            }
            ps.executeUpdate();
        }
    }

    private static String insertSql(ThlEvent.RowChange rc, int rows) {
        StringBuilder sb = new StringBuilder("INSERT INTO ").append(table(rc)).append(" (");
        StringBuilder one = new StringBuilder("(");
        for (int c = 0; c < rc.columns().size(); c++) {
            sb.append(c == 0 ? "" : ",").append(quote(rc.columns().get(c).name()));
            one.append(c == 0 ? "?" : ",?");
        }
        one.append(')');
        sb.append(") VALUES ");
        for (int r = 0; r < rows; r++) {
            sb.append(r == 0 ? "" : ",").append(one);
        }
        return sb.toString();
    }

    private void updateOrDelete(ThlEvent.RowChange rc, boolean update) throws SQLException {
        List<ThlEvent.ColumnSpec> cols = rc.columns();
        List<Integer> keyCols = new ArrayList<>();
        for (int c = 0; c < cols.size(); c++) {
            if (cols.get(c).key()) {
                keyCols.add(c);
            }
        }
        boolean byKey = !keyCols.isEmpty();
        if (!byKey) {
            for (int c = 0; c < cols.size(); c++) {
                keyCols.add(c);
            }
        }
        PreparedStatement ps = statement(updateOrDeleteSql(rc, update, keyCols, byKey));
        for (Object[][] row : rc.rows()) {
            int p = 1;
            if (update) {
                for (int c = 0; c < cols.size(); c++) {
                    bind(ps, p++, cols.get(c), row[1][c]);
                }
            }
            for (int c : keyCols) {
                bind(ps, p++, cols.get(c), row[0][c]);
            }
            ps.addBatch();
        }
        int[] counts = ps.executeBatch();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                throw new RowNotFoundException((update ? "UPDATE" : "DELETE") + " on " + rc.schema() + "." + rc.table()
                        + " matched no row on this slave for " + describeKey(rc, keyCols, rc.rows().get(i)[0])
                        + ": the slave's data differs from the master's");
            }
        }
    }

    private static String describeKey(ThlEvent.RowChange rc, List<Integer> keyCols, Object[] before) {
        StringBuilder sb = new StringBuilder();
        for (int c : keyCols) {
            Object v = before[c];
            sb.append(sb.length() == 0 ? "" : ", ").append(rc.columns().get(c).name()).append('=')
                    .append(v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : v);
            if (sb.length() > 200) {
                break;
            }
        }
        return sb.toString();
    }

    private static String updateOrDeleteSql(ThlEvent.RowChange rc, boolean update, List<Integer> keyCols, boolean byKey) {
        StringBuilder sb = new StringBuilder(update ? "UPDATE " : "DELETE FROM ").append(table(rc));
        if (update) {
            sb.append(" SET ");
            for (int c = 0; c < rc.columns().size(); c++) {
                sb.append(c == 0 ? "" : ",").append(quote(rc.columns().get(c).name())).append("=?");
            }
        }
        sb.append(" WHERE ");
        boolean first = true;
        for (int c : keyCols) {
            ThlEvent.ColumnSpec col = rc.columns().get(c);
            sb.append(first ? "" : " AND ").append(quote(col.name()));
            sb.append(byKey ? "=" : "<=>").append(col.type() == FLOAT ? "CAST(? AS FLOAT)" : "?");
            first = false;
        }
        if (!byKey) {
            sb.append(" LIMIT 1");
        }
        return sb.toString();
    }

    static void bind(PreparedStatement ps, int i, ThlEvent.ColumnSpec col, Object v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.NULL);
        } else if (v instanceof Long l) {
            if (col.type() == BIT && l < 0) {
                ps.setBigDecimal(i, new BigDecimal(new BigInteger(Long.toUnsignedString(l))));
            } else {
                ps.setLong(i, l);
            }
        } else if (v instanceof BigInteger bi) {
            ps.setBigDecimal(i, new BigDecimal(bi));
        } else if (v instanceof BigDecimal bd) {
            ps.setBigDecimal(i, bd);
        } else if (v instanceof Float f) {
            ps.setFloat(i, f);
        } else if (v instanceof Double d) {
            ps.setDouble(i, d);
        } else if (v instanceof byte[] b) {
            ps.setBytes(i, b);
        } else {
            ps.setString(i, v.toString());
        }
    }

    private PreparedStatement statement(String sql) throws SQLException {
        PreparedStatement ps = cache.get(sql);
        if (ps == null) {
            ps = conn.prepareStatement(sql);
            cache.put(sql, ps);
        }
        return ps;
    }

    void execute(ThlEvent.StatementChange sc) throws SQLException {
        try (Statement s = conn.createStatement()) {
            if (!sc.schema().isEmpty()) {
                try {
                    s.execute("USE " + quote(sc.schema()));
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1049) {
                        throw e;
                    }
                    // the default schema no longer exists (e.g. DROP DATABASE run from inside it)
                }
            }
            s.execute("SET TIMESTAMP=" + sc.timestampSeconds());
            s.execute(sc.sql());
            s.execute("SET TIMESTAMP=DEFAULT");
        }
    }

    void close() {
        cache.values().forEach(RowSql::close);
        cache.clear();
    }

    private static void close(Statement s) {
        try {
            s.close();
        } catch (SQLException e) {
            // the connection is going away anyway
        }
    }
}
