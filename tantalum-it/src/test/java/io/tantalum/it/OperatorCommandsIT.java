package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.testkit.Sql;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** trepctl's maintenance commands and tpm validate, with their errors, against a real sandbox. */
@Sandboxed(hosts = 3)
class OperatorCommandsIT {
    static SandboxFixture sb;

    @BeforeAll
    static void createData() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE ops", "CREATE TABLE ops.t (id INT PRIMARY KEY AUTO_INCREMENT, v INT)");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    private static void write(int n) throws Exception {
        try (Connection c = sb.app(1)) {
            for (int i = 0; i < n; i++) {
                Sql.exec(c, "INSERT INTO ops.t (v) VALUES (" + i + ")");
            }
        }
    }

    private static long flush() {
        SandboxFixture.CliResult r = sb.trepctl("-host", "host1", "flush");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).startsWith("Master log is synchronized with database at log sequence number: ");
        return Long.parseLong(r.stdout().trim().replaceAll(".*: ", ""));
    }

    @Test
    void offlineDeferredStopsExactlyAtTheSeqno() throws Exception {
        long at = flush() + 3;
        SandboxFixture.CliResult r = sb.trepctl("-host", "host3", "offline-deferred", "-at-seqno", Long.toString(at));
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(sb.status(3).offlineRequests()).isEqualTo("Offline at seqno " + at);
        write(10);
        SandboxFixture.CliResult w = sb.trepctl("-host", "host3", "wait", "-state", "OFFLINE:NORMAL", "-limit", "60");
        assertThat(w.exitCode()).as(w.all()).isZero();
        assertThat(sb.appliedSeqno(3)).isEqualTo(at);
        assertThat(sb.trepctl("-host", "host3", "online", "-until-seqno", Long.toString(at + 2)).exitCode()).isZero();
        assertThat(sb.trepctl("-host", "host3", "wait", "-state", "OFFLINE:NORMAL", "-limit", "60").exitCode()).isZero();
        assertThat(sb.appliedSeqno(3)).isEqualTo(at + 2);
        assertThat(sb.trepctl("-host", "host3", "online").exitCode()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("ops");
    }

    @Test
    void heartbeatsAreStoredAndCanStopASlave() {
        assertThat(sb.trepctl("-host", "host2", "offline-deferred", "-at-heartbeat", "nightly").exitCode()).isZero();
        SandboxFixture.CliResult hb = sb.trepctl("-host", "host1", "heartbeat", "-name", "nightly");
        assertThat(hb.exitCode()).as(hb.all()).isZero();
        long seqno = Long.parseLong(hb.stdout().trim().replaceAll(".* seqno ", ""));
        assertThat(sb.trepctl("-host", "host2", "wait", "-state", "OFFLINE:NORMAL", "-limit", "60").exitCode()).isZero();
        assertThat(sb.appliedSeqno(2)).isEqualTo(seqno);
        SandboxFixture.CliResult list = sb.thl("-host", "host2", "list", "-seqno", Long.toString(seqno), "-headers");
        assertThat(list.stdout()).contains("heartbeat=nightly");
        assertThat(sb.trepctl("-host", "host2", "online").exitCode()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @Test
    void qsAndStatusSections() {
        SandboxFixture.CliResult qs = sb.trepctl("-host", "host2", "qs");
        assertThat(qs.exitCode()).as(qs.all()).isZero();
        assertThat(qs.stdout()).contains("host2: ONLINE slave, reading from thl://" + sb.host(1).address(), "applied seqno");
        SandboxFixture.CliResult stores = sb.trepctl("-host", "host1", "status", "-name", "stores");
        assertThat(stores.stdout()).contains("storeClass", "maximumStoredSeqNo").containsPattern("fsyncOnFlush +: true");
        SandboxFixture.CliResult tasks = sb.trepctl("-host", "host2", "status", "-name", "tasks", "-json");
        assertThat(tasks.stdout()).contains("\"stage\" : \"thl-to-dbms\"");
        SandboxFixture.CliResult bogus = sb.trepctl("-host", "host2", "status", "-name", "bogus");
        assertThat(bogus.exitCode()).isEqualTo(2);
        assertThat(bogus.stderr()).contains("Unknown status section 'bogus'");
    }

    @Test
    void badInputChangesNothing() {
        SandboxFixture.CliResult setrole = sb.trepctl("-host", "host2", "setrole", "-role", "master");
        assertThat(setrole.exitCode()).isEqualTo(3);
        assertThat(setrole.stderr()).contains("Cannot change role in state ONLINE", "trepctl offline");
        assertThat(sb.status(2).role()).isEqualTo("slave");

        SandboxFixture.CliResult flushSlave = sb.trepctl("-host", "host2", "flush");
        assertThat(flushSlave.exitCode()).isEqualTo(3);
        assertThat(flushSlave.stderr()).contains("needs an ONLINE master", "this replicator is slave");

        SandboxFixture.CliResult wait = sb.trepctl("-host", "host2", "wait", "-applied", "999999", "-limit", "1");
        assertThat(wait.exitCode()).isEqualTo(5);
        assertThat(wait.stderr()).contains("Timed out after 1s waiting for host2 to apply seqno 999999");

        SandboxFixture.CliResult uri = sb.trepctl("-host", "host2", "setrole", "-role", "slave", "-uri", "host1:2112");
        assertThat(uri.exitCode()).isEqualTo(2);
        assertThat(uri.stderr()).contains("'host1:2112' is not a THL URI");

        SandboxFixture.CliResult uriHost = sb.trepctl("-host", "host2", "setrole", "-role", "slave", "-uri",
                "thl://nosuch:2112/");
        assertThat(uriHost.exitCode()).isEqualTo(2);
        assertThat(uriHost.stderr()).contains("Unknown host 'nosuch'");

        SandboxFixture.CliResult role = sb.trepctl("-host", "host2", "setrole", "-role", "boss");
        assertThat(role.exitCode()).isNotZero();

        SandboxFixture.CliResult reset = sb.trepctl("-host", "host2", "reset", "-all", "-y");
        assertThat(reset.exitCode()).isEqualTo(3);
        assertThat(reset.stderr()).contains("Cannot reset in state ONLINE");

        SandboxFixture.CliResult deferred = sb.trepctl("-host", "host2", "offline-deferred");
        assertThat(deferred.exitCode()).isEqualTo(2);

        SandboxFixture.CliResult time = sb.trepctl("-host", "host2", "offline-deferred", "-at-time", "tomorrow");
        assertThat(time.exitCode()).isEqualTo(2);
        assertThat(time.stderr()).contains("'tomorrow' is not a time");

        SandboxFixture.CliResult purgeSlave = sb.trepctl("-host", "host2", "purge", "-y");
        assertThat(purgeSlave.exitCode()).isEqualTo(3);

        SandboxFixture.CliResult unknown = sb.trepctl("-host", "host9", "status");
        assertThat(unknown.exitCode()).isEqualTo(2);

        assertThat(sb.state(2)).isEqualTo("ONLINE");
        assertThat(sb.status(2).offlineRequests()).isEqualTo("NONE");
    }

    @Test
    void validateNamesTheHostAndTheSettingThenPassesAfterTheFix() {
        SandboxLayout.Host host2 = sb.host(2);
        assertThat(sb.trepctl("-host", "host2", "offline").exitCode()).isZero();
        sb.sandbox().db(host2).stop();
        sb.sandbox().db(host2).start(List.of("--binlog-format=STATEMENT"));
        SandboxFixture.CliResult bad = sb.tpm("validate");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stdout()).contains("ERROR >> host2 >> binlog_format is STATEMENT, it must be ROW",
                "(BinlogSettingsCheck)", "Validation failed: 1 error(s)");
        SandboxFixture.CliResult skipped = sb.tpm("validate", "--skip-validation-check=BinlogSettingsCheck");
        assertThat(skipped.exitCode()).isZero();

        sb.sandbox().db(host2).stop();
        sb.sandbox().db(host2).start(List.of());
        SandboxFixture.CliResult good = sb.tpm("validate");
        assertThat(good.exitCode()).as(good.all()).isZero();
        assertThat(good.stdout()).contains("Validation passed: 0 error(s)");
        assertThat(sb.trepctl("-host", "host2", "online").exitCode()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }
}
