package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Sql;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Apply conflicts and THL corruption stop a slave at a known seqno with a clear error. */
@Sandboxed(hosts = 3)
class ErrorsIT {
    static SandboxFixture sb;

    @BeforeAll
    static void createData() {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE errs", "CREATE TABLE errs.t (id INT PRIMARY KEY, v VARCHAR(20))",
                    "INSERT INTO errs.t VALUES (1, 'one')");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @Test
    void applyConflictStopsTheSlaveAtThatSeqnoUntilTheOperatorActs() throws Exception {
        try (Connection dba = sb.admin(2)) {
            Sql.exec(dba, "INSERT INTO errs.t VALUES (5, 'by hand on host2')");
        }
        long before = sb.appliedSeqno(2);
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO errs.t VALUES (5, 'from master')", "INSERT INTO errs.t VALUES (6, 'after')");
        }
        sb.awaitState(2, "OFFLINE:ERROR");
        ReplicatorStatus st = sb.status(2);
        long failed = st.pendingErrorSeqno();
        assertThat(failed).isEqualTo(before + 1);
        assertThat(st.pendingError()).contains("seqno " + failed, "Duplicate entry",
                "errs.t", "trepctl online -skip-seqno " + failed);
        assertThat(st.pendingErrorEventId()).startsWith("mariadb-bin.");
        assertThat(st.pendingErrorCode()).contains("1062");
        assertThat(sb.appliedSeqno(2)).isEqualTo(before);
        assertThat(st.autoRecoveryNext()).as("a conflict waits for the operator").isEqualTo("NONE");
        assertThat(st.autoRecoveryTotal()).isZero();

        // what the operator sees
        SandboxFixture.CliResult status = sb.trepctl("-host", "host2", "status");
        assertThat(status.exitCode()).isZero();
        assertThat(status.stdout()).contains("state                   : OFFLINE:ERROR",
                "pendingErrorSeqno       : " + failed);

        // nothing after the failed seqno was applied, and the other slave is unaffected
        try (Connection c = sb.admin(2)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM errs.t WHERE id = 6")).isZero();
        }
        sb.awaitCaughtUpOn(3, Duration.ofSeconds(60));

        // the DBA removes the stray row and puts the slave online: it catches up
        try (Connection dba = sb.admin(2)) {
            Sql.exec(dba, "DELETE FROM errs.t WHERE id = 5");
        }
        SandboxFixture.CliResult online = sb.trepctl("-host", "host2", "online");
        assertThat(online.exitCode()).as(online.all()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("errs");
    }

