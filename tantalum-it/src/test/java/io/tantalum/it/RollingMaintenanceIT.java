package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.testkit.Sql;
import io.tantalum.testkit.WriteLoad;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 18-step rolling maintenance of a 3-host dataservice, driven with trepctl and tpm only,
 * while a client keeps writing to whichever host is master. At every step the roles and states
 * are those of the procedure's table; at the end every host holds the same data and every write
 * the client saw acknowledged.
 */
@Sandboxed(hosts = 3)
class RollingMaintenanceIT {
    static SandboxFixture sb;

    /** A connection to the host whose replicator is the ONLINE master, as an application would find it. */
    private static Connection currentMaster() {
        for (int k = 1; k <= 3; k++) {
            try {
                var st = sb.status(k);
                if ("master".equals(st.role()) && "ONLINE".equals(st.state())) {
                    return sb.app(k);
                }
            } catch (RuntimeException e) {
                // that host is down: look at the next one
            }
        }
        throw new IllegalStateException("no ONLINE master right now");
    }

    private static void run(SandboxFixture.CliResult r) {
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    /** Expected per host: "master", "slave" (ONLINE in that role) or "offline" (OFFLINE:NORMAL). */
    private static void expect(String step, String... roles) {
        for (int k = 1; k <= 3; k++) {
            var st = sb.status(k);
            String want = roles[k - 1];
            if (want.equals("offline")) {
                assertThat(st.state()).as(step + ": host" + k + " state").isEqualTo("OFFLINE:NORMAL");
            } else {
                assertThat(st.state()).as(step + ": host" + k + " state").isEqualTo("ONLINE");
                assertThat(st.role()).as(step + ": host" + k + " role").isEqualTo(want);
            }
        }
    }

    private static void waitOnline(String host) {
        run(sb.trepctl("-host", host, "wait", "-state", "ONLINE", "-limit", "60"));
    }

    /** flush on the master, then wait on the host until it applied the flushed seqno. */
    private static void ensureCaughtUp(String master, String host) {
        SandboxFixture.CliResult flush = sb.trepctl("-host", master, "flush");
        run(flush);
        String seqno = flush.stdout().trim().replaceAll(".*: ", "");
        run(sb.trepctl("-host", host, "wait", "-applied", seqno, "-limit", "120"));
        SandboxFixture.CliResult status = sb.trepctl("-host", host, "status");
        assertThat(status.stdout()).contains("state                   : ONLINE");
    }

    private static void maintenance(String host) {
        run(sb.tpm("sandbox", "stop", "--host", host, "--component", "db"));
        run(sb.tpm("sandbox", "start", "--host", host, "--component", "db"));
    }

    private static void validate() {
        SandboxFixture.CliResult v = sb.tpm("validate");
        assertThat(v.exitCode()).as(v.all()).isZero();
        assertThat(v.stdout()).contains("Validation passed");
    }

    /** The manual "switching master hosts" procedure. */
    private static void switchMaster(String from, String to, String other) {
        run(sb.trepctl("-host", from, "purge", "-y"));
        SandboxFixture.CliResult flush = sb.trepctl("-host", from, "flush");
        run(flush);
        String seqno = flush.stdout().trim().replaceAll(".*: ", "");
        run(sb.trepctl("-host", to, "wait", "-applied", seqno, "-limit", "120"));
        run(sb.trepctl("-host", other, "wait", "-applied", seqno, "-limit", "120"));
        for (String h : List.of(from, to, other)) {
            run(sb.trepctl("-host", h, "offline"));
        }
        run(sb.trepctl("-host", to, "setrole", "-role", "master"));
        run(sb.trepctl("-host", from, "setrole", "-role", "slave", "-uri", "thl://" + to + ":2112/"));
        run(sb.trepctl("-host", other, "setrole", "-role", "slave", "-uri", "thl://" + to + ":2112/"));
        run(sb.trepctl("-host", to, "online"));
        waitOnline(to);
        run(sb.trepctl("-host", from, "online"));
        run(sb.trepctl("-host", other, "online"));
        waitOnline(from);
        waitOnline(other);
    }

    @Test
    void rollingMaintenanceOfTheWholeDataservice() throws Exception {
        List<Long> acked;
        try (WriteLoad load = new WriteLoad(RollingMaintenanceIT::currentMaster, "app")) {
            expect("1 initial state", "master", "slave", "slave");
            for (String[] slave : new String[][] {{"host2", "2"}, {"host3", "3"}}) {
                String h = slave[0];
                String[] offline = slave[1].equals("2")
                        ? new String[] {"master", "offline", "slave"} : new String[] {"master", "slave", "offline"};
                run(sb.trepctl("-host", h, "offline"));
                expect("set " + h + " offline", offline);
                maintenance(h);
                expect("maintenance on " + h, offline);
                validate();
                run(sb.trepctl("-host", h, "online"));
                waitOnline(h);
                expect("set " + h + " online", "master", "slave", "slave");
                ensureCaughtUp("host1", h);
            }
            switchMaster("host1", "host2", "host3");
            expect("12 switch to host2", "slave", "master", "slave");
            run(sb.trepctl("-host", "host1", "offline"));
            expect("13 host1 offline", "offline", "master", "slave");
            maintenance("host1");
            validate();
            expect("15 validate host1", "offline", "master", "slave");
            run(sb.trepctl("-host", "host1", "online"));
            waitOnline("host1");
            expect("16 host1 online", "slave", "master", "slave");
            ensureCaughtUp("host2", "host1");
            switchMaster("host2", "host1", "host3");
            expect("18 switch back to host1", "master", "slave", "slave");
            int before = load.acknowledgedCount();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60))
                    .until(() -> load.acknowledgedCount() > before + 50);
            load.close();
            acked = load.acknowledged();
        }
        ensureCaughtUp("host1", "host2");
        ensureCaughtUp("host1", "host3");
        sb.assertSameData("app");
        for (int k = 1; k <= 3; k++) {
            try (Connection c = sb.admin(k)) {
                long rows = Sql.count(c, "SELECT COUNT(*) FROM app.ledger");
                assertThat(Sql.count(c, "SELECT COUNT(DISTINCT txn) FROM app.ledger")).isEqualTo(rows);
                String list = acked.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("0");
                assertThat(Sql.count(c, "SELECT COUNT(*) FROM app.ledger WHERE txn IN (" + list + ")"))
                        .as("every acknowledged write on host" + k).isEqualTo(acked.size());
            }
        }
        assertThat(acked.size()).isGreaterThan(100);
    }
}
