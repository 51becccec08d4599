package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Role changes that must be refused, and say why. */
@Sandboxed(hosts = 3, perTest = true)
class RoleChangeIT {
    static SandboxFixture sb;

    @BeforeEach
    void createData() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE roles", "CREATE TABLE roles.t (id INT PRIMARY KEY, v VARCHAR(20))",
                    "INSERT INTO roles.t VALUES (1, 'one')");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @Test
    void aSlaveWithUnappliedThlRefusesToBecomeMaster() throws Exception {
        long failed = sb.conflictOn(3, "INSERT INTO roles.t VALUES (2, 'by hand')",
                "INSERT INTO roles.t VALUES (2, 'two')", "INSERT INTO roles.t VALUES (3, 'three')",
                "INSERT INTO roles.t VALUES (4, 'four')");
        Map<?, ?> info = new ObjectMapper().readValue(sb.thl("-host", "host3", "info", "-json").stdout(), Map.class);
        long stored = ((Number) info.get("maxSeqno")).longValue();
        assertThat(stored).isGreaterThanOrEqualTo(failed);

        sb.trepctl("-host", "host3", "setrole", "-role", "master").ok();
        SandboxFixture.CliResult online = sb.trepctl("-host", "host3", "online");
        assertThat(online.exitCode()).isNotZero();
        assertThat(online.stderr()).contains("host3 cannot go online as master",
                "holds seqno " + failed + " to " + stored + " from host1", "not applied to its database",
                "trepctl wait -applied " + stored);
        assertThat(sb.state(3)).isEqualTo("OFFLINE:ERROR");

        // back to slave, fix the data, catch up
        sb.trepctl("-host", "host3", "setrole", "-role", "slave", "-uri", "thl://host1:2112/").ok();
        try (Connection dba = sb.admin(3)) {
            Sql.exec(dba, "DELETE FROM roles.t WHERE id = 2");
        }
        sb.trepctl("-host", "host3", "online").ok();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("roles");
    }

    @Test
    void anOldMasterWithTransactionsThatNeverShippedIsRefusedWithTheirSeqnos() throws Exception {
        sb.trepctl("-host", "host2", "offline").ok();
        sb.trepctl("-host", "host3", "offline").ok();
        long before = sb.appliedSeqno(1);
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO roles.t VALUES (10, 'orphan a')", "INSERT INTO roles.t VALUES (11, 'orphan b')");
        }
        Await.until("host1 to store both", Duration.ofSeconds(30), () -> sb.appliedSeqno(1) == before + 2);
        sb.trepctl("-host", "host1", "offline").ok();

        // promote host2, which never received them
        sb.trepctl("-host", "host2", "setrole", "-role", "master").ok();
        sb.trepctl("-host", "host3", "setrole", "-role", "slave", "-uri", "thl://host2:2112/").ok();
        sb.trepctl("-host", "host1", "setrole", "-role", "slave", "-uri", "thl://host2:2112/").ok();
        sb.trepctl("-host", "host2", "online").ok();
        sb.trepctl("-host", "host2", "wait", "-state", "ONLINE", "-limit", "30").ok();
        sb.trepctl("-host", "host3", "online").ok();
        try (Connection c = sb.app(2)) {
            Sql.exec(c, "INSERT INTO roles.t VALUES (20, 'new master')");
        }
        sb.trepctl("-host", "host1", "online").ok();
        sb.awaitState(1, "OFFLINE:ERROR");
        String error = String.valueOf(sb.status(1).pendingError());
        assertThat(error).contains("refused this slave", "2 transaction(s) the master's history does not have",
                "seqno " + (before + 1) + " (mariadb-bin.", "seqno " + (before + 2) + " (mariadb-bin.", "Ways out",
                "thl list -low " + (before + 1) + " -high " + (before + 2) + " -sql > orphaned.sql");
        SandboxFixture.CliResult orphans = sb.thl("-host", "host1", "list", "-low", Long.toString(before + 1));
        assertThat(orphans.stdout()).contains("orphan a", "orphan b");

        // the new master and its other slave are unaffected
        sb.trepctl("-host", "host2", "flush").ok();
        Await.until("host3 to follow host2", Duration.ofSeconds(60),
                () -> sb.appliedSeqno(3) == sb.appliedSeqno(2));
        try (Connection c = sb.admin(3)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM roles.t WHERE id = 20")).isEqualTo(1);
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM roles.t WHERE id IN (10, 11)")).isZero();
        }

        // the first way out: save them as SQL, replay them on the new master, and every host has them
        SandboxFixture.CliResult script = sb.thl("-host", "host1", "list", "-low", Long.toString(before + 1), "-high",
                Long.toString(before + 2), "-sql");
        assertThat(script.exitCode()).as(script.all()).isZero();
        assertThat(script.stdout()).contains("START TRANSACTION;",
                "INSERT INTO `roles`.`t` (`id`,`v`) VALUES (10,X'6f727068616e2061');", "VALUES (11,", "COMMIT;")
                .doesNotContain("tantalum_");
        sb.mariadb(2, script.stdout());
        sb.trepctl("-host", "host2", "flush").ok();
        Await.until("host3 to apply the replayed rows", Duration.ofSeconds(60),
                () -> sb.appliedSeqno(3) == sb.appliedSeqno(2));
        try (Connection c = sb.admin(3)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM roles.t WHERE id IN (10, 11)")).isEqualTo(2);
        }
    }

    /**
     * Issue 13: rows written on the master while its replicator was not extracting are only in its
     * binlog; made a slave, it refuses to go online and lists them, until the operator accepts the
     * divergence with `online -force-divergence`.
     */
    @Test
    void anOldMasterWithBinlogOnlyTransactionsRefusesToBecomeASlaveUntilForced() throws Exception {
        sb.trepctl("-host", "host1", "offline").ok();
        String insertGtid;
        String updateGtid;
        try (Connection c = sb.admin(1)) {
            Sql.exec(c, "INSERT INTO roles.t VALUES (30, 'lost a'), (31, 'lost b')");
            insertGtid = String.valueOf(Sql.query(c, "SELECT @@last_gtid").get(0).get(0));
            Sql.exec(c, "UPDATE roles.t SET v = 'changed' WHERE id = 1");
            updateGtid = String.valueOf(Sql.query(c, "SELECT @@last_gtid").get(0).get(0));
        }

        // host2 becomes the master, writes; host1 is made its slave
        sb.trepctl("-host", "host2", "offline").ok();
        sb.trepctl("-host", "host2", "setrole", "-role", "master").ok();
        sb.trepctl("-host", "host2", "online").ok();
        sb.trepctl("-host", "host2", "wait", "-state", "ONLINE", "-limit", "30").ok();
        try (Connection c = sb.app(2)) {
            Sql.exec(c, "INSERT INTO roles.t VALUES (40, 'new master')");
        }
        sb.trepctl("-host", "host1", "setrole", "-role", "slave", "-uri", "thl://host2:2112/").ok();
        SandboxFixture.CliResult refused = sb.trepctl("-host", "host1", "online");
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(7);
        assertThat(refused.stderr()).contains("host1 cannot go online as a slave of thl://",
                "holds 2 binlog-only transaction(s), written on host1",
                "GTID " + insertGtid + " at mariadb-bin.", "(roles.t (2 inserted))",
                "GTID " + updateGtid + " at mariadb-bin.", "(roles.t (1 updated))",
                "Nothing was applied", "rebuild host1 from the current master", "trepctl online -force-divergence");
        assertThat(sb.state(1)).isEqualTo("OFFLINE:ERROR");
        assertThat(String.valueOf(sb.status(1).pendingError())).contains("binlog-only transaction(s)");
        try (Connection c = sb.admin(1)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM roles.t WHERE id = 40")).as("nothing applied").isZero();
        }

        // the first way out: save them as SQL
        java.nio.file.Path sql = sb.dir().resolve("host1-binlog-only.sql");
        SandboxFixture.CliResult saved = sb.trepctl("-host", "host1", "binlog-only", "-sql", sql.toString()).ok();
        assertThat(saved.stdout()).contains("host1: 2 binlog-only transaction(s) after mariadb-bin.",
                "  GTID " + insertGtid + " at mariadb-bin.", "SQL written to " + sql);
        System.out.println(java.nio.file.Files.readString(sql));
        assertThat(java.nio.file.Files.readString(sql)).contains("-- GTID " + insertGtid + " at mariadb-bin.",
                "START TRANSACTION;\nINSERT INTO `roles`.`t` (`id`,`v`) VALUES (30,X'6c6f73742061'),"
                + "(31,X'6c6f73742062');"
                + "\nCOMMIT;", "UPDATE `roles`.`t` SET `id`=1,`v`=X'6368616e676564' WHERE `id`=1;");

        // the operator accepts the divergence: host1 follows host2 and keeps its own rows
        sb.trepctl("-host", "host1", "online", "-force-divergence").ok();
        sb.trepctl("-host", "host2", "flush").ok();
        Await.until("host1 to follow host2", Duration.ofSeconds(30), () -> sb.appliedSeqno(1) == sb.appliedSeqno(2));
        try (Connection c = sb.admin(1)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM roles.t WHERE id = 40")).isEqualTo(1);
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM roles.t WHERE id IN (30, 31)")).isEqualTo(2);
        }
    }

    /**
     * A slave promoted to master whose session extracted nothing before rows were written on it
     * directly: its THL still ends with the old master's event, yet the rows are binlog-only.
     */
    @Test
    void aMasterSessionThatExtractedNothingStillCountsItsBinlog() throws Exception {
        sb.trepctl("-host", "host3", "offline").ok();
        sb.trepctl("-host", "host3", "setrole", "-role", "master").ok();
        sb.trepctl("-host", "host3", "online").ok();
        sb.trepctl("-host", "host3", "wait", "-state", "ONLINE", "-limit", "30").ok();
        sb.trepctl("-host", "host3", "offline").ok();
        String gtid;
        try (Connection c = sb.admin(3)) {
            Sql.exec(c, "SET GLOBAL read_only=OFF", "DELETE FROM roles.t WHERE id = 1");
            gtid = String.valueOf(Sql.query(c, "SELECT @@last_gtid").get(0).get(0));
        }
        sb.trepctl("-host", "host3", "setrole", "-role", "slave", "-uri", "thl://host1:2112/").ok();
        SandboxFixture.CliResult refused = sb.trepctl("-host", "host3", "online");
        assertThat(refused.exitCode()).as(refused.all()).isEqualTo(7);
        assertThat(refused.stderr()).contains("holds 1 binlog-only transaction(s), written on host3",
                "GTID " + gtid + " at mariadb-bin.", "(roles.t (1 deleted))");
        sb.trepctl("-host", "host3", "online", "-force-divergence").ok();
        sb.trepctl("-host", "host3", "wait", "-state", "ONLINE", "-limit", "30").ok();
    }
}