    @Test
    void aConflictInABacklogNamesItsOwnTransaction() throws Exception {
        // a slave that comes back to a backlog sends a block's transactions in one BINLOG statement;
        // when that fails, the error still names the one transaction that conflicts
        sb.trepctl("-host", "host2", "offline").ok();
        sb.awaitState(2, "OFFLINE:NORMAL");
        long before = sb.appliedSeqno(2);
        try (Connection dba = sb.admin(2)) {
            Sql.exec(dba, "INSERT INTO errs.t VALUES (42, 'by hand on host2')");
        }
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO errs.t VALUES (40, 'from master')", "INSERT INTO errs.t VALUES (41, 'from master')",
                    "INSERT INTO errs.t VALUES (42, 'from master')", "INSERT INTO errs.t VALUES (43, 'from master')");
        }
        sb.trepctl("-host", "host2", "online").ok();
        sb.awaitState(2, "OFFLINE:ERROR");
        ReplicatorStatus st = sb.status(2);
        assertThat(st.pendingErrorSeqno()).isEqualTo(before + 3);
        assertThat(st.pendingError()).contains("Cannot apply seqno " + (before + 3), "Duplicate entry '42'",
                "trepctl online -skip-seqno " + (before + 3));
        assertThat(sb.appliedSeqno(2)).as("the block rolled back whole").isEqualTo(before);
        try (Connection c = sb.admin(2)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM errs.t WHERE id IN (40, 41, 43)")).isZero();
            Sql.exec(c, "DELETE FROM errs.t WHERE id = 42");
        }
        sb.trepctl("-host", "host2", "online").ok();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("errs");
    }

    @Test
    void skipSeqnoSkipsExactlyThatTransaction() throws Exception {
        try (Connection dba = sb.admin(3)) {
            Sql.exec(dba, "INSERT INTO errs.t VALUES (7, 'by hand on host3')");
        }
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO errs.t VALUES (7, 'from master')", "INSERT INTO errs.t VALUES (8, 'later')");
        }
        sb.awaitState(3, "OFFLINE:ERROR");
        long failed = sb.status(3).pendingErrorSeqno();
        SandboxFixture.CliResult online = sb.trepctl("-host", "host3", "online", "-skip-seqno", Long.toString(failed));
        assertThat(online.exitCode()).as(online.all()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        try (Connection c = sb.admin(3)) {
            assertThat(Sql.query(c, "SELECT v FROM errs.t WHERE id = 7").get(0).get(0)).isEqualTo("by hand on host3");
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM errs.t WHERE id = 8")).isEqualTo(1);
            Sql.exec(c, "UPDATE errs.t SET v = 'from master' WHERE id = 7");
        }
        sb.assertSameData("errs");
    }

    @Test
    void aSkipIsKeptWhenTheNextTransactionInItsBlockFailsToo() throws Exception {
        // two conflicts in a row: both transactions reach the slave in one block
        long first = sb.conflictOn(3, "INSERT INTO errs.t VALUES (30, 'by hand'), (31, 'by hand')",
                "INSERT INTO errs.t VALUES (30, 'from master')", "INSERT INTO errs.t VALUES (31, 'from master')",
                "INSERT INTO errs.t VALUES (32, 'after')");
        sb.trepctl("-host", "host3", "online", "-skip-seqno", Long.toString(first)).ok();
        sb.awaitState(3, "OFFLINE:ERROR");
        assertThat(sb.status(3).pendingErrorSeqno()).isEqualTo(first + 1);
        assertThat(sb.appliedSeqno(3)).as("the skip is recorded").isEqualTo(first);
        sb.trepctl("-host", "host3", "online", "-skip-seqno", Long.toString(first + 1)).ok();
        sb.awaitCaughtUpOn(3, Duration.ofSeconds(60));
        try (Connection c = sb.admin(3)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM errs.t WHERE id = 32")).isEqualTo(1);
            Sql.exec(c, "UPDATE errs.t SET v = 'from master' WHERE id IN (30, 31)");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("errs");
    }

    @Test
    void aCorruptThlByteIsReportedWithFileOffsetAndSeqnoAndNothingIsApplied() throws Exception {
        try (Connection c = sb.app(1)) {
            for (int i = 100; i < 120; i++) {
                Sql.exec(c, "INSERT INTO errs.t VALUES (" + i + ", 'row " + i + "')");
            }
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        SandboxLayout.Host host2 = sb.host(2);
        SandboxFixture.CliResult list = sb.thl("-host", "host2", "list", "-headers", "-json");
        List<?> events = new ObjectMapper().readValue(list.stdout(), List.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> victim = (Map<String, Object>) events.get(events.size() / 2);
        long seqno = ((Number) victim.get("seqno")).longValue();
        long offset = ((Number) victim.get("offset")).longValue();
        Path file = sb.sandbox().thlDirectory(host2).resolve(String.valueOf(victim.get("file")));

        sb.sandbox().killReplicator(host2);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset + 40);
            int b = raf.read();
            raf.seek(offset + 40);
            raf.write(b ^ 0x20);
        }
        long appliedBefore;
        try (Connection c = sb.admin(2)) {
            appliedBefore = Sql.count(c, "SELECT seqno FROM tantalum_alpha.trep_commit_seqno");
        }

        // thl reports the damage precisely, with a non-zero exit code
        SandboxFixture.CliResult bad = sb.thl("-host", "host2", "list");
        assertThat(bad.exitCode()).isEqualTo(7);
        assertThat(bad.stderr()).contains(file.toString(), "offset " + offset, "(seqno " + seqno + ")", "checksum");

        // the replicator refuses to run over it
        sb.sandbox().startReplicator(host2);
        sb.awaitState(2, "OFFLINE:ERROR");
        assertThat(String.valueOf(sb.status(2).pendingError())).contains(file.toString(), "offset " + offset,
                "seqno " + seqno);
        try (Connection c = sb.admin(2)) {
            assertThat(Sql.count(c, "SELECT seqno FROM tantalum_alpha.trep_commit_seqno")).isEqualTo(appliedBefore);
        }

        // the remedy the message gives: move the damaged file away and go online; the events come again
        sb.sandbox().stopReplicator(host2);
        Path aside = Files.createDirectories(sb.dir().resolve("damaged"));
        try (Stream<Path> files = Files.list(file.getParent())) {
            for (Path f : files.filter(f -> f.getFileName().toString().compareTo(file.getFileName().toString()) >= 0)
                    .toList()) {
                Files.move(f, aside.resolve(f.getFileName()));
            }
        }
        sb.sandbox().startReplicator(host2);
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO errs.t VALUES (200, 'after repair')");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("errs");
    }
}
