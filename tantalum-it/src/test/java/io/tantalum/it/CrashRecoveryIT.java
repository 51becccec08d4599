package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Crashes and restarts under a continuous write load: no transaction is lost, duplicated or
 * reordered (ledger rows carry a unique transaction number and have no key, so a duplicate
 * apply would add a row; checksums compare every byte of every table across hosts).
 */
@Sandboxed(hosts = 3, perTest = true)
class CrashRecoveryIT {
    static SandboxFixture sb;

    private WriteLoad load() {
        return new WriteLoad(() -> sb.app(1), "loadtest");
    }

    private void awaitProgress(WriteLoad load, int moreTxns) {
        int target = load.acknowledgedCount() + moreTxns;
        Await.until("the client to commit " + moreTxns + " more transactions", Duration.ofSeconds(60),
                () -> load.acknowledgedCount() >= target);
    }

    /** Every acknowledged transaction is present exactly once on every host. */
    private void assertExactlyOnce(List<Long> acknowledged) {
        Map<String, String> sums = sb.assertSameData("loadtest");
        assertThat(sums).containsKeys("loadtest.ledger", "loadtest.counter");
        for (int k = 1; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                long rows = Sql.count(c, "SELECT COUNT(*) FROM loadtest.ledger");
                long distinct = Sql.count(c, "SELECT COUNT(DISTINCT txn) FROM loadtest.ledger");
                long counter = Sql.count(c, "SELECT n FROM loadtest.counter WHERE id = 1");
                assertThat(distinct).as("no duplicate transaction on host" + k).isEqualTo(rows);
                assertThat(rows).as("every acknowledged transaction on host" + k)
                        .isGreaterThanOrEqualTo(acknowledged.size());
                assertThat(counter).as("counter matches ledger on host" + k).isEqualTo(rows);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void slaveReplicatorKilledAtRandomMomentsLosesAndDuplicatesNothing() {
        SandboxLayout.Host host2 = sb.host(2);
        List<Long> acked;
        try (WriteLoad load = load()) {
            for (int i = 0; i < 6; i++) {
                awaitProgress(load, ThreadLocalRandom.current().nextInt(50, 400));
                sb.sandbox().killReplicator(host2);
                awaitProgress(load, ThreadLocalRandom.current().nextInt(1, 200));
                sb.sandbox().startReplicator(host2);
                sb.awaitState(2, "ONLINE");
            }
            awaitProgress(load, 100);
            load.close();
            acked = load.acknowledged();
            assertThat(load.errors()).as("the client saw no errors").isZero();
        }
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        assertExactlyOnce(acked);
    }

    @Test
    void masterReplicatorRestartsResumeExtractionWithoutGapOrDuplicate() throws Exception {
        SandboxLayout.Host host1 = sb.host(1);
        List<Long> acked;
        try (WriteLoad load = load()) {
            for (int i = 0; i < 4; i++) {
                awaitProgress(load, ThreadLocalRandom.current().nextInt(50, 400));
                if (i % 2 == 0) {
                    sb.sandbox().killReplicator(host1);
                } else {
                    sb.sandbox().stopReplicator(host1);
                }
                awaitProgress(load, ThreadLocalRandom.current().nextInt(1, 200));
                sb.sandbox().startReplicator(host1);
                sb.awaitState(1, "ONLINE");
            }
            awaitProgress(load, 100);
            load.close();
            acked = load.acknowledged();
        }
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        assertExactlyOnce(acked);
        assertThat(assertMasterThlWhole()).isGreaterThan(acked.size());
    }

    /** Waits until both slaves' applied seqnos stay the same for a second; returns the lower. */
    private long slavesSettled() throws Exception {
        long[] seen = {-2, -2};
        long[] since = {System.nanoTime()};
        Await.until("the slaves' applied seqnos to settle", Duration.ofSeconds(60), () -> {
            long a = sb.appliedSeqno(2);
            long b = sb.appliedSeqno(3);
            if (a != seen[0] || b != seen[1]) {
                seen[0] = a;
                seen[1] = b;
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] > 1_000_000_000L;
        });
        return Math.min(seen[0], seen[1]);
    }

    /** The master's THL: seqnos contiguous, every source transaction (GTID) stored once; returns how many. */
    private long assertMasterThlWhole() throws Exception {
        Set<String> gtids = new HashSet<>();
        long expected = 0;
        for (Map<String, Object> e : thlList(1)) {
            assertThat(((Number) e.get("seqno")).longValue()).as("seqno after " + (expected - 1)).isEqualTo(expected);
            String eventId = String.valueOf(e.get("eventId"));
            assertThat(gtids.add(eventId.substring(eventId.indexOf("gtid=")))).as("GTID stored once: " + eventId)
                    .isTrue();
            expected++;
        }
        return expected;
    }

    private List<Map<String, Object>> thlList(int k) throws Exception {
        SandboxFixture.CliResult list = sb.thl("-host", "host" + k, "list", "-headers", "-json");
        assertThat(list.exitCode()).as(list.stderr()).isZero();
        return new ObjectMapper().readValue(list.stdout(), new TypeReference<List<Map<String, Object>>>() {});
    }

    /**
     * With sync_binlog=1 a master ships each THL record while its fsync runs, so a crash of the
     * master's host can take from its THL records that slaves already hold. Simulated: the
     * master's replicator is killed once the slaves hold everything, and its THL loses its last
     * records (as the unsynced end of a file is lost); restarted, it extracts them again from the
     * binlog with the same seqnos and event ids, the slaves reconnect without a complaint, and
     * nothing is lost or applied twice.
     */
    @Test
    void aMasterWhoseHostLostTheEndOfItsThlExtractsAgainWhatTheSlavesAlreadyHold() throws Exception {
        SandboxLayout.Host host1 = sb.host(1);
        List<Long> acked;
        try (WriteLoad load = load()) {
            awaitProgress(load, 300);
            sb.sandbox().killReplicator(host1);
            List<Map<String, Object>> events = thlList(1);
            Map<String, Object> lastEvent = events.get(events.size() - 1);
            // the slaves apply what was shipped before the kill: a record written but not yet sent stays on the
            // master only (the CI run of 32c9df5 waited 60 s for seqno 331 that way), so wait until they settle
            long held = slavesSettled();
            int cut = events.size() - 10;
            while (!events.get(cut).get("file").equals(lastEvent.get("file"))) {
                cut++;
            }
            Map<String, Object> firstLost = events.get(cut);
            assertThat(((Number) firstLost.get("seqno")).longValue()).as("the records the master's THL loses start"
                    + " with one both slaves hold (they settled at " + held + ")").isLessThanOrEqualTo(held);
            Path file = sb.sandbox().thlDirectory(host1).resolve(String.valueOf(firstLost.get("file")));
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(((Number) firstLost.get("offset")).longValue());
            }
            assertThat(((Number) thlList(1).get(cut - 1).get("seqno")).longValue()).as("the master's THL now ends"
                    + " before what the slaves hold").isLessThan(sb.appliedSeqno(2));
            awaitProgress(load, 100);
            sb.sandbox().startReplicator(host1);
            sb.awaitState(1, "ONLINE");
            awaitProgress(load, 200);
            load.close();
            acked = load.acknowledged();
            assertThat(load.errors()).as("the client saw no errors").isZero();
        }
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        for (int k = 2; k <= 3; k++) {
            assertThat(sb.state(k)).as("host" + k + " reconnected without a complaint").isEqualTo("ONLINE");
        }
        assertExactlyOnce(acked);
        assertThat(assertMasterThlWhole()).isGreaterThan(acked.size());
    }

    @Test
    void slaveDatabaseStopAndStartWhileMasterWritesCatchesUp() {
        SandboxLayout.Host host3 = sb.host(3);
        List<Long> acked;
        try (WriteLoad load = load()) {
            awaitProgress(load, 200);
            sb.sandbox().db(host3).stop();
            awaitProgress(load, 500);
            sb.sandbox().db(host3).start(List.of());
            awaitProgress(load, 200);
            load.close();
            acked = load.acknowledged();
        }
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        assertExactlyOnce(acked);
    }

    @Test
    void masterDatabaseRestartUnderLoadIsRecoveredWithoutTheOperator() {
        SandboxLayout.Host host1 = sb.host(1);
        List<Long> acked;
        try (WriteLoad load = load()) {
            awaitProgress(load, 200);
            sb.sandbox().db(host1).stop();
            Await.until("host1 to plan an auto-recovery attempt", Duration.ofSeconds(60),
                    () -> sb.state(1).equals("OFFLINE:ERROR") && !"NONE".equals(sb.status(1).autoRecoveryNext()),
                    sb::describe);
            SandboxFixture.CliResult status = sb.trepctl("-host", "host1", "status");
            assertThat(status.stdout()).contains("state                   : OFFLINE:ERROR",
                    "pendingError            : Lost the binlog connection to " + host1.address() + ":3306",
                    "autoRecoveryNext        : attempt 1 of 10 in ");
            sb.sandbox().db(host1).start(List.of());
            sb.awaitState(1, "ONLINE");
            awaitProgress(load, 200);
            load.close();
            acked = load.acknowledged();
        }
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        assertExactlyOnce(acked);
        assertThat(sb.status(1).autoRecoveryTotal()).isGreaterThanOrEqualTo(1);
        assertThat(sb.status(1).pendingError()).isEqualTo("NONE");
    }

    @Test
    void offlineDuringALargeTransactionStopsAtABoundaryAndResumes() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE bulk", "CREATE TABLE bulk.t (id INT PRIMARY KEY, v VARCHAR(40))", "USE bulk",
                    "INSERT INTO bulk.t SELECT seq, CONCAT('row-', seq) FROM seq_1_to_100000");
        }
        Await.until("host2 to start receiving the large transaction", Duration.ofSeconds(60),
                () -> sb.status(2).maximumStoredSeqNo() >= sb.appliedSeqno(1) - 1);
        SandboxFixture.CliResult off = sb.trepctl("-host", "host2", "offline");
        assertThat(off.exitCode()).as(off.all()).isZero();
        assertThat(off.stdout()).isEqualTo("host2: OFFLINE:NORMAL\n");
        try (Connection c = sb.admin(2)) {
            long rows = Sql.count(c, "SELECT COUNT(*) FROM bulk.t");
            assertThat(rows).as("a transaction is applied whole or not at all").isIn(0L, 100000L);
        }
        assertThat(sb.trepctl("-host", "host2", "online").exitCode()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(120));
        sb.assertSameData("bulk");
    }
}
