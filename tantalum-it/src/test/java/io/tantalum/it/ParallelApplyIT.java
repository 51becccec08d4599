package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parallel apply ({@code apply-channels=4} on every slave): the slaves stay exact copies, every
 * acknowledged write is applied exactly once, conflicting transactions keep the master's order,
 * and a reader of a slave never sees a commit order the master did not have.
 */
@Sandboxed(hosts = 3)
class ParallelApplyIT {
    static SandboxFixture sb;

    @BeforeAll
    static void fourChannels() throws Exception {
        Path ini = sb.sandbox().iniFile();
        Files.writeString(ini, Files.readString(ini).replace("[defaults]\n", "[defaults]\napply-channels=4\n"));
        sb.tpm("update").ok();
        sb.sandbox().awaitOnline(60_000);
        assertThat(Files.readString(sb.sandbox().replicatorConfig(sb.host(2)))).contains("replicator.apply.channels=4");
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE par",
                    "CREATE TABLE par.kv (id INT PRIMARY KEY, v BIGINT NOT NULL)",
                    "CREATE TABLE par.uk (id INT PRIMARY KEY, code INT NOT NULL, UNIQUE KEY (code))",
                    "CREATE TABLE par.seq (n INT PRIMARY KEY)",
                    "CREATE TABLE par.items (id BIGINT PRIMARY KEY, v VARCHAR(40))",
                    "CREATE TABLE par.parent (id INT PRIMARY KEY)",
                    "CREATE TABLE par.child (id INT PRIMARY KEY, parent INT, FOREIGN KEY (parent) REFERENCES"
                            + " par.parent (id) ON DELETE CASCADE)",
                    "CREATE DATABASE sbpar");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @Test
    void hotRowsAndHiddenConflictsAreAppliedInTheMastersOrder() throws Exception {
        offline(2);
        try (Connection c = sb.app(1)) {
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("INSERT INTO par.kv VALUES (1, 0), (2, 0)");
                for (int i = 0; i < 400; i++) {
                    // one row changed by consecutive transactions: each must see the one before it
                    s.execute("UPDATE par.kv SET v = (v * 3 + " + i + ") % 1000000007 WHERE id = " + (1 + i % 2));
                    // a conflict no primary key shows: the unique code moves from one row to a new one
                    s.execute("DELETE FROM par.uk WHERE code = " + (i % 7));
                    s.execute("INSERT INTO par.uk VALUES (" + (1000 + i) + ", " + (i % 7) + ")");
                    // rows that a cascade deletes, which the THL does not name
                    if (i % 20 == 0) {
                        s.execute("INSERT INTO par.parent VALUES (" + i + ")");
                        s.execute("INSERT INTO par.child VALUES (" + i + ", " + i + "), (" + (i + 1) + ", " + i + ")");
                    } else if (i % 20 == 10) {
                        s.execute("DELETE FROM par.parent WHERE id = " + (i - 10));
                    }
                }
            }
        }
        assertThat(sb.trepctl("-host", "host2", "online").exitCode()).isZero();
        // and a hot-row load from a real client while both slaves apply it
        // (sysbench retries the master's own deadlocks between its threads, as "ignored errors")
        assertThat(sysbench(10, "run")).contains("transactions:");
        List<Long> acked;
        try (WriteLoad load = new WriteLoad(() -> sb.app(1), "loadtest")) {
            Await.until("the client to commit 300 transactions", Duration.ofSeconds(60),
                    () -> load.acknowledgedCount() >= 300);
            load.close();
            acked = load.acknowledged();
            assertThat(load.errors()).isZero();
        }
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        sb.assertSameData("par", "sbpar", "loadtest");
        for (int k = 2; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                assertThat(Sql.count(c, "SELECT COUNT(DISTINCT txn) FROM loadtest.ledger")).as("host" + k)
                        .isEqualTo(Sql.count(c, "SELECT COUNT(*) FROM loadtest.ledger")).isGreaterThanOrEqualTo(
                                acked.size());
            }
        }
        SandboxFixture.CliResult tasks = sb.trepctl("-host", "host2", "status", "-name", "tasks");
        assertThat(tasks.stdout()).contains("channels            : 4").containsPattern(
                "channel4 +: applied seqno \\d+, \\d+ transaction\\(s\\) in \\d+ commit\\(s\\)");
        assertThat(sb.state(2)).isEqualTo("ONLINE");
    }

    @Test
    void aReaderOfASlaveNeverSeesACommitTheMasterMadeLaterWithoutTheOnesBefore() throws Exception {
        offline(2);
        int rows = 1500;
        try (Connection c = sb.app(1); PreparedStatement ins = c.prepareStatement("INSERT INTO par.seq VALUES (?)")) {
            c.setAutoCommit(true);
            for (int n = 1; n <= rows; n++) {
                ins.setInt(1, n);
                ins.executeUpdate(); // one transaction each, touching rows no other touches: all may run in parallel
            }
        }
        AtomicLong reads = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try (Connection c = sb.admin(2); Statement s = c.createStatement()) {
                while (!done.get()) {
                    try (ResultSet rs = s.executeQuery("SELECT COUNT(*), COALESCE(MAX(n), 0) FROM par.seq")) {
                        rs.next();
                        reads.incrementAndGet();
                        if (rs.getLong(1) != rs.getLong(2)) {
                            return rs.getLong(1) + " rows but the highest is " + rs.getLong(2);
                        }
                        if (rs.getLong(1) == rows) {
                            return "ok";
                        }
                    }
                }
                return "stopped";
            } catch (SQLException e) {
                return e.toString();
            }
        });
        assertThat(sb.trepctl("-host", "host2", "online").exitCode()).isZero();
        try {
            assertThat(reader.get(120, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("ok");
        } finally {
            done.set(true);
        }
        assertThat(reads.get()).as("the reader looked while the slave applied").isGreaterThan(3);
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("par");
    }

    @Test
    void aSlaveReplicatorKilledAtRandomMomentsLosesAndDuplicatesNothing() throws Exception {
        ConcurrentLinkedQueue<Long> acked = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        long base = System.currentTimeMillis() * 1000;
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Connection c = sb.app(1); PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO par.items VALUES (?, ?)")) {
                c.setAutoCommit(true);
                for (long id = base; !stop.get(); id++) {
                    ins.setLong(1, id);
                    ins.setString(2, "item " + id);
                    try {
                        ins.executeUpdate();
                        acked.add(id);
                    } catch (SQLException e) {
                        errors.incrementAndGet();
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            for (int i = 0; i < 3; i++) {
                int target = acked.size() + ThreadLocalRandom.current().nextInt(100, 500);
                Await.until("more writes", Duration.ofSeconds(60), () -> acked.size() >= target);
                sb.sandbox().killReplicator(sb.host(2));
                int more = acked.size() + ThreadLocalRandom.current().nextInt(1, 300);
                Await.until("more writes", Duration.ofSeconds(60), () -> acked.size() >= more);
                sb.sandbox().startReplicator(sb.host(2));
                sb.awaitState(2, "ONLINE");
            }
        } finally {
            stop.set(true);
            writer.get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertThat(errors.get()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        sb.assertSameData("par");
        try (Connection c = sb.admin(2)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM par.items WHERE id >= " + base)).isEqualTo(acked.size());
        }
    }

    private static void offline(int k) {
        assertThat(sb.trepctl("-host", "host" + k, "offline").exitCode()).isZero();
    }

    /** sysbench oltp_write_only on the master: one table of 20 rows, 4 threads; every transaction hits a hot row. */
    private static String sysbench(int seconds, String command) throws Exception {
        String[] common = {"sysbench", "--db-driver=mysql", "--mysql-host=" + sb.host(1).address(), "--mysql-port=3306",
            "--mysql-user=" + sb.layout().appUser(), "--mysql-password=" + sb.layout().appPassword(),
            "--mysql-db=sbpar", "--tables=1", "--table-size=20", "--threads=4", "--time=" + seconds,
            "oltp_write_only"};
        for (String cmd : new String[] {"prepare", command}) {
            List<String> args = new java.util.ArrayList<>(List.of(common));
            args.add(cmd);
            Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("sysbench " + cmd + ":\n" + out).isZero();
            if (cmd.equals(command)) {
                return out;
            }
        }
        throw new IllegalStateException("unreachable");
    }
}
