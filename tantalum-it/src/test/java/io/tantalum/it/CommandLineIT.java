package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.testkit.Sql;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What operators see from trepctl, thl and tpm: output, JSON and exit codes. */
@Sandboxed(hosts = 3)
class CommandLineIT {
    static SandboxFixture sb;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void createData() throws Exception {
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "CREATE DATABASE cli", "CREATE TABLE cli.t (id INT PRIMARY KEY, v VARCHAR(20))",
                    "INSERT INTO cli.t VALUES (1, 'x')");
        }
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @Test
    void statusPrintsTungstenFieldsAlignedAndAsJson() throws Exception {
        SandboxFixture.CliResult r = sb.trepctl("-host", "host2", "status");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).startsWith("Processing status command...").contains(
                "appliedLastSeqno        : " + sb.appliedSeqno(1), "role                    : slave",
                "state                   : ONLINE", "masterConnectUri        : thl://" + sb.host(1).address() + ":2112/",
                "serviceName             : alpha", "pendingError            : NONE")
                .endsWith("Finished status command...\n");
        Map<String, Object> json = JSON.readValue(sb.trepctl("-host", "host1", "status", "-json").stdout(),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
        assertThat(json.get("role")).isEqualTo("master");
        assertThat(json.get("state")).isEqualTo("ONLINE");
        for (String field : List.of("appliedLastEventId", "appliedLatency", "relativeLatency", "latestEpochNumber",
                "minimumStoredSeqNo", "maximumStoredSeqNo", "currentEventId", "masterListenUri", "pipelineSource",
                "sourceId", "host", "dataServerHost", "pendingErrorSeqno", "pendingErrorEventId", "offlineRequests",
                "timeInStateSeconds", "uptimeSeconds", "version")) {
            assertThat(json).containsKey(field);
        }
    }

    @Test
    void offlineAndOnlineChangeStateAndReplicationResumes() throws Exception {
        SandboxFixture.CliResult off = sb.trepctl("-host", "host3", "offline");
        assertThat(off.exitCode()).as(off.all()).isZero();
        assertThat(off.stdout()).isEqualTo("host3: OFFLINE:NORMAL\n");
        try (Connection c = sb.app(1)) {
            Sql.exec(c, "INSERT INTO cli.t VALUES (2, 'while offline')");
        }
        try (Connection c = sb.admin(3)) {
            assertThat(Sql.count(c, "SELECT COUNT(*) FROM cli.t WHERE id = 2")).isZero();
        }
        assertThat(sb.trepctl("-host", "host3", "offline").exitCode()).isZero();
        SandboxFixture.CliResult on = sb.trepctl("-host", "host3", "online");
        assertThat(on.exitCode()).as(on.all()).isZero();
        SandboxFixture.CliResult again = sb.trepctl("-host", "host3", "online");
        assertThat(again.exitCode()).isEqualTo(3);
        assertThat(again.stderr()).contains("already online");
        sb.awaitCaughtUp(Duration.ofSeconds(60));
        sb.assertSameData("cli");

        SandboxFixture.CliResult imm = sb.trepctl("-host", "host2", "offline", "-immediate");
        assertThat(imm.stdout()).isEqualTo("host2: OFFLINE:NORMAL\n");
        assertThat(sb.trepctl("-host", "host2", "online").exitCode()).isZero();
        sb.awaitCaughtUp(Duration.ofSeconds(60));
    }

    @Test
    void servicesAndVersion() {
        SandboxFixture.CliResult r = sb.trepctl("-host", "host1", "services");
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).contains("serviceName      : alpha", "role             : master", "state            : ONLINE");
        assertThat(sb.trepctl("version").stdout()).startsWith("Tantalum ");
    }

    @Test
    void badInputGivesAClearMessageAndANonZeroExitCode() {
        SandboxFixture.CliResult unknown = sb.trepctl("-host", "nosuchhost", "status");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).contains("Unknown host 'nosuchhost'", "host1, host2, host3");

        SandboxFixture.CliResult service = sb.trepctl("-host", "host2", "-service", "beta", "status");
        assertThat(service.exitCode()).isEqualTo(2);
        assertThat(service.stderr()).contains("Service 'beta' is not running on host2", "alpha");

        SandboxFixture.CliResult skip = sb.trepctl("-host", "host2", "online", "-skip-seqno", "abc");
        assertThat(skip.exitCode()).isNotZero();

        SandboxFixture.CliResult noCmd = sb.trepctl("-host", "host2", "frobnicate");
        assertThat(noCmd.exitCode()).isNotZero();
        assertThat(noCmd.stderr()).contains("frobnicate");

        SandboxFixture.CliResult twice = sb.tpm("sandbox", "deploy", "--dir", sb.dir().toString());
        assertThat(twice.exitCode()).isEqualTo(3);
        assertThat(twice.stderr()).contains("A sandbox is already deployed in " + sb.dir(), "tpm sandbox destroy");
    }

    @Test
    void tpmSandboxStatusJsonListsHostsAndTheClientAccount() throws Exception {
        SandboxFixture.CliResult r = sb.tpm("sandbox", "status", "--json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        Map<?, ?> json = JSON.readValue(r.stdout(), Map.class);
        List<?> hosts = (List<?>) json.get("hosts");
        assertThat(hosts).hasSize(3);
        Map<?, ?> h2 = (Map<?, ?>) hosts.get(1);
        assertThat(h2.get("name")).isEqualTo("host2");
        assertThat(h2.get("address")).isEqualTo(sb.host(2).address());
        assertThat(h2.get("dbPort")).isEqualTo(3306);
        assertThat(h2.get("thlPort")).isEqualTo(2112);
        assertThat(h2.get("adminPort")).isEqualTo(10000);
        assertThat(h2.get("role")).isEqualTo("slave");
        assertThat(h2.get("state")).isEqualTo("ONLINE");
        assertThat(h2.get("user")).isEqualTo("app");
        assertThat(h2.containsKey("password")).as("a password in the output").isFalse();
        assertThat(h2.get("clientOptions")).isEqualTo(sb.dir().resolve("app.cnf").toString());
        SandboxFixture.CliResult text = sb.tpm("sandbox", "status");
        assertThat(text.stdout()).contains("host1", "master", "ONLINE");
    }

    @Test
    void thlListInfoAndIndex() throws Exception {
        SandboxFixture.CliResult list = sb.thl("-host", "host2", "list", "-low", "0", "-high", "100");
        assertThat(list.exitCode()).as(list.all()).isZero();
        assertThat(list.stdout()).contains("SEQ# = 0 / FRAG# = 0 (last frag)", "- EPOCH# = 0", "- SOURCEID = host1",
                "- SQL(0) = CREATE DATABASE cli", "- ACTION = INSERT", "- TABLE = t", "COL(2: v) = x");
        SandboxFixture.CliResult one = sb.thl("-host", "host1", "list", "-seqno", "2", "-headers");
        assertThat(one.stdout()).contains("SEQ# = 2 /").doesNotContain("SEQ# = 1 /", "ACTION");
        Map<?, ?> info = JSON.readValue(sb.thl("-host", "host1", "info", "-json").stdout(), Map.class);
        assertThat(info.get("minSeqno")).isEqualTo(0);
        assertThat(((Number) info.get("maxSeqno")).longValue()).isGreaterThanOrEqualTo(2);
        SandboxFixture.CliResult index = sb.thl("-host", "host1", "index");
        assertThat(index.stdout()).startsWith("LogIndexEntry thl.data.0000000001(0:");
        SandboxFixture.CliResult missing = sb.thl("-dir", "/nonexistent", "info");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr()).contains("THL directory /nonexistent does not exist");
    }
}
