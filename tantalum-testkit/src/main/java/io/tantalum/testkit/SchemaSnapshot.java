package io.tantalum.testkit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Everything a test can create in a MariaDB server, as canonical text, so that two servers can be
 * compared object by object: {@code object key -> canonical text}, sorted by key.
 *
 * <p>Covered, over every schema except {@code mysql}, {@code information_schema},
 * {@code performance_schema}, {@code sys}, {@code mtr} (mysql-test-run's own) and
 * {@code tantalum_*}:
 * <ul>
 *   <li>{@code schema s}: default character set, collation and comment;</li>
 *   <li>{@code table s.t}: {@code SHOW CREATE TABLE} without {@code AUTO_INCREMENT=n};</li>
 *   <li>{@code rows s.t}: every row, invisible columns included, and for system-versioned tables
 *       the history rows too ({@code FOR SYSTEM_TIME ALL}, with the implicit
 *       {@code row_start}/{@code row_end}); each value rendered exactly (strings, binaries,
 *       JSON and geometry as hex, {@code FLOAT} through {@code DOUBLE}), rows sorted as a
 *       multiset; above {@value #MAX_LISTED_ROWS} rows, their count and a SHA-256 instead;</li>
 *   <li>{@code view s.v}: definition, check option, definer, security type, algorithm, client
 *       character set and connection collation;</li>
 *   <li>{@code routine s.TYPE name}: body, parameters, SQL mode, character sets and the other
 *       {@code information_schema.ROUTINES} fields (packages included);</li>
 *   <li>{@code trigger s.name}, {@code event s.name}: the {@code information_schema} definitions
 *       and character set fields; an event's {@code SLAVESIDE_DISABLED} reads as
 *       {@code ENABLED}, since MariaDB's own replication disables replicated events on purpose,
 *       and its {@code ORIGINATOR} and times of creation and execution are left out;</li>
 *   <li>{@code account 'u'@'h'} (and {@code role r}) that the caller did not list as known:
 *       {@code SHOW CREATE USER} and the sorted {@code SHOW GRANTS}; {@code server name} for each
 *       {@code CREATE SERVER}.</li>
 * </ul>
 * Times are read in time zone {@code +00:00}. An object that cannot be read is recorded with the
 * error, so that a broken object on one side shows as a difference rather than a test crash.
 */
public final class SchemaSnapshot {
    /** Schemas that belong to the server or to mysql-test-run ({@code mtr}), never to a test. */
    public static final Set<String> SYSTEM_SCHEMAS = Set.of("mysql", "information_schema", "performance_schema",
            "sys", "mtr");
    /** Above this many rows a table's data is summarised as its row count and a digest. */
    public static final int MAX_LISTED_ROWS = 20_000;

    private static final Set<String> HEX_TYPES = Set.of("char", "varchar", "tinytext", "text", "mediumtext",
            "longtext", "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "enum", "set", "json",
            "bit", "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
            "geometrycollection");

    private SchemaSnapshot() {}

    /** The user schemas of the server: all but the system ones and Tantalum's catalogs. */
    public static List<String> userSchemas(Connection c) {
        return Sql.query(c, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME").stream()
                .map(r -> String.valueOf(r.get(0))).filter(SchemaSnapshot::isUserSchema).toList();
    }

    public static boolean isUserSchema(String schema) {
        return !SYSTEM_SCHEMAS.contains(schema.toLowerCase()) && !schema.startsWith("tantalum_");
    }

    /** Every account and role as {@code 'user'@'host'} (a role's host is empty). */
    public static Set<String> accounts(Connection c) {
        return Sql.query(c, "SELECT User, Host FROM mysql.user").stream()
                .map(r -> quote(String.valueOf(r.get(0))) + "@" + quote(String.valueOf(r.get(1))))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The snapshot of the server's user schemas and of the accounts not in {@code knownAccounts}. */
    public static SortedMap<String, String> take(Connection c, Set<String> knownAccounts) {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION time_zone = '+00:00', sql_mode = '', max_statement_time = 0");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare the snapshot session: " + e.getMessage(), e);
        }
        SortedMap<String, String> out = new TreeMap<>();
        List<String> schemas = userSchemas(c);
        if (!schemas.isEmpty()) {
            String in = schemas.stream().map(SchemaSnapshot::quote).collect(Collectors.joining(", ", "(", ")"));
            schemata(c, in, out);
            tables(c, in, out);
            views(c, in, out);
            routines(c, in, out);
            triggers(c, in, out);
            events(c, in, out);
        }
        accounts(c, knownAccounts, out);
        servers(c, out);
        return out;
    }

    private static void schemata(Connection c, String in, Map<String, String> out) {
        for (List<Object> r : Sql.query(c, "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME,"
                + " SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN " + in)) {
            out.put("schema " + r.get(0), "CHARACTER SET " + r.get(1) + " COLLATE " + r.get(2) + " COMMENT '"
                    + r.get(3) + "'");
        }
    }

    private static void tables(Connection c, String in, Map<String, String> out) {
        Map<String, List<Column>> columns = columns(c, in);
        for (List<Object> r : Sql.query(c, "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM"
                + " information_schema.TABLES WHERE TABLE_SCHEMA IN " + in + " AND TABLE_TYPE <> 'VIEW'")) {
            String name = ident(r.get(0)) + "." + ident(r.get(1));
            out.put("table " + name, showCreateTable(c, name));
            List<Column> cols = new ArrayList<>(columns.getOrDefault(name, List.of()));
            boolean versioned = "SYSTEM VERSIONED".equals(r.get(2));
            if (versioned && cols.stream().noneMatch(Column::isRowStart)) {
                cols.add(new Column("row_start", "timestamp", ""));
                cols.add(new Column("row_end", "timestamp", ""));
            }
            out.put("rows " + name, rows(c, name + (versioned ? " FOR SYSTEM_TIME ALL" : ""), cols));
        }
    }

    /** A column as information_schema.COLUMNS describes it. */
    private record Column(String name, String type, String generation) {
        boolean isRowStart() {
            return "ROW START".equalsIgnoreCase(generation);
        }

        String expression() {
            String col = ident(name);
            if (HEX_TYPES.contains(type)) {
                return "HEX(" + col + ")";
            }
            return type.equals("float") ? "CAST(" + col + " + 0e0 AS CHAR)" : "CAST(" + col + " AS CHAR)";
        }
    }

    private static Map<String, List<Column>> columns(Connection c, String in) {
        Map<String, List<Column>> out = new LinkedHashMap<>();
        for (List<Object> r : Sql.query(c, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE,"
                + " IFNULL(GENERATION_EXPRESSION, '') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN " + in
                + " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION")) {
            out.computeIfAbsent(ident(r.get(0)) + "." + ident(r.get(1)), k -> new ArrayList<>())
                    .add(new Column(String.valueOf(r.get(2)), String.valueOf(r.get(3)).toLowerCase(),
                            String.valueOf(r.get(4))));
        }
        return out;
    }

    private static String showCreateTable(Connection c, String name) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW CREATE TABLE " + name)) {
            rs.next();
            return rs.getString(2).replaceAll(" AUTO_INCREMENT=\\d+", "");
        } catch (SQLException e) {
            return "ERROR " + e.getErrorCode() + ": " + e.getMessage();
        }
    }

    private static String rows(Connection c, String from, List<Column> cols) {
        if (cols.isEmpty()) {
            return "no columns";
        }
        String header = "columns: " + cols.stream().map(Column::name).collect(Collectors.joining(", "));
        String sql = "SELECT " + cols.stream().map(Column::expression).collect(Collectors.joining(", ")) + " FROM "
                + from;
        List<String> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                StringBuilder row = new StringBuilder();
                for (int i = 1; i <= cols.size(); i++) {
                    String v = rs.getString(i);
                    row.append(i > 1 ? "|" : "").append(v == null ? "NULL" : v);
                }
                rows.add(row.toString());
            }
        } catch (SQLException e) {
            return header + "\nERROR " + e.getErrorCode() + ": " + e.getMessage();
        }
        rows.sort(null);
        if (rows.size() > MAX_LISTED_ROWS) {
            return header + "\n" + rows.size() + " rows, sha-256 " + digest(rows);
        }
        return header + "\n" + rows.size() + " rows" + (rows.isEmpty() ? "" : "\n" + String.join("\n", rows));
    }

    /** The SHA-256 of the lines, each ended by a newline, in hex. */
    static String digest(List<String> rows) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String r : rows) {
                md.update(r.getBytes(StandardCharsets.UTF_8));
                md.update((byte) '\n');
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void views(Connection c, String in, Map<String, String> out) {
        describe(c, "view", "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, IS_UPDATABLE, DEFINER,"
                + " SECURITY_TYPE, ALGORITHM, CHARACTER_SET_CLIENT, COLLATION_CONNECTION FROM information_schema.VIEWS"
                + " WHERE TABLE_SCHEMA IN " + in, out);
    }

    private static void routines(Connection c, String in, Map<String, String> out) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (List<Object> r : Sql.query(c, "SELECT SPECIFIC_SCHEMA, ROUTINE_TYPE, SPECIFIC_NAME, ORDINAL_POSITION,"
                + " PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER FROM information_schema.PARAMETERS"
                + " WHERE SPECIFIC_SCHEMA IN " + in + " ORDER BY 1, 2, 3, 4")) {
            params.computeIfAbsent(ident(r.get(0)) + "." + r.get(1) + " " + r.get(2),
                    k -> new ArrayList<>()).add("PARAMETER " + r.get(3) + ": " + r.get(4) + " " + r.get(5) + " "
                            + r.get(6));
        }
        Map<String, String> found = new TreeMap<>();
        describe(c, "routine", "SELECT ROUTINE_SCHEMA, CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME), DATA_TYPE,"
                + " DTD_IDENTIFIER, ROUTINE_BODY, ROUTINE_DEFINITION, PARAMETER_STYLE, IS_DETERMINISTIC,"
                + " SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT, DEFINER, CHARACTER_SET_CLIENT,"
                + " COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN "
                + in, found);
        for (Map.Entry<String, String> e : found.entrySet()) {
            List<String> p = params.getOrDefault(e.getKey().substring("routine ".length()), List.of());
            out.put(e.getKey(), e.getValue() + (p.isEmpty() ? "" : "\n" + String.join("\n", p)));
        }
    }

    private static void triggers(Connection c, String in, Map<String, String> out) {
        describe(c, "trigger", "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_SCHEMA,"
                + " EVENT_OBJECT_TABLE, ACTION_ORDER, ACTION_CONDITION, ACTION_STATEMENT, ACTION_ORIENTATION,"
                + " ACTION_TIMING, SQL_MODE, DEFINER, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION"
                + " FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN " + in, out);
    }

    private static void events(Connection c, String in, Map<String, String> out) {
        describe(c, "event", "SELECT EVENT_SCHEMA, EVENT_NAME, DEFINER, TIME_ZONE, EVENT_BODY, EVENT_DEFINITION,"
                + " EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, SQL_MODE, STARTS, ENDS,"
                + " IF(STATUS = 'SLAVESIDE_DISABLED', 'ENABLED', STATUS) AS STATUS, ON_COMPLETION, EVENT_COMMENT,"
                + " CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION FROM information_schema.EVENTS"
                + " WHERE EVENT_SCHEMA IN " + in, out);
    }

    /**
     * One entry per row of {@code sql}: key {@code kind schema.name} from its first two columns,
     * text {@code COLUMN: value} for the others, one per line.
     */
    private static void describe(Connection c, String kind, String sql, Map<String, String> out) {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder text = new StringBuilder();
                for (int i = 3; i <= n; i++) {
                    text.append(i > 3 ? "\n" : "").append(rs.getMetaData().getColumnLabel(i)).append(": ")
                            .append(rs.getString(i));
                }
                out.put(kind + " " + ident(rs.getString(1)) + "." + rs.getString(2), text.toString());
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static void accounts(Connection c, Set<String> known, Map<String, String> out) {
        for (List<Object> r : Sql.query(c, "SELECT User, Host, is_role FROM mysql.user")) {
            String account = quote(String.valueOf(r.get(0))) + "@" + quote(String.valueOf(r.get(1)));
            if (known.contains(account)) {
                continue;
            }
            boolean role = "Y".equals(r.get(2));
            List<String> text = new ArrayList<>();
            if (!role) {
                text.addAll(lines(c, "SHOW CREATE USER " + account));
            }
            text.addAll(new TreeSet<>(lines(c, "SHOW GRANTS FOR " + (role ? quote(String.valueOf(r.get(0)))
                    : account))));
            out.put(role ? "role " + quote(String.valueOf(r.get(0))) : "account " + account,
                    String.join("\n", text));
        }
    }

    private static void servers(Connection c, Map<String, String> out) {
        describe(c, "server", "SELECT 'mysql', Server_name, Host, Db, Username, Port, Socket, Wrapper, Owner"
                + " FROM mysql.servers", out);
    }

    private static List<String> lines(Connection c, String sql) {
        try {
            return Sql.query(c, sql).stream().map(r -> String.valueOf(r.get(0))).toList();
        } catch (IllegalStateException e) {
            return List.of("ERROR: " + e.getMessage());
        }
    }

    /** {@code value} as a SQL string literal. */
    public static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** {@code identifier} quoted with backticks. */
    public static String ident(Object identifier) {
        return "`" + String.valueOf(identifier).replace("`", "``") + "`";
    }

    /** The keys whose text differs between the two snapshots, or that only one of them has. */
    public static SortedMap<String, String> differences(Map<String, String> a, Map<String, String> b) {
        SortedMap<String, String> out = new TreeMap<>();
        TreeSet<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            String x = a.get(k);
            String y = b.get(k);
            if (x == null || y == null || !x.equals(y)) {
                out.put(k, x == null ? "missing on the first" : y == null ? "missing on the second" : "differs");
            }
        }
        return out;
    }

    /**
     * What differs between {@code a} (on host {@code nameA}) and {@code b}, readable: a line per
     * object missing on one side, and for an object on both, up to {@code linesPerObject} of its
     * text lines that only one side has (a row, a column definition).
     */
    public static List<String> diff(Map<String, String> a, Map<String, String> b, String nameA, String nameB,
            int linesPerObject) {
        List<String> out = new ArrayList<>();
        for (String k : differences(a, b).keySet()) {
            if (!b.containsKey(k)) {
                out.add(k + ": only on " + nameA);
            } else if (!a.containsKey(k)) {
                out.add(k + ": only on " + nameB);
            } else {
                out.add(k + ": differs");
                out.addAll(lineDiff(a.get(k), b.get(k), nameA, nameB, linesPerObject));
            }
        }
        return out;
    }

    private static List<String> lineDiff(String a, String b, String nameA, String nameB, int max) {
        List<String> onlyA = minus(a, b);
        List<String> onlyB = minus(b, a);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.max(onlyA.size(), onlyB.size()) && out.size() < max; i++) {
            if (i < onlyA.size()) {
                out.add("    " + nameA + ": " + shorten(onlyA.get(i)));
            }
            if (i < onlyB.size() && out.size() < max) {
                out.add("    " + nameB + ": " + shorten(onlyB.get(i)));
            }
        }
        int more = onlyA.size() + onlyB.size() - out.size();
        if (more > 0) {
            out.add("    ... and " + more + " more differing lines");
        }
        return out;
    }

    /** The lines of {@code a} that {@code b} lacks, as multisets, in {@code a}'s order. */
    private static List<String> minus(String a, String b) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String line : b.split("\n", -1)) {
            counts.merge(line, 1, Integer::sum);
        }
        List<String> out = new ArrayList<>();
        for (String line : a.split("\n", -1)) {
            Integer n = counts.get(line);
            if (n == null || n == 0) {
                out.add(line);
            } else {
                counts.put(line, n - 1);
            }
        }
        return out;
    }

    private static String shorten(String line) {
        return line.length() <= 160 ? line : line.substring(0, 157) + "...";
    }
}
