package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.testkit.Sql;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Each workload that once made a slave differ from its master (issue 9), with its SQL run on
 * host1: afterwards every slave is ONLINE and shows exactly what the master shows, as the
 * {@code mariadb} client prints it.
 */
@Sandboxed(hosts = 2)
class FidelityBugsIT {
    static SandboxFixture sb;

    /** What host k's {@code mariadb} client prints for a query, tab-separated, without headers. */
    private static String on(int k, String query) {
        return sb.mariadb(k, query, "--batch", "--skip-column-names");
    }

    /** Waits for the slave, checks that it is ONLINE, and that each query prints the same on both hosts. */
    private static void sameOnEveryHost(String... queries) {
        // a flush puts a heartbeat in the THL after everything before it: a large transaction still being
        // written cannot pass for caught up then
        sb.trepctl("-host", "host1", "flush").ok();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        assertThat(sb.state(2)).as(sb.describe()).isEqualTo("ONLINE");
        for (String q : queries) {
            String master = on(1, q);
            assertThat(master).as("host1: " + q).isNotBlank();
            assertThat(on(2, q)).as("host2 vs host1: " + q).isEqualTo(master);
        }
    }

    @Test
    void statementsRunInTheSourceSessionsCharacterSetAndCollations() {
        sb.mariadb(1, "CREATE DATABASE cs; SET NAMES latin1; CREATE VIEW cs.v4 AS SELECT 1 AS one;\n"
                + "CREATE TABLE cs.t5 (a TIMESTAMP NULL);\n"
                + "CREATE VIEW cs.v5 AS SELECT a COLLATE latin1_german1_ci AS b FROM cs.t5;\n"
                + "CREATE PROCEDURE cs.p() SELECT 1;\n"
                + "CREATE TRIGGER cs.t5_bi BEFORE INSERT ON cs.t5 FOR EACH ROW SET NEW.a = NEW.a;\n"
                + "SET collation_server=latin5_turkish_ci; CREATE DATABASE db5;\n");
        sameOnEveryHost(
                "SELECT TABLE_NAME, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, VIEW_DEFINITION"
                        + " FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'cs' ORDER BY 1",
                "SELECT ROUTINE_NAME, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION"
                        + " FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'cs'",
                "SELECT TRIGGER_NAME, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION"
                        + " FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'cs'",
                "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA"
                        + " WHERE SCHEMA_NAME IN ('cs', 'db5') ORDER BY SCHEMA_NAME");
        assertThat(on(2, "SELECT CHARACTER_SET_CLIENT FROM information_schema.VIEWS WHERE TABLE_NAME = 'v4'"))
                .isEqualTo("latin1\n");
        assertThat(on(2, "SHOW CREATE DATABASE db5")).contains("latin5_turkish_ci");
    }

    @Test
    void rowValuesArriveExactlyAsTheMasterStoredThem() {
        sb.mariadb(1, "CREATE DATABASE vals;\n"
                // BINARY(n) pads with 0x00, and a trailing 0x00 is part of the value
                + "CREATE TABLE vals.bin (s1 BINARY(2), s2 VARBINARY(2));\n"
                + "INSERT INTO vals.bin VALUES (0x4100, 0x4100), (0x42, 0x42); DELETE FROM vals.bin WHERE s1 = 0x4100;\n"
                // a date the master's session allowed
                + "SET sql_mode = 'ALLOW_INVALID_DATES'; CREATE TABLE vals.d (a DATETIME(6));\n"
                + "INSERT INTO vals.d VALUES ('2001-02-29 23:59:59.999999'); SET sql_mode = DEFAULT;\n"
                // a long UNIQUE key is a hidden hash column
                + "CREATE TABLE vals.h (a BLOB UNIQUE); INSERT INTO vals.h VALUES ('x'), ('y'); UPDATE vals.h SET a = 'z'"
                + " WHERE a = 'x'; DELETE FROM vals.h WHERE a = 'y';\n"
                // compressed columns
                + "CREATE TABLE vals.c (a VARCHAR(30) COMPRESSED, b BLOB COMPRESSED);\n"
                + "INSERT INTO vals.c VALUES ('1', REPEAT('abc', 1000)), ('', ''); UPDATE vals.c SET a = '2' WHERE a = '1';\n");
        sameOnEveryHost("SELECT HEX(s1), HEX(s2) FROM vals.bin", "SELECT a FROM vals.d", "SELECT a FROM vals.h",
                "SELECT a, MD5(b), LENGTH(b) FROM vals.c ORDER BY a");
        assertThat(on(2, "SELECT a FROM vals.d")).isEqualTo("2001-02-29 23:59:59.999999\n");

        // thl list shows the decoded row (uncompressed), as it did before the THL carried binlog events
        assertThat(sb.thl("-host", "host2", "list").ok().stdout()).contains("- TABLE = c", "COL(1: a) = 2");
    }

