package io.tantalum.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.manager.DatasourceState;
import io.tantalum.manager.Observation;
import io.tantalum.manager.Topology;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    private static Observation obs(String host, long applied, double latency, String state) {
        return new Observation(host, 0, true, !host.equals("host1"), "", null, state, host.equals("host1") ? "master"
                : "slave", applied, applied, latency, latency, null, null, null);
    }

    private static final Topology T = Topology.initial("alpha", "host1", List.of("host1", "host2", "host3"), "x", 0);

    @Test
    void readWriteGoesToTheTopologysMasterOnly() {
        assertThat(Router.route(T, Map.of(), false, 5)).hasValue("host1");
        assertThat(Router.route(T.withMaster("host2"), Map.of(), false, 5)).hasValue("host2");
        assertThat(Router.route(null, Map.of(), false, 5)).isEmpty();
    }

    @Test
    void readOnlyGoesToTheLeastLaggingHealthySlaveElseTheMaster() {
        Map<String, Observation> all = Map.of("host1", obs("host1", 10, 0, "ONLINE"), "host2", obs("host2", 10, 0.5,
                "ONLINE"), "host3", obs("host3", 10, 0.2, "ONLINE"));
        assertThat(Router.route(T, all, true, 5)).hasValue("host3");
        Map<String, Observation> lagging = Map.of("host1", obs("host1", 10, 0, "ONLINE"), "host2", obs("host2", 10,
                0.5, "ONLINE"), "host3", obs("host3", 10, 9, "ONLINE"));
        assertThat(Router.route(T, lagging, true, 5)).hasValue("host2");
        Map<String, Observation> offline = Map.of("host1", obs("host1", 10, 0, "ONLINE"), "host2", obs("host2", 10,
                0.5, "OFFLINE:NORMAL"), "host3", obs("host3", 10, 9, "ONLINE"));
        assertThat(Router.route(T, offline, true, 5)).hasValue("host1");
        assertThat(Router.route(T.with("host3", new Topology.Datasource(DatasourceState.SHUNNED, "shun", true)), all,
                true, 5)).hasValue("host2");
        assertThat(Router.route(T, Map.of(), true, 5)).hasValue("host1");
    }

    @Test
    void withoutZooKeeperOnlyAMasterSeenWritableMomentsAgoGetsSessions() {
        long now = 10_000_000_000L;
        long second = 1_000_000_000L;
        record Row(Topology last, Router.MasterCheck check, String expected) {}
        List<Row> rows = List.of(
                new Row(T, new Router.MasterCheck("host1", true, now - 200_000_000L), "host1"),
                new Row(T, new Router.MasterCheck("host1", true, now - 2 * second), null), // too old
                new Row(T, new Router.MasterCheck("host1", false, now), null), // read_only=ON: fenced or demoted
                new Row(T, new Router.MasterCheck("host2", true, now), null), // a host the topology did not name
                new Row(T, null, null), // never checked
                new Row(null, new Router.MasterCheck("host1", true, now), null)); // no topology ever seen
        for (Row r : rows) {
            assertThat(Router.routeWithoutZooKeeper(r.last(), r.check(), now, second)).as(r.toString())
                    .isEqualTo(java.util.Optional.ofNullable(r.expected()));
        }
    }
}
