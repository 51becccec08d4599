package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Sql;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What applications read through the connector is what they read from the server directly (host1,
 * the master): every result set, update count, warning and error, in order, for multi-result
 * statements, rows over 16 MB, binary data, LOCAL INFILE, every column type over the text and the
 * binary protocol, and a packet over the server's limit; with Connector/J and the {@code mariadb} client.
 */
@Sandboxed(cluster = true)
class ConnectorResultsIT {
    static SandboxFixture sb;
    static final String TEXT = "useServerPrepStmts=false";
    static final String BINARY = "useServerPrepStmts=true";

    /** A JDBC session: run once directly on host1 and once through the connector. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws Exception;
    }

    @BeforeAll
    static void schema() {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE results", "CREATE TABLE results.counter (id INT PRIMARY KEY, hits INT)",
                    "INSERT INTO results.counter VALUES (1, 0)",
                    "CREATE PROCEDURE results.two_results(n INT) BEGIN SELECT n AS n, 'first' AS label;"
                            + " SELECT seq AS k, REPEAT('ab', seq) AS s FROM (SELECT 1 AS seq UNION ALL SELECT 2"
                            + " UNION ALL SELECT 3) q WHERE seq <= n; UPDATE results.counter SET hits = hits + 1"
                            + " WHERE id = 1; END",
                    "CREATE PROCEDURE results.fails() BEGIN SELECT 'before' AS b;"
                            + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'boom', MYSQL_ERRNO = 5001; END");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static Connection connect(int port, String options) {
        return Sql.connect("jdbc:mariadb://" + sb.host(1).address() + ":" + port + "/results?" + options,
                sb.layout().appUser(), sb.layout().appPassword());
    }

    /** Runs {@code work} in a new direct session and in a new one through the connector; asserts equal results. */
    static <T> T sameBothWays(String what, String options, Work<T> work) throws Exception {
        T direct;
        try (Connection c = connect(sb.host(1).dbPort(), options)) {
            direct = work.run(c);
        }
        T proxied;
        try (Connection c = connect(SandboxLayout.CONNECTOR_PORT, options)) {
            proxied = work.run(c);
        }
        if (!proxied.equals(direct)) { // long values shortened to a digest, so that the report shows where they differ
            assertThat(Results.shortened(proxied)).as(what + " through the connector vs directly (" + options + ")")
                    .isEqualTo(Results.shortened(direct));
        }
        return direct;
    }