    @Test
    void statementsOfManyRowsEventsAndOfSeveralTablesArriveWhole() {
        // one INSERT of 5,000 rows of about 1 KiB: hundreds of rows events under one table map, more
        // rows than a THL fragment and more bytes than one BINLOG statement carries
        sb.mariadb(1, "CREATE DATABASE big; USE big; CREATE TABLE big.t (id INT PRIMARY KEY, k INT, pad VARCHAR(1000));\n"
                + "CREATE TABLE big.u (id INT PRIMARY KEY, n INT);\n"
                + "INSERT INTO big.t SELECT seq, seq % 7, REPEAT(CHAR(65 + seq % 26), 1000) FROM seq_1_to_5000;\n"
                + "INSERT INTO big.u SELECT seq, 0 FROM seq_1_to_5000;\n"
                // one statement, two tables: two table maps before the first rows event
                + "UPDATE big.t JOIN big.u ON t.id = u.id SET t.k = t.k + 1, u.n = u.n + 1 WHERE t.id <= 3000;\n"
                + "DELETE big.t, big.u FROM big.t JOIN big.u ON t.id = u.id WHERE t.id > 4000;\n");
        sameOnEveryHost("SELECT COUNT(*), SUM(k), SUM(CRC32(pad)) FROM big.t", "SELECT COUNT(*), SUM(n) FROM big.u");
        sb.assertSameData("big");
    }

    @Test
    void aRowOfMoreThanThreeQuartersOfMaxAllowedPacketArrives() {
        // 15 MiB in one rows event: 20 MiB in base64, more than one 16 MiB packet can carry
        sb.mariadb(1, "CREATE DATABASE wide; CREATE TABLE wide.t (id INT PRIMARY KEY, b LONGBLOB);\n"
                + "INSERT INTO wide.t VALUES (1, REPEAT('x', 15 * 1024 * 1024)), (2, 'small');\n");
        sameOnEveryHost("SELECT id, LENGTH(b), MD5(b) FROM wide.t ORDER BY id");
    }

    @Test
    void systemVersionedTablesKeepTheMastersHistory() {
        sb.mariadb(1, "CREATE DATABASE ver;\n"
                + "CREATE TABLE ver.implicit (a INT) WITH SYSTEM VERSIONING;\n"
                + "INSERT INTO ver.implicit VALUES (1); UPDATE ver.implicit SET a = 2; DELETE FROM ver.implicit;\n"
                + "CREATE TABLE ver.explicit (a INT, s TIMESTAMP(6) GENERATED ALWAYS AS ROW START,"
                + " e TIMESTAMP(6) GENERATED ALWAYS AS ROW END, PERIOD FOR SYSTEM_TIME(s, e)) WITH SYSTEM VERSIONING;\n"
                + "INSERT INTO ver.explicit (a) VALUES (1); UPDATE ver.explicit SET a = 5;\n"
                + "SET system_versioning_alter_history = KEEP; ALTER TABLE ver.explicit ADD COLUMN b INT;"
                + " ALTER TABLE ver.explicit DROP COLUMN b;\n"
                + "UPDATE ver.explicit SET a = 6;\n");
        sameOnEveryHost("SELECT a, row_start, row_end FROM ver.implicit FOR SYSTEM_TIME ALL ORDER BY row_start",
                "SELECT a, s, e FROM ver.explicit FOR SYSTEM_TIME ALL ORDER BY s",
                "SHOW CREATE TABLE ver.explicit");
    }

