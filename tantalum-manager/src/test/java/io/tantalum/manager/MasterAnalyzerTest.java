package io.tantalum.manager;

import static io.tantalum.manager.Snapshots.all;
import static io.tantalum.manager.Snapshots.dbDown;
import static io.tantalum.manager.Snapshots.healthy;
import static io.tantalum.manager.Snapshots.withState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.TantalumException;
import io.tantalum.manager.MasterAnalyzer.Code;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every code of {@link MasterAnalyzer}, including the ones that must not fail over, and the failover candidate. */
class MasterAnalyzerTest {
    private static final Observation MASTER = healthy("host1", "master", 100, 0);
    private static final Observation S2 = healthy("host2", "slave", 100, 0.2);
    private static final Observation S3 = healthy("host3", "slave", 100, 0.3);
    private static final Set<String> ALL = Set.of("host1", "host2", "host3");
    private static final Set<String> SLAVES_ONLY = Set.of("host2", "host3");

    private static Observation lost(Observation o) {
        return withState(o, "GOING-ONLINE:SYNCHRONIZING");
    }

    static Stream<Arguments> rows() {
        Observation masterDbDown = withState(dbDown(MASTER), "OFFLINE:ERROR");
        return Stream.of(
                // name, sessions, fresh observations, expected code
                Arguments.of("healthy master", ALL, all(MASTER, S2, S3), Code.MASTER_OK),
                Arguments.of("healthy master, slaves reconnecting: a slave problem, not the master's", ALL,
                        all(MASTER, lost(S2), lost(S3)), Code.MASTER_OK),
                Arguments.of("database dead: manager and every slave agree", ALL, all(masterDbDown, lost(S2), lost(S3)),
                        Code.DEAD_MASTER_DB),
                Arguments.of("database dead, one slave's manager silent: the other confirms", ALL,
                        all(masterDbDown, lost(S2)), Code.DEAD_MASTER_DB),
                Arguments.of("only the manager cannot reach the database: a slave still replicates", ALL,
                        all(masterDbDown, lost(S2), S3), Code.MASTER_DB_UNREACHABLE_FROM_MANAGER_ONLY),
                Arguments.of("host dead: session gone, no slave gets THL", SLAVES_ONLY, all(lost(S2), lost(S3)),
                        Code.DEAD_MASTER_HOST),
                Arguments.of("only the master's manager is down: slaves still replicate", SLAVES_ONLY, all(S2, S3),
                        Code.MASTER_MANAGER_DOWN),
                Arguments.of("master's observation stale while its session holds: its lease holds", ALL,
                        all(lost(S2), lost(S3)), Code.MASTER_OBSERVATION_STALE),
                Arguments.of("database dead but no slave reports: cannot confirm", ALL, all(masterDbDown),
                        Code.NO_SLAVE_TO_CONFIRM),
                Arguments.of("host gone and no slave reports: cannot confirm", Set.of(), Map.of(),
                        Code.NO_SLAVE_TO_CONFIRM));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void namesTheSituation(String name, Set<String> sessions, Map<String, Observation> fresh, Code expected) {
        MasterAnalyzer.Analysis a = MasterAnalyzer.analyze(Snapshots.topology(), sessions, fresh);
        assertThat(a.code()).isEqualTo(expected);
        assertThat(a.master()).isEqualTo("host1");
        assertThat(a.code().failover).isEqualTo(expected == Code.DEAD_MASTER_DB || expected == Code.DEAD_MASTER_HOST);
    }

    static Stream<Arguments> leaseRows() {
        return Stream.of(
                // name, fresh observations, expected code: the master's session lives on, its lease ran out
                Arguments.of("isolated host: lease run out, session not yet expired, no slave gets THL",
                        all(lost(S2), lost(S3)), Code.DEAD_MASTER_HOST),
                Arguments.of("lease run out but the slaves still replicate: only the manager is cut off",
                        all(S2, S3), Code.MASTER_MANAGER_DOWN),
                Arguments.of("lease run out but the master's manager still reports its database up",
                        all(MASTER, lost(S2), lost(S3)), Code.MASTER_OK),
                Arguments.of("lease run out, no slave reports: cannot confirm", Map.of(), Code.NO_SLAVE_TO_CONFIRM));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("leaseRows")
    void aLeaseSeenRunOutCountsAsTheHostGoneBeforeItsSessionExpires(String name, Map<String, Observation> fresh,
            Code expected) {
        MasterAnalyzer.Analysis a = MasterAnalyzer.analyze(Snapshots.topology(), ALL, Set.of("host1"), fresh);
        assertThat(a.code()).isEqualTo(expected);
        if (expected == Code.DEAD_MASTER_HOST) {
            assertThat(a.detail()).contains("no renewal of its manager's lease committed");
        }
    }

    @Test
    void aShunnedSlaveIsNoWitness() {
        Topology t = Snapshots.topology().with("host3", new Topology.Datasource(DatasourceState.SHUNNED, "x", true));
        MasterAnalyzer.Analysis a = MasterAnalyzer.analyze(t, ALL, all(withState(dbDown(MASTER), "OFFLINE:ERROR"),
                S3));
        assertThat(a.code()).isEqualTo(Code.NO_SLAVE_TO_CONFIRM);
    }

    @Test
    void theCandidateHasTheMostStoredThlThenTheLeastLagThenComesFirst() {
        Topology t = Snapshots.topology();
        Observation behind = lost(Snapshots.behind(S2, 90, 5));
        assertThat(CandidatePolicy.forFailover(t, all(behind, lost(S3)), null)).isEqualTo("host3");
        assertThat(CandidatePolicy.forFailover(t, all(lost(S2), lost(S3)), null)).isEqualTo("host2"); // less lag
        assertThat(CandidatePolicy.forFailover(t, all(lost(S3)), null)).isEqualTo("host3"); // host2 silent
        assertThat(CandidatePolicy.forFailover(t, all(lost(S2), withState(S3, "OFFLINE:ERROR")), "host2"))
                .isEqualTo("host2");
        assertThatThrownBy(() -> CandidatePolicy.forFailover(t, all(lost(S2), withState(S3, "OFFLINE:ERROR")),
                "host3")).isInstanceOf(TantalumException.class).hasMessageContaining("Cannot fail over to host3: its"
                        + " replicator is OFFLINE:ERROR");
        assertThatThrownBy(() -> CandidatePolicy.forFailover(t.with("host2", new Topology.Datasource(
                DatasourceState.SHUNNED, "MANUALLY-SHUNNED", true)), all(lost(S2), dbDown(S3)), null))
                .hasMessageContaining("no slave can take over (host2: it is SHUNNED(MANUALLY-SHUNNED); host3: its"
                        + " database is not reachable");
    }
}
