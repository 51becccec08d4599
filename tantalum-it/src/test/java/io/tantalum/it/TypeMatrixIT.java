package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.testkit.Sql;
import java.sql.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every MariaDB column type, tables with and without a primary key, multi-statement and
 * multi-table transactions, a 200,000-row transaction and DDL replicate bit-exactly: per-table
 * checksums are equal on every host. host2 applies on one connection, host3 with 4 apply channels
 * (parallel apply, issue 15).
 */
@Sandboxed(hosts = 3)
class TypeMatrixIT {
    static SandboxFixture sb;

    @BeforeAll
    static void host3AppliesWithFourChannels() throws Exception {
        Path conf = sb.sandbox().replicatorConfig(sb.host(3));
        Files.writeString(conf, Files.readString(conf) + "replicator.apply.channels=4\n");
        sb.sandbox().stopReplicator(sb.host(3));
        sb.sandbox().startReplicator(sb.host(3));
        sb.sandbox().awaitOnline(60_000);
        assertThat(sb.trepctl("-host", "host3", "status", "-name", "tasks").ok().stdout()).contains("channels")
                .contains(": 4");
    }

    @Test
    void everyColumnTypeRoundTripsExactly() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE types",
                    "CREATE TABLE types.ints (id INT PRIMARY KEY, t TINYINT, tu TINYINT UNSIGNED, s SMALLINT,"
                            + " su SMALLINT UNSIGNED, m MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED,"
                            + " b BIGINT, bu BIGINT UNSIGNED, y YEAR, after_year TINYINT UNSIGNED)",
                    "INSERT INTO types.ints VALUES"
                            + " (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,"
                            + "  -9223372036854775808, 18446744073709551615, 2155, 200),"
                            + " (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0, 1901, 0),"
                            + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
                    "CREATE TABLE types.nums (id INT PRIMARY KEY, d DECIMAL(65,30), du DECIMAL(10,2) UNSIGNED,"
                            + " f FLOAT, fu FLOAT UNSIGNED, g DOUBLE, bits BIT(1), bits64 BIT(64), bits13 BIT(13))",
                    "INSERT INTO types.nums VALUES (1, -12345678901234567890123456789012345.123456789012345678901234567890,"
                            + " 99999999.99, 1.1, 3.4e38, -2.2250738585072014e-308, b'1', b'1111111111111111111111111111111111111111111111111111111111111111', b'1010101010101'),"
                            + " (2, 0.000000000000000000000000000001, 0, -0.0, 1e-45, 1.7976931348623157e308, b'0', 0, 0)",
                    "CREATE TABLE types.times (id INT PRIMARY KEY, d DATE, t TIME, t3 TIME(3), t6 TIME(6),"
                            + " dt DATETIME, dt6 DATETIME(6), ts TIMESTAMP NULL, ts6 TIMESTAMP(6) NULL, y YEAR)",
                    "INSERT INTO types.times VALUES (1, '1000-01-01', '-838:59:59', '838:59:58.999', '-00:00:00.000001',"
                            + " '1000-01-01 00:00:00', '9999-12-31 23:59:59.999999', '1970-01-01 00:00:01',"
                            + " '2038-01-19 03:14:07.999999', 1901),"
                            + " (2, '2024-02-29', '00:00:00', '-12:34:56.789', '23:59:59.999999', '2024-02-29 12:00:00',"
                            + " '2000-01-01 00:00:00.000001', '2024-06-30 23:59:59', '2024-06-30 12:00:00.5', 2024),"
                            + " (3, '0000-00-00', NULL, NULL, NULL, '0000-00-00 00:00:00', NULL, NULL, NULL, 0)",
                    "CREATE TABLE types.strs (id INT PRIMARY KEY, c CHAR(10), v VARCHAR(300), tx TEXT, lt LONGTEXT,"
                            + " l1 VARCHAR(20) CHARACTER SET latin1, lc CHAR(5) CHARACTER SET latin1, bn BINARY(4),"
                            + " vb VARBINARY(20), bl BLOB, lb LONGBLOB, e ENUM('x','y','z'), st SET('a','b','c','d'),"
                            + " j JSON) DEFAULT CHARSET=utf8mb4",
                    "INSERT INTO types.strs VALUES (1, 'abc', 'héllo wörld 😀🎉 日本語', REPEAT('ü😀', 5000),"
                            + " REPEAT('long', 100000), 'café naïve', 'ÿ', x'00ff0a00', x'deadbeef00', x'000102ff',"
                            + " REPEAT(x'ff00', 40000), 'z', 'a,d', '{\"k\": [1, 2.5, \"😀\", null]}'),"
                            + " (2, '', '', '', '', '', '', x'00000000', '', '', '', 'x', '', '[]'),"
                            + " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
            // updates and deletes by key on every type
            Sql.exec(c, "UPDATE types.ints SET tu = 254, bu = 18446744073709551614 WHERE id = 1",
                    "UPDATE types.nums SET f = 2.5, bits64 = b'1' WHERE id = 2",
                    "UPDATE types.times SET ts6 = '2001-02-03 04:05:06.7' WHERE id = 2",
                    "UPDATE types.strs SET v = 'changed 😀', st = 'b,c' WHERE id = 1",
                    "DELETE FROM types.strs WHERE id = 2");
            // tables without a primary key, with duplicate rows and floats in the images
            Sql.exec(c, "CREATE TABLE types.nokey (a FLOAT, b VARCHAR(10), c DOUBLE, d DATETIME(3), e BIT(3))",
                    "INSERT INTO types.nokey VALUES (1.1, 'dup', 2.2, '2020-01-01 00:00:00.123', b'101'),"
                            + " (1.1, 'dup', 2.2, '2020-01-01 00:00:00.123', b'101'), (3.3, NULL, NULL, NULL, NULL)",
                    "UPDATE types.nokey SET b = 'one' WHERE b = 'dup' LIMIT 1",
                    "DELETE FROM types.nokey WHERE a > 3");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        Map<String, String> sums = sb.assertSameData("types");
        assertThat(sums).containsKeys("types.ints", "types.nums", "types.times", "types.strs", "types.nokey");
    }

    @Test
    void transactionsAndDdlKeepTheirOrder() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE ddl", "CREATE TABLE ddl.a (id INT PRIMARY KEY, v INT)",
                    "CREATE TABLE ddl.b (id INT PRIMARY KEY, v INT)");
            Sql.transaction(c, "INSERT INTO ddl.a VALUES (1, 1), (2, 2)", "INSERT INTO ddl.b VALUES (1, 10)",
                    "UPDATE ddl.a SET v = v + 100", "DELETE FROM ddl.b WHERE id = 1", "INSERT INTO ddl.b VALUES (2, 20)");
            Sql.exec(c, "ALTER TABLE ddl.a ADD COLUMN w VARCHAR(10) DEFAULT 'new'",
                    "INSERT INTO ddl.a VALUES (3, 3, 'three')",
                    "RENAME TABLE ddl.b TO ddl.b2",
                    "INSERT INTO ddl.b2 VALUES (3, 30)",
                    "CREATE TABLE ddl.intl (id INT PRIMARY KEY, v VARCHAR(10) DEFAULT 'é😀ü')"
                            + " DEFAULT CHARSET=utf8mb4 COMMENT 'zürich 😀'",
                    "INSERT INTO ddl.intl (id) VALUES (1)",
                    "CREATE TABLE ddl.gone (id INT PRIMARY KEY)", "INSERT INTO ddl.gone VALUES (1)",
                    "DROP TABLE ddl.gone",
                    "CREATE DATABASE tmpdb", "CREATE TABLE tmpdb.t (id INT)", "DROP DATABASE tmpdb");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        Map<String, String> sums = sb.assertSameData("ddl");
        assertThat(sums).containsOnlyKeys("ddl.a", "ddl.b2", "ddl.intl");
        try (Connection c = sb.admin(3)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name='tmpdb'"))
                    .isZero();
            assertThat(Sql.query(c, "SELECT w FROM ddl.a WHERE id = 3").get(0).get(0)).isEqualTo("three");
        }
    }

    @Test
    void aTransactionOf200000RowsIsFragmentedAndAppliedWhole() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE big", "CREATE TABLE big.t (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT)");
            Sql.exec(c, "USE big", "INSERT INTO big.t SELECT seq, CONCAT('row-', seq), seq * 3 FROM seq_1_to_200000");
            Sql.exec(c, "UPDATE big.t SET n = n + 1 WHERE id % 2 = 0");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(180));
        Map<String, String> sums = sb.assertSameData("big");
        assertThat(sums.get("big.t")).endsWith("/200000");
        SandboxFixture.CliResult index = sb.thl("-host", "host2", "list", "-headers", "-json");
        assertThat(index.exitCode()).isZero();
        // the INSERT's 200,000 rows are stored as many fragments of one seqno: at least 1,000 rows each
        // (fragment-rows), cut between the master's rows events, which are replayed whole
        assertThat(index.stdout()).contains("\"fragno\" : 100", "\"lastFrag\" : false")
                .doesNotContain("\"fragno\" : 200");
    }
}
