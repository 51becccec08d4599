package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.install.DaemonProcess;
import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What the HA tests of a clustered sandbox share: the topology's master, a write load that follows it, the no-loss check. */
final class HaChecks {
    private HaChecks() {}

    /** Waits until a manager other than {@code was}'s is the coordinator. */
    static void awaitAnotherCoordinator(SandboxFixture sb, String was) {
        Await.until("another coordinator than " + was, Duration.ofSeconds(30), () -> {
            try {
                String now = sb.cluster().coordinator();
                return now != null && !now.equals(was);
            } catch (RuntimeException e) {
                return false; // no coordinator to answer yet
            }
        }, sb::describe);
    }

    /** Host index of the master that the topology names. */
    static int topologyMaster(SandboxFixture sb) {
        return index(sb.cluster().master());
    }

    static int index(String host) {
        return Integer.parseInt(host.replaceAll("\\D", ""));
    }

    /** An application session through the sandbox's connector (read/write port), as the app user. */
    static Connection viaConnector(SandboxFixture sb) {
        return Sql.connect("jdbc:mariadb://" + sb.host(1).address() + ":"
                + io.tantalum.cli.sandbox.SandboxLayout.CONNECTOR_PORT + "/", sb.layout().appUser(),
                sb.layout().appPassword());
    }

    static WriteLoad load(SandboxFixture sb) {
        return load(sb, "ha");
    }

    /** A write load into {@code schema} on whatever host the topology names as master. */
    static WriteLoad load(SandboxFixture sb, String schema) {
        return new WriteLoad(() -> sb.app(topologyMaster(sb)), schema);
    }

    /** Every acknowledged transaction is on every host exactly once, and the hosts hold the same data. */
    static void assertNoWriteLost(SandboxFixture sb, WriteLoad w) throws Exception {
        assertNoWriteLost(sb, w, "ha");
    }

    /** Every transaction {@code w} had acknowledged is on every host exactly once; the hosts hold the same {@code schema}. */
    static void assertNoWriteLost(SandboxFixture sb, WriteLoad w, String schema) throws Exception {
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        List<Long> acked = w.acknowledged();
        assertThat(acked).as("acknowledged writes").isNotEmpty();
        for (int k = 1; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                List<List<Object>> dup = Sql.query(c, "SELECT txn, COUNT(*) FROM " + schema + ".ledger GROUP BY txn HAVING COUNT(*) > 1");
                assertThat(dup).as("transactions applied twice on host" + k).isEmpty();
                List<Long> present = new ArrayList<>();
                for (List<Object> r : Sql.query(c, "SELECT txn FROM " + schema + ".ledger")) {
                    present.add(((Number) r.get(0)).longValue());
                }
                assertThat(present).as("acknowledged writes on host" + k).containsAll(acked);
            }
        }
        sb.assertSameData(schema);
    }


    /**
     * Restarts every manager with {@code manager.fault.<key>} set to {@code value} (null: removed; the
     * other fault keys are left as they are), all stopped at once then each started, and waits for a
     * coordinator.
     */
    static void managerFault(SandboxFixture sb, String key, String value) throws IOException {
        String prefix = "manager.fault." + key + "=";
        List<DaemonProcess> managers = sb.hosts().stream()
                .map(h -> sb.sandbox().daemon(h, Sandbox.Component.MANAGER).orElseThrow())
                .toList();
        managers.forEach(m -> m.handle().ifPresent(ProcessHandle::destroy)); // all at once, then wait for each
        for (DaemonProcess m : managers) {
            m.stop();
            List<String> lines = new ArrayList<>(Files.readAllLines(m.config()));
            lines.removeIf(l -> l.startsWith(prefix));
            if (value != null) {
                lines.add(prefix + value);
            }
            Files.write(m.config(), lines);
        }
        for (DaemonProcess m : managers) {
            m.start();
        }
        sb.sandbox().awaitCoordinator(60_000);
    }
}
