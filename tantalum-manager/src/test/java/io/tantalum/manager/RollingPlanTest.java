package io.tantalum.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.TantalumException;
import io.tantalum.manager.RollingPlan.Options;
import io.tantalum.manager.RollingPlan.Step;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The plan of a rolling maintenance: the order of the steps and every host's role and state after each. */
class RollingPlanTest {
    private static final Topology THREE = Snapshots.topology();
    private static final Topology FIVE = Topology.initial("alpha", "host1", List.of("host1", "host2", "host3", "host4",
            "host5"), "test", 0);

    /** One line per step: number, action, host, then the hosts' cells. */
    private static String outline(Topology t, List<Step> steps) {
        return steps.stream().map(s -> s.number() + " " + s.action() + " " + s.host() + ": " + t.datasources().keySet()
                .stream().map(h -> s.after().get(h)).collect(Collectors.joining(", "))).collect(Collectors.joining("\n"));
    }

    @Test
    void threeHostsAsTheSeedTable() {
        List<Step> steps = RollingPlan.plan(THREE, new Options(List.of(), true, "restart-db.sh", List.of()));
        assertThat(outline(THREE, steps)).isEqualTo(String.join("\n",
                "1 SHUN host2: Master, Slave (shunned), Slave",
                "2 OFFLINE host2: Master, Offline (shunned), Slave",
                "3 MAINTAIN host2: Master, Offline (shunned), Slave",
                "4 VALIDATE host2: Master, Offline (shunned), Slave",
                "5 ONLINE host2: Master, Slave (shunned), Slave",
                "6 CATCH_UP host2: Master, Slave (shunned), Slave",
                "7 WELCOME host2: Master, Slave, Slave",
                "8 SHUN host3: Master, Slave, Slave (shunned)",
                "9 OFFLINE host3: Master, Slave, Offline (shunned)",
                "10 MAINTAIN host3: Master, Slave, Offline (shunned)",
                "11 VALIDATE host3: Master, Slave, Offline (shunned)",
                "12 ONLINE host3: Master, Slave, Slave (shunned)",
                "13 CATCH_UP host3: Master, Slave, Slave (shunned)",
                "14 WELCOME host3: Master, Slave, Slave",
                "15 SWITCH host2: Slave, Master, Slave",
                "16 SHUN host1: Slave (shunned), Master, Slave",
                "17 OFFLINE host1: Offline (shunned), Master, Slave",
                "18 MAINTAIN host1: Offline (shunned), Master, Slave",
                "19 VALIDATE host1: Offline (shunned), Master, Slave",
                "20 ONLINE host1: Slave (shunned), Master, Slave",
                "21 CATCH_UP host1: Slave (shunned), Master, Slave",
                "22 WELCOME host1: Slave, Master, Slave",
                "23 SWITCH host1: Master, Slave, Slave"));
        assertThat(steps.get(2).command()).isEqualTo("maintenance/restart-db.sh on host2");
        assertThat(steps.get(20).command()).isEqualTo("trepctl -host host2 flush; trepctl -host host1 wait -applied N");
    }

    @Test
    void fiveHostsWithAnOrderThatPutsTheMasterInTheMiddle() {
        List<Step> steps = RollingPlan.plan(FIVE, new Options(List.of("host4", "host1", "host2", "host5", "host3"),
                true, null, List.of()));
        assertThat(steps).hasSize(5 * 7 + 2);
        assertThat(steps.stream().filter(s -> s.action() == RollingPlan.Action.SHUN).map(Step::host))
                .containsExactly("host4", "host1", "host2", "host5", "host3");
        // the master goes after host4, to which the master switches, and comes back at the very end
        assertThat(steps.get(7).action()).isEqualTo(RollingPlan.Action.SWITCH);
        assertThat(steps.get(7).host()).isEqualTo("host4");
        assertThat(steps.get(36).action()).isEqualTo(RollingPlan.Action.SWITCH);
        assertThat(steps.get(36).host()).isEqualTo("host1");
        assertThat(steps.get(36).after()).containsEntry("host1", "Master").containsEntry("host4", "Slave");
        assertThat(steps.get(10).command()).startsWith("(pause: the operator works on host1");
        assertThat(steps.get(13).command()).isEqualTo("trepctl -host host4 flush; trepctl -host host1 wait -applied N");
    }

    @Test
    void withoutSwitchBackTheFirstMaintainedSlaveStaysMaster() {
        List<Step> steps = RollingPlan.plan(THREE, new Options(List.of("host3", "host2", "host1"), false, "x", null));
        assertThat(steps).hasSize(22);
        assertThat(steps.get(14).action()).isEqualTo(RollingPlan.Action.SWITCH);
        assertThat(steps.get(14).host()).isEqualTo("host3");
        assertThat(steps.get(21).after()).containsEntry("host3", "Master").containsEntry("host1", "Slave");
    }

    @ParameterizedTest(name = "--order {0}")
    @CsvSource(delimiter = '|', value = {
        "host1,host2,host3 | the master host1 comes first in --order, and a master is maintained after a switch to a"
            + " host already maintained. Put at least one slave before it.",
        "host2,host9,host1,host3 | --order host2,host9,host1,host3: host9 is not a member of alpha. List every member"
            + " once (host1, host2, host3).",
        "host2,host2,host1,host3 | host2 is listed twice",
        "host2,host1 | it leaves out host3",
    })
    void aWrongOrderIsRefused(String order, String message) {
        assertThatThrownBy(() -> RollingPlan.plan(THREE, new Options(List.of(order.split(",")), true, null, null)))
                .isInstanceOf(TantalumException.class).hasMessageContaining(message);
    }

    @Test
    void theTableHasTheInitialStateThenOneRowPerStep() {
        String table = RollingPlan.table(THREE, RollingPlan.plan(THREE, new Options(List.of(), true, null, null)));
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(2 + 1 + 23);
        assertThat(lines.get(0)).startsWith("| step | action ").contains("| host ", "| command ", "| host1 ",
                "| host3 ");
        assertThat(lines).allSatisfy(l -> assertThat(l).hasSize(lines.get(0).length()));
        assertThat(lines.get(2)).contains("| 0    | initial state |").contains("| Master ");
        assertThat(lines.get(25)).contains("| 23   | SWITCH ").contains("cctrl -e \"switch to host1\"");
    }

    /** The run as ZooKeeper keeps it reads back the same, and a record written before a field existed still reads. */
    @Test
    void theRunRecordRoundTripsThroughJson() throws Exception {
        Options o = new Options(List.of("host3", "host2", "host1"), false, "set-mariadb-option", List.of("a", "1"), 90);
        MaintenanceRun run = new MaintenanceRun("maintenance-1", o, "host1", RollingPlan.plan(THREE, o),
                List.of(new MaintenanceRun.StepResult(1, "ok", 5, "host3: ONLINE -> SHUNNED(MAINTENANCE)")), 1,
                MaintenanceRun.RUNNING, "step 2 of 22", "host2", 10, 20);
        assertThat(ZkStore.JSON.readValue(ZkStore.JSON.writeValueAsBytes(run), MaintenanceRun.class)).isEqualTo(run);
        Options old = ZkStore.JSON.readValue("{\"order\":[],\"switchBack\":true,\"script\":null,\"args\":[]}",
                Options.class);
        assertThat(old).isEqualTo(new Options(List.of(), true, null, List.of()));
    }
}