    @Test
    void ddlAndStatementsThatFailedOnTheMasterEndAsOnTheMaster() throws SQLException {
        sb.mariadb(1, "CREATE DATABASE ddl;\n"
                + "CREATE TABLE ddl.p (a INT PRIMARY KEY) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10),"
                + " PARTITION p1 VALUES LESS THAN (MAXVALUE));\n"
                + "CREATE TABLE ddl.x (a INT PRIMARY KEY); INSERT INTO ddl.p VALUES (1), (20); INSERT INTO ddl.x VALUES (2);\n"
                + "ALTER TABLE ddl.p EXCHANGE PARTITION p0 WITH TABLE ddl.x; INSERT INTO ddl.x VALUES (3);\n"
                + "CREATE TABLE ddl.tpr (d INT); INSERT INTO ddl.tpr VALUES (1);\n");
        // fails with 1486 after dropping the old table; the binlog says so, and a slave must do the same
        try (Connection c = sb.admin(1)) {
            Sql.exec(c, "SET time_zone = '+00:00'");
            assertThatThrownBy(() -> Sql.exec(c, "CREATE OR REPLACE TABLE ddl.tpr (d DATETIME(6)) PARTITION BY RANGE"
                    + " (UNIX_TIMESTAMP(d)) (PARTITION p0 VALUES LESS THAN (1), PARTITION p1 VALUES LESS THAN (MAXVALUE))"))
                    .hasStackTraceContaining("timezone-dependent");
            Sql.exec(c, "CREATE TABLE ddl.after (a INT)", "INSERT INTO ddl.after VALUES (7)");
        }
        sameOnEveryHost("SELECT a FROM ddl.p ORDER BY a", "SELECT a FROM ddl.x ORDER BY a", "SELECT a FROM ddl.after",
                "SELECT GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME) FROM information_schema.TABLES"
                        + " WHERE TABLE_SCHEMA = 'ddl'");
        assertThat(on(2, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'ddl'"
                + " AND TABLE_NAME = 'tpr'")).isEqualTo("0\n");
    }

    @Test
    void triggersDoNotFireAgainOnSlaves() {
        // an unguarded audit trigger: its rows come from the master's row changes, not from the slave
        sb.mariadb(1, "CREATE DATABASE trg;\n"
                + "CREATE TABLE trg.orders (id INT PRIMARY KEY, amount INT);\n"
                + "CREATE TABLE trg.audit (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT);\n"
                + "CREATE TRIGGER trg.orders_ai AFTER INSERT ON trg.orders FOR EACH ROW"
                + " INSERT INTO trg.audit (order_id) VALUES (NEW.id);\n"
                + "INSERT INTO trg.orders VALUES (1, 10), (2, 20); INSERT INTO trg.orders VALUES (3, 30);\n");
        sameOnEveryHost("SELECT id, order_id FROM trg.audit ORDER BY id");
        assertThat(on(2, "SELECT COUNT(*) FROM trg.audit")).isEqualTo("3\n");
    }

    @Test
    void theSlavesBinlogHasTheRowsWithoutTheApplierStatementsText() throws SQLException {
        java.util.List<Object> start;
        try (Connection c = sb.admin(2)) {
            start = Sql.query(c, "SHOW MASTER STATUS").get(0);
        }
        sb.mariadb(1, "CREATE DATABASE ann; CREATE TABLE ann.t (id INT PRIMARY KEY, v VARCHAR(100));\n"
                + "INSERT INTO ann.t VALUES (1, REPEAT('a', 100)), (2, 'b'); UPDATE ann.t SET v = 'c' WHERE id = 2;\n");
        sameOnEveryHost("SELECT id, v FROM ann.t ORDER BY id");
        try (Connection c = sb.admin(2)) {
            java.util.List<String> types = Sql.query(c, "SHOW BINLOG EVENTS IN '" + start.get(0) + "' FROM "
                    + start.get(1)).stream().map(row -> String.valueOf(row.get(2))).toList();
            // an annotation would hold each BINLOG statement's events again, in base64
            assertThat(types).contains("Write_rows_v1", "Update_rows_v1").doesNotContain("Annotate_rows");
        }
    }

    @Test
    void eventIdsCarryTheMastersGtid() throws SQLException {
        String gtid = on(1, "SELECT @@gtid_binlog_pos").trim();
        sb.mariadb(1, "CREATE DATABASE g; CREATE TABLE g.t (a INT); INSERT INTO g.t VALUES (1);");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        String now = on(1, "SELECT @@gtid_binlog_pos").trim();
        assertThat(now).isNotEqualTo(gtid);
        assertThat(sb.status(2).appliedLastEventId()).endsWith(";gtid=" + now);
        try (Connection c = sb.admin(2)) {
            assertThat(Sql.query(c, "SELECT eventid FROM tantalum_alpha.trep_commit_seqno").get(0).get(0))
                    .asString().endsWith(";gtid=" + now);
        }
    }
}
