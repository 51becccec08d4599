package io.tantalum.manager;

import static io.tantalum.manager.Snapshots.all;
import static io.tantalum.manager.Snapshots.dbDown;
import static io.tantalum.manager.Snapshots.healthy;
import static io.tantalum.manager.Snapshots.withState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.manager.Topology.Datasource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Candidate choice and every refusal of a switch's preflight, on snapshot records. */
class CandidatePolicyTest {
    private static final Observation M = healthy("host1", "master", 100, 0);
    private static final Observation S2 = healthy("host2", "slave", 100, 0.5);
    private static final Observation S3 = healthy("host3", "slave", 100, 0.2);
    private static final String URI = "thl://127.0.1.1:2112/";

    @Test
    void theBestSlaveHasTheMostAppliedThenTheLeastLagThenComesFirst() {
        Topology t = Snapshots.topology();
        assertThat(CandidatePolicy.choose(t, all(M, S2, S3), null, 30, URI)).isEqualTo("host3");
        assertThat(CandidatePolicy.choose(t, all(M, Snapshots.behind(S3, 99, 1), S2), null, 30, URI)).isEqualTo("host2");
        assertThat(CandidatePolicy.choose(t, all(M, healthy("host2", "slave", 100, 0.2), S3), null, 30, URI))
                .isEqualTo("host2");
        assertThat(CandidatePolicy.choose(t.with("host3", new Datasource(DatasourceState.SHUNNED, "MANUALLY-SHUNNED",
                true)), all(M, S2, S3), null, 30, URI)).isEqualTo("host2");
    }