    /** The {@code mariadb} client's exit code and output (timings removed) for {@code sql} at {@code port} of host1. */
    static String mariadb(int port, String sql, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mariadb", "--defaults-extra-file=" + sb.sandbox().clientOptions(
                sb.layout().appUser()), "-h" + sb.host(1).address(), "-P" + port, "--skip-ssl", "-Dresults",
                "--default-character-set=utf8mb4", "--column-type-info", "-vvv"));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-e", sql));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return "exit " + p.waitFor() + "\n" + out.replaceAll("\\(\\d+\\.\\d+ sec\\)", "(? sec)");
    }

    static String sameFromTheClient(String sql, String... options) throws Exception {
        String direct = mariadb(sb.host(1).dbPort(), sql, options);
        assertThat(mariadb(SandboxLayout.CONNECTOR_PORT, sql, options))
                .as("mariadb -e through the connector vs directly").isEqualTo(direct);
        return direct;
    }

    @Test
    void multiStatementQueriesAndProceduresGiveEveryResultInOrder() throws Exception {
        String multi = "CREATE TEMPORARY TABLE m (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO m VALUES (1, 'x'),"
                + " (2, 'y'), (3, 'z'); SELECT 1; SELECT 'a', 'b'; UPDATE m SET v = 'w' WHERE id > 1; SELECT * FROM m;"
                + " CALL two_results(2); SELECT 2";
        for (String options : List.of(TEXT, BINARY)) {
            List<String> r = sameBothWays("a multi-statement query", options + "&allowMultiQueries=true",
                    c -> Results.of(c.createStatement(), multi));
            assertThat(r).contains("update count 2", "a = String a ; String a ; 0x61",
                    "b = String b ; String b ; 0x62");
            sameBothWays("CALL with two result sets and an update count", options, c -> {
                try (PreparedStatement call = c.prepareStatement("CALL two_results(?)")) {
                    call.setInt(1, 3);
                    List<String> out = Results.of(call);
                    out.addAll(Results.of(c.createStatement(), "SELECT 'still here'"));
                    return out;
                }
            });
        }
        assertThat(sameFromTheClient(multi + "; SHOW WARNINGS; SELECT * FROM m WHERE id > 1"))
                .startsWith("exit 0").contains("2 rows affected", "abab", "Type:");
    }

    @Test
    void rowsAndStatementsOver16MbArriveByteIdentical() throws Exception {
        byte[] a = randomBytes(17 * 1024 * 1024 + 13, 1);
        byte[] b = randomBytes(33 * 1024 * 1024 + 7, 2);
        try (Connection admin = sb.admin(1)) {
            String original = Sql.query(admin, "SELECT @@global.max_allowed_packet").get(0).get(0).toString();
            Sql.exec(admin, "SET GLOBAL max_allowed_packet = " + 64 * 1024 * 1024);
            try {
                for (String options : List.of(TEXT, BINARY)) {
                    List<String> r = sameBothWays("17 MB and 33 MB values", options + "&allowMultiQueries=true",
                            c -> largeValues(c, a, b));
                    String digests = Results.sha256(a) + " " + Results.sha256(b);
                    assertThat(r).startsWith("1 " + a.length + " " + b.length + " " + digests + " " + digests);
                }
            } finally {
                Sql.exec(admin, "SET GLOBAL max_allowed_packet = " + original);
            }
        }
    }

    /** Inserts a and b, reads them back (digests), then strings around and over the 16 MB packet boundary. */
    static List<String> largeValues(Connection c, byte[] a, byte[] b) throws Exception {
        List<String> out = new ArrayList<>();
        Statement s = c.createStatement();
        s.execute("CREATE TEMPORARY TABLE big (id INT PRIMARY KEY, a LONGBLOB, b LONGBLOB)");
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO big VALUES (?, ?, ?)")) {
            ins.setInt(1, 1);
            ins.setBytes(2, a);
            ins.setBytes(3, b);
            ins.executeUpdate();
        }
        try (PreparedStatement q = c.prepareStatement("SELECT id, LENGTH(a), LENGTH(b), SHA2(a, 256), SHA2(b, 256),"
                + " a, b FROM big WHERE id = ?")) {
            q.setInt(1, 1);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                out.add(rs.getInt(1) + " " + rs.getLong(2) + " " + rs.getLong(3) + " " + rs.getString(4) + " "
                        + rs.getString(5) + " " + Results.sha256(rs.getBytes(6)) + " "
                        + Results.sha256(rs.getBytes(7)));
            }
        }
        // text rows of exactly 0xFFFFFF bytes (then an empty packet), binary ones, and 17,000,000 (lenenc 0xFE)
        for (int n : new int[] {16777211, 16777209, 17000000}) {
            try (PreparedStatement q = c.prepareStatement("SELECT REPEAT('x', ?) AS r, 'after' AS z")) {
                q.setInt(1, n);
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    String v = rs.getString(1);
                    out.add(n + ": " + v.length() + " " + v.chars().allMatch(ch -> ch == 'x') + " " + rs.getString(2));
                }
            }
        }
        // a row over 16 MB in a multi-result response, the next result after it
        if (s.execute("SELECT REPEAT('y', 17000000); SELECT 2")) {
            try (ResultSet rs = s.getResultSet()) {
                rs.next();
                out.add("multi: " + rs.getString(1).length() + " then " + s.getMoreResults());
            }
            out.add(s.getResultSet().next() ? s.getResultSet().getString(1) : "no row");
        }
        // a query of exactly 0xFFFFFF bytes (an empty packet follows) and one over 16 MB
        String exact = "SELECT LENGTH('" + "q".repeat(0xFFFFFF - 1 - "SELECT LENGTH('')".length()) + "')";
        out.addAll(Results.of(s, exact));
        out.addAll(Results.of(s, "SELECT LENGTH('" + "q".repeat(20_000_000) + "')"));
        return out;
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void allByteValuesRoundTripInVarbinaryAndBlob() throws Exception {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        for (String options : List.of(TEXT, BINARY)) {
            List<String> r = sameBothWays("all 256 byte values", options, c -> {
                c.createStatement().execute("CREATE TEMPORARY TABLE bin (id INT PRIMARY KEY, v VARBINARY(300),"
                        + " b BLOB)");
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO bin VALUES (?, ?, ?)")) {
                    ins.setInt(1, 1);
                    ins.setBytes(2, all);
                    ins.setBytes(3, all);
                    ins.executeUpdate();
                }
                try (PreparedStatement q = c.prepareStatement("SELECT v, b, v = ? FROM bin WHERE id = ?")) {
                    q.setBytes(1, all);
                    q.setInt(2, 1);
                    List<String> out = Results.of(q);
                    out.addAll(Results.of(c.createStatement(), "SELECT HEX(v), HEX(b), X'"
                            + HexFormat.of().formatHex(all) + "' FROM bin"));
                    return out;
                }
            });
            assertThat(String.join("\n", r)).contains("0x" + HexFormat.of().formatHex(all));
        }
    }

    @Test
    void warningsAreTheServersInTheSameOrder() throws Exception {
        for (String options : List.of(TEXT, BINARY)) {
            List<String> r = sameBothWays("warnings", options, c -> {
                Statement s = c.createStatement();
                List<String> out = new ArrayList<>(Results.of(s, "SET sql_mode = ''"));
                out.addAll(Results.of(s, "CREATE TEMPORARY TABLE w (c VARCHAR(3), n TINYINT)"));
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO w VALUES (?, ?), ('x', 'y')")) {
                    ins.setString(1, "abcdef");
                    ins.setInt(2, 300);
                    out.addAll(Results.of(ins));
                }
                for (String sql : List.of("SHOW WARNINGS", "SELECT CAST('abc' AS INT), 1/0, CAST('2024-13-45' AS DATE)",
                        "SHOW WARNINGS", "SHOW COUNT(*) WARNINGS", "SELECT * FROM w")) {
                    out.addAll(Results.of(c.createStatement(), sql));
                }
                return out;
            });
            assertThat(String.join("\n", r)).contains("warning 1265", "warning 1264", "warning 1366", "warning 1292");
        }
    }

    @Test
    void errorsAreTheServersAndTheSessionGoesOn() throws Exception {
        List<String> failing = List.of("SELECT nope FROM counter", "INSERT INTO e VALUES (1)", "SELEC 1",
                "INSERT INTO e VALUES (1/0)", "SELECT * FROM no_such_table", "CALL fails()",
                "SELECT 1; SELECT nope; SELECT 2");
        for (String options : List.of(TEXT, BINARY)) {
            List<String> r = sameBothWays("errors", options + "&allowMultiQueries=true", c -> {
                Statement s = c.createStatement();
                s.execute("SET sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO'");
                s.execute("CREATE TEMPORARY TABLE e (id INT PRIMARY KEY)");
                s.execute("INSERT INTO e VALUES (1)");
                List<String> out = new ArrayList<>();
                for (String sql : failing) {
                    out.add(sql);
                    out.addAll(sql.contains(";") ? Results.of(c.createStatement(), sql) : prepared(c, sql));
                    out.addAll(Results.of(c.createStatement(), "SELECT 'goes on', COUNT(*) FROM e"));
                }
                return out;
            });
            assertThat(String.join("\n", r)).contains("error 1054 42S22", "error 1062 23000", "error 1064 42000",
                    "error 1365 22012", "error 1146 42S02", "error 5001 45000 SQLTransientConnectionException boom");
        }
    }

    static List<String> prepared(Connection c, String sql) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return Results.of(ps);
        } catch (SQLException e) {
            return List.of(Results.error(e)); // the server refused to prepare it
        }
    }

    @Test
    void localInfileLoadsTheSameRowsWithConnectorJAndTheClient() throws Exception {
        Path file = Files.createTempFile("infile", ".tsv");
        StringBuilder data = new StringBuilder();
        for (int i = 1; i <= 3000; i++) {
            String t = i % 7 == 0 ? "\\N" : i % 5 == 0 ? "tab\\there new\\nline back\\\\slash" : i % 11 == 0 ? ""
                    : "zwölf € 😀 ñ " + i;
            data.append(i).append('\t').append(t).append('\t').append(i % 13 == 0 ? "\\N" : i * 1.5).append('\n');
        }
        Files.writeString(file, data);
        String create = "CREATE TEMPORARY TABLE l (id INT PRIMARY KEY, t VARCHAR(100), n DECIMAL(10,2))"
                + " CHARACTER SET utf8mb4";
        String load = "LOAD DATA LOCAL INFILE '" + file + "' INTO TABLE l CHARACTER SET utf8mb4";
        String missing = "LOAD DATA LOCAL INFILE '" + file + ".missing' INTO TABLE l";
        try {
            List<String> r = sameBothWays("LOAD DATA LOCAL INFILE", "allowLocalInfile=true", c -> {
                List<String> out = new ArrayList<>();
                for (String sql : List.of(create, load, "SELECT * FROM l ORDER BY id", missing,
                        "SELECT COUNT(*), SUM(t IS NULL), SUM(n IS NULL) FROM l")) {
                    out.addAll(Results.of(c.createStatement(), sql));
                }
                return out;
            });
            assertThat(r).contains("update count 3000");
            assertThat(String.join("\n", r)).contains("tab\there new\nline back\\slash").contains("error ");
            assertThat(sameFromTheClient(create + "; " + load + "; SELECT * FROM l ORDER BY id; SHOW WARNINGS",
                    "--local-infile=1")).startsWith("exit 0").contains("3000 rows affected", "zwölf € 😀 ñ 2999");
            assertThat(sameFromTheClient(create + "; " + missing + "; SELECT 'not reached'", "--local-infile=1"))
                    .startsWith("exit 1").contains(".missing").doesNotContain("not reached\n");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void everyColumnTypeReadsTheSameOverTheTextAndTheBinaryProtocol() throws Exception {
        boolean inet6;
        boolean uuid;
        try (Connection c = sb.app(1)) {
            String version = Sql.query(c, "SELECT VERSION()").get(0).get(0).toString();
            int[] v = java.util.Arrays.stream(version.split("-")[0].split("\\.")).mapToInt(Integer::parseInt).toArray();
            inet6 = v[0] > 10 || v[0] == 10 && v[1] >= 5;
            uuid = v[0] > 10 || v[0] == 10 && v[1] >= 7;
        }
        List<EveryType.Col> cols = EveryType.columns(inet6, uuid);
        StringBuilder ddl = new StringBuilder("CREATE TEMPORARY TABLE alltypes (id INT NOT NULL PRIMARY KEY");
        StringBuilder insert = new StringBuilder("INSERT INTO alltypes VALUES (?");
        for (EveryType.Col col : cols) {
            ddl.append(", ").append(col.name()).append(' ').append(col.type());
            insert.append(col.type().matches("GEOMETRY|POINT") ? ", ST_GeomFromText(?)" : ", ?");
        }
        ddl.append(") CHARACTER SET utf8mb4");
        insert.append(')');
        List<List<String>> byProtocol = new ArrayList<>();
        for (String options : List.of(TEXT, BINARY)) {
            byProtocol.add(sameBothWays("every column type", options, c -> {
                c.createStatement().execute(ddl.toString());
                try (PreparedStatement ins = c.prepareStatement(insert.toString())) {
                    for (int row = 0; row <= 3; row++) { // three rows of values, then one of NULLs
                        ins.setInt(1, row + 1);
                        for (int k = 0; k < cols.size(); k++) {
                            EveryType.Col col = cols.get(k);
                            EveryType.bind(ins, k + 2, col.sqlType(), row < 3 ? col.values()[row] : null);
                        }
                        ins.executeUpdate();
                    }
                }
                try (PreparedStatement q = c.prepareStatement(
                        "SELECT * FROM alltypes WHERE id BETWEEN ? AND ? ORDER BY id")) {
                    q.setInt(1, 1);
                    q.setLong(2, 4);
                    return Results.of(q);
                }
            }));
        }
        assertThat(byProtocol.get(0)).hasSize((1 + cols.size()) * 5 + 4);
        for (int k = 0; k < byProtocol.get(0).size(); k++) { // for the record: what Connector/J reads differently
            if (!byProtocol.get(0).get(k).equals(byProtocol.get(1).get(k))) {
                System.out.println("text vs binary protocol:\n  " + Results.shortened(byProtocol.get(0).get(k)) + "\n  "
                        + Results.shortened(byProtocol.get(1).get(k)));
            }
        }
    }

    @Test
    void aPacketOverTheServersLimitGetsTheServersErrorAndOtherSessionsGoOn() throws Exception {
        try (Connection admin = sb.admin(1); Connection before = connect(SandboxLayout.CONNECTOR_PORT, "")) {
            String original = Sql.query(admin, "SELECT @@global.max_allowed_packet").get(0).get(0).toString();
            Sql.exec(admin, "SET GLOBAL max_allowed_packet = " + 1024 * 1024);
            try {
                for (int size : new int[] {1024 * 1024 + 100, 2 * 1024 * 1024, 20 * 1024 * 1024}) {
                    String sql = "SELECT LENGTH('" + "o".repeat(size) + "')";
                    Work<List<String>> oversized = c -> {
                        List<String> out = Results.of(c.createStatement(), sql);
                        out.add("valid afterwards: " + c.isValid(2));
                        return out;
                    };
                    List<String> server = List.of("error 1153 08S01 SQLNonTransientConnectionException Got a packet"
                            + " bigger than 'max_allowed_packet' bytes", "valid afterwards: false");
                    // The server answers ERR 1153 and closes with the rest of the packet unread, which resets the
                    // connection: a client still writing sees only the reset (Connector/J's "Socket error"). Through
                    // the connector the same race happens twice: its backend write may be reset first (then it
                    // answers 2013, as libmariadb's CR_SERVER_LOST), and it closes the client, which may still be
                    // writing the rest of a packet over 16 MB. A session whose whole request was sent outlives its
                    // backend: it reconnects, so the connection is valid afterwards.
                    List<String> reset = List.of("error -1 08000 SQLNonTransientConnectionException Socket error",
                            "valid afterwards: false");
                    try (Connection c = connect(SandboxLayout.CONNECTOR_PORT, "maxAllowedPacket=67108864")) {
                        List<String> got = oversized.run(c);
                        System.out.println(size + " bytes through the connector: " + got);
                        assertThat(got).as(size + " bytes through the connector").isIn(server, reset, List.of(
                                "error 2013 08S01 SQLNonTransientConnectionException Lost connection to host1 during"
                                        + " the statement; its outcome is unknown", "valid afterwards: false"), List.of(
                                server.get(0), "valid afterwards: true"), List.of("error 2013 08S01"
                                        + " SQLNonTransientConnectionException Lost connection to host1 during the"
                                        + " statement; its outcome is unknown. The session stays open and goes on with"
                                        + " the master once it is back or replaced.", "valid afterwards: true"));
                    }
                    try (Connection c = connect(sb.host(1).dbPort(), "maxAllowedPacket=67108864")) {
                        List<String> got = oversized.run(c);
                        System.out.println(size + " bytes directly: " + got);
                        assertThat(got).as(size + " bytes directly").isIn(server, reset);
                    }
                }
                assertThat(Results.of(before.createStatement(), "SELECT 'before'"))
                        .contains("before = String before ; String before ; 0x6265666f7265");
                try (Connection after = connect(SandboxLayout.CONNECTOR_PORT, "")) {
                    assertThat(Results.of(after.createStatement(), "SELECT 'after'"))
                            .contains("after = String after ; String after ; 0x6166746572");
                }
            } finally {
                Sql.exec(admin, "SET GLOBAL max_allowed_packet = " + original);
            }
        }
    }
}
