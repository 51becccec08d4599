package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.testkit.Sql;
import java.nio.charset.Charset;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The source session's settings travel with its changes: a dump loaded without foreign key
 * checks, DDL under ANSI_QUOTES, in a latin1 client, and in another time zone all arrive as they
 * ran on the master, and the applier's own settings come back afterwards.
 */
@Sandboxed(hosts = 2)
class SessionContextIT {
    static SandboxFixture sb;

    private static String one(int k, String sql) throws Exception {
        try (Connection c = sb.admin(k); Statement s = c.createStatement()) {
            s.execute("SET SESSION time_zone='+00:00'");
            try (ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getString(rs.getMetaData().getColumnCount());
            }
        }
    }

    private static void sameOnBoth(String sql) throws Exception {
        assertThat(one(2, sql)).as(sql).isEqualTo(one(1, sql));
    }

    @Test
    void whatTheMasterSessionRanUnderIsWhatTheSlaveAppliesUnder() throws Exception {
        // a dump as mysqldump writes it: tables and rows in any order, foreign key checks off
        sb.mariadb(1, "CREATE DATABASE sess; USE sess; SET FOREIGN_KEY_CHECKS=0;\n"
                + "CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id)"
                + " ON DELETE CASCADE) ENGINE=InnoDB;\n"
                + "CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB;\n"
                + "INSERT INTO child VALUES (1, 10), (2, 20);\n"
                + "INSERT INTO parent VALUES (10), (20);\n"
                + "SET FOREIGN_KEY_CHECKS=1;\n"
                + "DELETE FROM parent WHERE id = 10;\n");
        // identifiers in double quotes parse only under ANSI_QUOTES
        sb.mariadb(1, "SET sql_mode='ANSI_QUOTES'; CREATE TABLE \"sess\".\"quoted\" (\"id\" INT PRIMARY KEY, \"v\""
                + " VARCHAR(10) DEFAULT 'x''y');");
        // a latin1 client: the statement's bytes are latin1, not UTF-8
        sb.mariadb(1, ("CREATE TABLE sess.l1 (id INT PRIMARY KEY, e ENUM('café','crème'), c VARCHAR(20) DEFAULT 'été')"
                + " CHARACTER SET utf8mb4 COMMENT 'naïve';\nINSERT INTO sess.l1 (id, e) VALUES (1, 'crème');\n")
                .getBytes(Charset.forName("windows-1252")), "--default-character-set=latin1");
        // a TIMESTAMP default is read in the session's time zone
        sb.mariadb(1, "SET time_zone='+05:00'; CREATE TABLE sess.tz (id INT PRIMARY KEY, ts TIMESTAMP NOT NULL DEFAULT"
                + " '2020-01-01 10:00:00'); INSERT INTO sess.tz (id) VALUES (1);");
        // after all that, the applier's own settings are back: a cascade on the slave needs foreign key checks on
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "DELETE FROM sess.parent WHERE id = 20");
        }

        sb.awaitCaughtUp(Duration.ofSeconds(60));
        assertThat(sb.state(2)).isEqualTo("ONLINE");
        sb.assertSameData("sess");
        for (String t : new String[] {"child", "parent", "quoted", "l1", "tz"}) {
            sameOnBoth("SHOW CREATE TABLE sess." + t);
        }
        assertThat(one(2, "SHOW CREATE TABLE sess.l1")).contains("enum('café','crème')", "DEFAULT 'été'",
                "COMMENT='naïve'");
        assertThat(one(1, "SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'sess' AND"
                + " TABLE_NAME = 'tz' AND COLUMN_NAME = 'ts'")).isEqualTo("'2020-01-01 05:00:00'");
        sameOnBoth("SELECT COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'sess' AND"
                + " TABLE_NAME = 'tz' AND COLUMN_NAME = 'ts'");
        try (Connection c = sb.admin(2)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM sess.child")).as("both cascades ran on the slave").isZero();
        }

        // what thl list shows
        SandboxFixture.CliResult list = sb.thl("-host", "host2", "list");
        assertThat(list.stdout()).contains("foreign_key_checks=0", "time_zone=+05:00", "CREATE TABLE sess.l1",
                "'café','crème'");
    }

    @Test
    void aTriggerGuardedWithTantalumApplierRunsOnceAndItsRowsArriveOnce() throws Exception {
        sb.mariadb(1, "CREATE DATABASE trg;\n"
                + "CREATE TABLE trg.orders (id INT PRIMARY KEY, amount INT);\n"
                + "CREATE TABLE trg.audit (id INT AUTO_INCREMENT PRIMARY KEY, order_id INT, note VARCHAR(20));\n"
                + "DELIMITER //\n"
                + "CREATE TRIGGER trg.orders_ai AFTER INSERT ON trg.orders FOR EACH ROW\n"
                + "BEGIN IF @tantalum_applier IS NULL THEN INSERT INTO trg.audit (order_id, note) VALUES (NEW.id,"
                + " 'inserted'); END IF; END//\n"
                + "DELIMITER ;\n");
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO trg.orders VALUES (1, 10), (2, 20)", "INSERT INTO trg.orders VALUES (3, 30)");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        assertThat(sb.state(2)).isEqualTo("ONLINE");
        sb.assertSameData("trg");
        try (Connection c = sb.admin(2)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM trg.audit")).as("one audit row per order").isEqualTo(3);
        }
    }
}
