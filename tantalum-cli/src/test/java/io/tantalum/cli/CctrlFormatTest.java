package io.tantalum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.ConnectorApi;
import io.tantalum.api.ManagerApi;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code cctrl ls} prints for the connectors and the failover timings (the datasource part is checked by the ITs). */
class CctrlFormatTest {
    private static final ManagerApi.DatasourceView HOST1 = new ManagerApi.DatasourceView("host1", "master", "ONLINE",
            null, "RUNNING", "ONLINE", "master", null, 42, 0, null, "ONLINE", false, "0-1-42", null, 100);

    private static ManagerApi.ClusterView view(List<ManagerApi.ConnectorView> connectors) {
        return new ManagerApi.ClusterView("alpha", "host1", "AUTOMATIC", 3, "host1", "127.0.1.1:2181", "host1", null,
                List.of(HOST1), connectors, new ManagerApi.FailoverTimings(5000, 500, 20000, 600));
    }

    @Test
    void routersAreListedAsTungstenListsThem() {
        ConnectorApi.ConnectorStatus online = new ConnectorApi.ConnectorStatus("host1", "alpha", "host1", 2, 3, 1, 120,
                "CONNECTED", "127.0.1.1:9999", "127.0.1.1:9998", true, 4242);
        ConnectorApi.ConnectorStatus lost = new ConnectorApi.ConnectorStatus("host2", "alpha", "host1", 2, 0, 0, 7,
                "SUSPENDED", "127.0.1.2:9999", "127.0.1.2:9998", false, 4343);
        String ls = CctrlFormat.ls(view(List.of(new ManagerApi.ConnectorView("host1", "127.0.1.1:9999", "ONLINE", online,
                null), new ManagerApi.ConnectorView("host2", "127.0.1.2:9999", "NO-ROUTE", lost, null),
                new ManagerApi.ConnectorView("host3", "127.0.1.3:9999", "UNREACHABLE", null, "no answer within 2 s"))),
                false);
        assertThat(ls).contains("ROUTERS:\n+---",
                "|connector@host1[4242](ONLINE, created=120, active=4: read/write=3, read-only=1, master=host1) ",
                "|connector@host2[4343](NO-ROUTE, created=7, active=0: read/write=0, read-only=0, master=host1, zook|\n"
                        + "|eeper=SUSPENDED) ", // a line longer than the box wraps, as every ls line does
                "|connector@host3(UNREACHABLE at 127.0.1.3:9999: no answer within 2 s) ");
        assertThat(ls.indexOf("ROUTERS:")).isLessThan(ls.indexOf("DATASOURCES:"));
        assertThat(CctrlFormat.ls(view(List.of()), false)).doesNotContain("ROUTERS");
    }

    @Test
    void theLongFormatPrintsTheWorstCaseFailoverTimeFromTheSettings() {
        assertThat(CctrlFormat.ls(view(List.of()), true)).contains("FAILOVER[a dead database is detected within 1.0 s,"
                + " a dead or isolated master host within 5.5 s (its lease, 3.0 s from zookeeper-session-timeout-ms=5000,"
                + " + 1.5 s with no renewal committed, or 4.0 s for the ZooKeeper members to elect a new leader if it"
                + " held theirs, whichever is longer; + 2 observations of 500 ms); then about 1 s of phases, each"
                + " bounded by phase-timeout-ms=20000; no automatic failover"
                + " for 600 s after one (failover-block-period)]");
        assertThat(CctrlFormat.ls(view(List.of()), false)).doesNotContain("FAILOVER[");
    }
}
