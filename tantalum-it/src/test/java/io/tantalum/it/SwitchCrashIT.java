package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.ManagerApi;
import io.tantalum.cli.install.DaemonProcess;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The coordinator's manager dies (halts as kill -9 would) right after each phase of a switch,
 * under a write load: the next coordinator must finish the switch (from PROMOTING on) or roll it
 * back (before), leaving exactly one writable master, every acknowledged write on every host, and
 * the story in {@code cluster history}.
 */
@Sandboxed(cluster = true)
class SwitchCrashIT {
    static SandboxFixture sb;

    @ParameterizedTest(name = "coordinator killed after {0}")
    @ValueSource(strings = {"PREFLIGHT", "DEMOTE", "FLUSH", "CATCH_UP", "STOP", "PROMOTING", "PROMOTE", "REPOINT",
        "VERIFY"})
    void aSwitchWhoseCoordinatorDiesIsFinishedOrRolledBack(String phase) throws Exception {
        HaChecks.managerFault(sb, "halt.after.phase", phase);
        String coordinator = sb.cluster().coordinator();
        String from = sb.cluster().master();
        String schema = "crash_" + phase.toLowerCase(java.util.Locale.ROOT);
        try (WriteLoad w = HaChecks.load(sb, schema)) {
            Await.until("the first writes", Duration.ofSeconds(30), () -> w.acknowledgedCount() > 10, sb::describe);
            SandboxFixture.CliResult r = sb.cctrl("-e", "switch");
            assertThat(r.exitCode()).as("the switch's coordinator died: " + r.all()).isNotZero();
            DaemonProcess dead = sb.sandbox().daemon(sb.layout().host(coordinator).orElseThrow(),
                    Sandbox.Component.MANAGER).orElseThrow();
            Await.until(coordinator + "'s manager to halt", Duration.ofSeconds(30), () -> !dead.isRunning());
            Await.until("another coordinator to finish the procedure", Duration.ofSeconds(60), () -> {
                try {
                    ManagerApi.ClusterView v = sb.cluster();
                    return v.procedure() == null && v.coordinator() != null && !v.coordinator().equals(coordinator);
                } catch (RuntimeException e) {
                    return false;
                }
            }, () -> sb.cctrl("-e", "ls;cluster history 20").all());
            boolean forward = List.of("PROMOTING", "PROMOTE", "REPOINT", "VERIFY").contains(phase);
            String master = sb.cluster().master();
            assertThat(master.equals(from)).as("rolled back (else finished) after " + phase).isEqualTo(!forward);
            assertOneWritableMaster(HaChecks.index(master));
            String history = sb.cctrl("-e", "cluster history 30").ok().stdout();
            assertThat(history).contains(" " + phase + " ", " RESUME ", "resumed");
            assertThat(history).contains(forward ? " VERIFY " : " UNDO_DEMOTE ");
            int acked = w.acknowledgedCount();
            Await.until("writes on the master", Duration.ofSeconds(30), () -> w.acknowledgedCount() > acked + 5,
                    sb::describe);
            w.close();
            HaChecks.assertNoWriteLost(sb, w, schema);
        }
        // the next case restarts the managers with its own phase; the last leaves them to the sandbox's end
    }

    /** Exactly one database is writable (read_only=OFF), the topology's master, and its replicator is the master. */
    private static void assertOneWritableMaster(int m) {
        Await.until("every replicator ONLINE", Duration.ofSeconds(60), () -> {
            for (int k = 1; k <= 3; k++) {
                if (!sb.state(k).equals("ONLINE")) {
                    return false;
                }
            }
            return true;
        }, sb::describe);
        List<Integer> writable = new ArrayList<>();
        for (int k = 1; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                if (Sql.query(c, "SELECT @@read_only").get(0).get(0).toString().equals("0")) {
                    writable.add(k);
                }
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        assertThat(writable).as("writable databases").containsExactly(m);
        assertThat(sb.master()).as("the master replicator").isEqualTo(m);
    }
}