    static Stream<Arguments> refusals() {
        Topology t = Snapshots.topology();
        return Stream.of(
                Arguments.of("unknown host", t, all(M, S2, S3), "host9", ErrorCode.INVALID_ARGUMENT,
                        "Cannot switch to host9: it is not a member of alpha (members: host1, host2, host3)."
                                + " Nothing was changed."),
                Arguments.of("the master", t, all(M, S2, S3), "host1", ErrorCode.FAILED_PRECONDITION,
                        "Cannot switch to host1: it is already the master."),
                Arguments.of("shunned", t.with("host2", new Datasource(DatasourceState.SHUNNED, "MANUALLY-SHUNNED",
                        true)), all(M, S2, S3), "host2", ErrorCode.FAILED_PRECONDITION,
                        "Cannot switch to host2: it is SHUNNED(MANUALLY-SHUNNED); run `datasource host2 welcome` first."),
                Arguments.of("failed", t.with("host2", new Datasource(DatasourceState.FAILED, "DATASERVER-STOPPED",
                        false)), all(M, dbDown(S2), S3), "host2", ErrorCode.FAILED_PRECONDITION,
                        "it is FAILED(DATASERVER-STOPPED); repair it and run `datasource host2 recover` first"),
                Arguments.of("offline", t.with("host2", new Datasource(DatasourceState.OFFLINE,
                        DatasourceAnalyzer.OPERATOR_OFFLINE, true)), all(M, S2, S3), "host2",
                        ErrorCode.FAILED_PRECONDITION, "it is OFFLINE(REPLICATOR-OFFLINE-BY-OPERATOR); run"
                                + " `datasource host2 online` first"),
                Arguments.of("lagging", t, all(M, Snapshots.behind(S2, 40, 95), S3), "host2",
                        ErrorCode.FAILED_PRECONDITION, "Cannot switch to host2: it is 95.0 s behind the master"
                                + " (limit 30 s); wait until it has caught up. Nothing was changed."),
                Arguments.of("no manager on the candidate", t, all(M, S3), "host2", ErrorCode.FAILED_PRECONDITION,
                        "its manager is not running"),
                Arguments.of("replicator not online", t, all(M, withState(S2, "OFFLINE:ERROR"), S3), "host2",
                        ErrorCode.FAILED_PRECONDITION, "its replicator is OFFLINE:ERROR (slave), not an ONLINE slave"),
                Arguments.of("follows another master", t, all(M, new Observation("host2", 0, true, true, null, null,
                        "ONLINE", "slave", 100, 100, 0, 0, null, "thl://127.0.1.3:2112/", null), S3), "host2",
                        ErrorCode.FAILED_PRECONDITION, "it replicates from thl://127.0.1.3:2112/, not from the master"
                                + " host1 (thl://127.0.1.1:2112/); run `datasource host2 recover` first"),
                Arguments.of("master database down", t, all(dbDown(M), S2, S3), "host2", ErrorCode.FAILED_PRECONDITION,
                        "Cannot switch: the master host1 cannot hand over: its database is not reachable"),
                Arguments.of("no slave can take over", t, all(M, dbDown(S2), withState(S3, "OFFLINE:NORMAL")), null,
                        ErrorCode.FAILED_PRECONDITION, "Cannot switch: no slave can take over (host2: its database is"
                                + " not reachable (Connection refused); host3: its replicator is OFFLINE:NORMAL"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesWithTheReason(String name, Topology t, Map<String, Observation> obs, String to, ErrorCode code,
            String message) {
        assertThatThrownBy(() -> CandidatePolicy.choose(t, obs, to, 30, URI)).isInstanceOf(TantalumException.class)
                .hasMessageContaining(message).extracting(e -> ((TantalumException) e).code()).isEqualTo(code);
    }

    /** After FENCE: the candidate by what each slave's replicator says it stored now. */
    @ParameterizedTest(name = "chosen {0}, requested {1}, stored {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
        // chosen | requested | stored (host=seqno,...) | candidate, or the refusal's words
        "host3 | | host2=4001,host3=3962 | host2",
        "host3 | | host2=4001,host3=4001 | host3",
        "host2 | | host2=4001,host3=4001 | host2",
        "host3 | | host2=4001 | host2",
        "host2 | | host3=10 | host3",
        "host2 | host2 | host2=4001,host3=3962 | host2",
        "host3 | host3 | host2=4001,host3=3962 | !Cannot fail over to host3: it stored THL up to seqno 3962 but host2"
            + " stored up to 4001; promoting host3 would lose what only host2 holds. Run `cctrl failover to host2`",
        "host3 | host3 | host2=4001 | !Cannot fail over to host3: its replicator did not answer",
        "host3 | | | !no slave's replicator answered",
    })
    void aFailoverConfirmsItsCandidateByWhatTheSlavesStoredNow(String chosen, String requested, String stored,
            String expected) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (stored != null) {
            for (String kv : stored.split(",")) {
                m.put(kv.split("=")[0], Long.parseLong(kv.split("=")[1]));
            }
        }
        if (expected.startsWith("!")) {
            assertThatThrownBy(() -> CandidatePolicy.confirmForFailover(chosen, requested, m))
                    .isInstanceOf(TantalumException.class).hasMessageContaining(expected.substring(1));
        } else {
            assertThat(CandidatePolicy.confirmForFailover(chosen, requested, m)).isEqualTo(expected);
        }
    }

    static Stream<Arguments> rebuildSources() {
        Topology t = Snapshots.topology();
        Topology host3Shunned = t.with("host3", new Datasource(DatasourceState.SHUNNED, "FAILED-OVER-TO-host1", true));
        return Stream.of(
                Arguments.of("the slave that applied the most", t, all(M, S2, healthy("host3", "slave", 90, 0)),
                        "host3", null, "host2"),
                Arguments.of("a lagging slave is a source", t, all(M, Snapshots.behind(S2, 40, 95), S3), "host3", null,
                        "host2"),
                Arguments.of("the other slave, not the target", t, all(M, S2, healthy("host3", "slave", 120, 0)),
                        "host3", null, "host2"),
                Arguments.of("a named slave", t, all(M, S2, S3), "host3", "host2", "host2"),
                Arguments.of("the master is the target", t, all(M, S2, S3), "host1", null,
                        "!Cannot rebuild host1: it is the master. Switch to another host first"),
                Arguments.of("the master named", host3Shunned, all(M, S2, S3), "host3", "host1",
                        "!Cannot rebuild host3 from host1: it is the master, and a rebuild copies a slave"),
                Arguments.of("the target named", host3Shunned, all(M, S2, S3), "host3", "host3",
                        "!Cannot rebuild host3 from host3: it is the host being rebuilt"),
                Arguments.of("an unknown source", t, all(M, S2, S3), "host3", "host9",
                        "!Cannot rebuild host3 from host9: it is not a member of alpha"),
                Arguments.of("a named source that is not an ONLINE slave", t, all(M, withState(S2, "OFFLINE:ERROR"),
                        S3), "host3", "host2", "!Cannot rebuild host3 from host2: its replicator is OFFLINE:ERROR"
                                + " (slave), not an ONLINE slave. Nothing was changed."),
                Arguments.of("no other slave", t.with("host2", new Datasource(DatasourceState.FAILED,
                        "DATASERVER-STOPPED", false)), all(M, dbDown(S2), S3), "host3", null,
                        "!Cannot rebuild host3: no slave of the master host1 to copy from (host2: it is"
                                + " FAILED(DATASERVER-STOPPED); repair it and run `datasource host2 recover` first)."
                                + " Bring a slave online first, or restore a backup of the master on host3 by hand"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rebuildSources")
    void aRebuildCopiesAnOnlineSlaveOfTheMaster(String name, Topology t, Map<String, Observation> obs, String target,
            String requested, String expected) {
        if (expected.startsWith("!")) {
            assertThatThrownBy(() -> CandidatePolicy.rebuildSource(t, obs, target, requested, URI))
                    .isInstanceOf(TantalumException.class).hasMessageContaining(expected.substring(1));
        } else {
            assertThat(CandidatePolicy.rebuildSource(t, obs, target, requested, URI)).isEqualTo(expected);
        }
    }
}
