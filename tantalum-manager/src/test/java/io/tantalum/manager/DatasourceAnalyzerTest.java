package io.tantalum.manager;

import static io.tantalum.manager.Snapshots.dbDown;
import static io.tantalum.manager.Snapshots.healthy;
import static io.tantalum.manager.Snapshots.withState;
import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.manager.Topology.Datasource;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of {@link DatasourceAnalyzer}, one row each: current state, observation, policy -> next state. */
class DatasourceAnalyzerTest {
    private static final Observation MASTER = healthy("host1", "master", 100, 0.1);
    private static final Observation SLAVE = healthy("host2", "slave", 100, 0.2);
    private static final Datasource ONLINE = Datasource.ONLINE;
    private static final Datasource OPERATOR_OFFLINE = new Datasource(DatasourceState.OFFLINE,
            DatasourceAnalyzer.OPERATOR_OFFLINE, true);
    private static final Datasource SHUNNED = new Datasource(DatasourceState.SHUNNED, "MANUALLY-SHUNNED", true);
    private static final Datasource FAILED_DB = new Datasource(DatasourceState.FAILED,
            DatasourceAnalyzer.DATASERVER_STOPPED, false);
    private static final Datasource FAILED_REPL = new Datasource(DatasourceState.FAILED,
            DatasourceAnalyzer.REPLICATOR_ERROR, false);

    static Stream<Arguments> rows() {
        return Stream.of(
                // current, observation, policy, expected
                Arguments.of("healthy stays ONLINE", ONLINE, SLAVE, Policy.AUTOMATIC, ONLINE),
                Arguments.of("no observation: no change", FAILED_DB, null, Policy.AUTOMATIC, FAILED_DB),
                Arguments.of("database stopped", ONLINE, dbDown(SLAVE), Policy.AUTOMATIC, FAILED_DB),
                Arguments.of("database stopped, MANUAL", ONLINE, dbDown(SLAVE), Policy.MANUAL, FAILED_DB),
                Arguments.of("database stopped, MAINTENANCE: observe only", ONLINE, dbDown(SLAVE),
                        Policy.MAINTENANCE, ONLINE),
                Arguments.of("replicator in error", ONLINE, withState(SLAVE, "OFFLINE:ERROR"), Policy.AUTOMATIC,
                        FAILED_REPL),
                Arguments.of("replicator stopped", ONLINE, withState(SLAVE, Observation.STOPPED), Policy.AUTOMATIC,
                        new Datasource(DatasourceState.FAILED, DatasourceAnalyzer.REPLICATOR_STOPPED, false)),
                Arguments.of("operator took it offline", ONLINE, withState(SLAVE, "OFFLINE:NORMAL"),
                        Policy.AUTOMATIC, OPERATOR_OFFLINE),
                Arguments.of("operator offline beats a failure", FAILED_DB, withState(dbDown(SLAVE), "OFFLINE:NORMAL"),
                        Policy.AUTOMATIC, OPERATOR_OFFLINE),
                Arguments.of("operator offline stays while the db is down", OPERATOR_OFFLINE, withState(dbDown(SLAVE),
                        "OFFLINE:ERROR"), Policy.AUTOMATIC, OPERATOR_OFFLINE),
                Arguments.of("operator put it online again", OPERATOR_OFFLINE, SLAVE, Policy.MANUAL, ONLINE),
                Arguments.of("recovered in AUTOMATIC", FAILED_DB, SLAVE, Policy.AUTOMATIC, ONLINE),
                Arguments.of("not recovered in MANUAL", FAILED_DB, SLAVE, Policy.MANUAL, FAILED_DB),
                Arguments.of("not recovered while far behind", FAILED_DB, Snapshots.behind(SLAVE, 50, 90),
                        Policy.AUTOMATIC, FAILED_DB),
                Arguments.of("shunned stays shunned", SHUNNED, SLAVE, Policy.AUTOMATIC, SHUNNED),
                Arguments.of("shunned stays shunned when it fails", SHUNNED, dbDown(SLAVE), Policy.AUTOMATIC, SHUNNED),
                Arguments.of("going online: wait", FAILED_REPL, withState(SLAVE, "GOING-ONLINE:SYNCHRONIZING"),
                        Policy.AUTOMATIC, FAILED_REPL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void derivesTheNextState(String name, Datasource now, Observation o, Policy policy, Datasource expected) {
        Topology t = Snapshots.topology().withPolicy(policy).with("host2", now);
        var a = DatasourceAnalyzer.analyze(t, o == null ? Snapshots.all(MASTER) : Snapshots.all(MASTER, o), 30);
        assertThat(a.topology().datasource("host2")).isEqualTo(expected);
        assertThat(a.changed()).isEqualTo(!expected.equals(now));
        if (a.changed()) {
            assertThat(a.changes()).containsExactly("host2: " + now.display() + " -> " + expected.display());
        }
    }

    @ParameterizedTest(name = "no observation: {0}")
    @MethodSource("unreachableRows")
    void aSlaveWithoutObservationFailsOnlyWhenTheCoordinatorCannotReachItsDatabaseEither(String name, Datasource now,
            boolean reachable, Policy policy, Datasource expected) {
        Topology t = Snapshots.topology().withPolicy(policy).with("host2", now);
        var a = DatasourceAnalyzer.analyze(t, Snapshots.all(MASTER), reachable ? java.util.Set.of()
                : java.util.Set.of("host2"), 30);
        assertThat(a.topology().datasource("host2")).isEqualTo(expected);
    }

    static Stream<Arguments> unreachableRows() {
        Datasource failedHost = new Datasource(DatasourceState.FAILED, DatasourceAnalyzer.HOST_UNREACHABLE, false);
        return Stream.of(
                Arguments.of("cut off or down", ONLINE, false, Policy.AUTOMATIC, failedHost),
                Arguments.of("cut off, in MANUAL too", ONLINE, false, Policy.MANUAL, failedHost),
                Arguments.of("its manager restarting, its database answers", ONLINE, true, Policy.AUTOMATIC, ONLINE),
                Arguments.of("already failed: keeps its first reason", FAILED_DB, false, Policy.AUTOMATIC, FAILED_DB),
                Arguments.of("shunned stays shunned", SHUNNED, false, Policy.AUTOMATIC, SHUNNED),
                Arguments.of("offline by an operator stays", OPERATOR_OFFLINE, false, Policy.AUTOMATIC,
                        OPERATOR_OFFLINE),
                Arguments.of("maintenance: nothing changes", ONLINE, false, Policy.MAINTENANCE, ONLINE));
    }

    @Test
    void theMasterIsNeverMarkedByThisRule() {
        Topology t = Snapshots.topology();
        var a = DatasourceAnalyzer.analyze(t, Snapshots.all(), java.util.Set.of(t.master()), 30);
        assertThat(a.topology().datasource(t.master())).isEqualTo(t.datasource(t.master()));
    }

    static Stream<Arguments> repointRows() {
        Observation old = new Observation("host2", 0, true, true, "0-1-90", null, "GOING-ONLINE:SYNCHRONIZING", "slave",
                90, 90, 0, 0, null, "thl://127.0.1.3:2112/", null);
        return Stream.of(
                // name, host2's state in the topology, its observation, policy, expected
                Arguments.of("follows an old master after missing a failover's REPOINT", FAILED_REPL, old,
                        Policy.AUTOMATIC, true),
                Arguments.of("follows the master", ONLINE, SLAVE, Policy.AUTOMATIC, false),
                Arguments.of("MANUAL: the operator repoints", FAILED_REPL, old, Policy.MANUAL, false),
                Arguments.of("shunned: left alone", SHUNNED, old, Policy.AUTOMATIC, false),
                Arguments.of("offline by an operator: left alone", OPERATOR_OFFLINE, withState(old, "OFFLINE:NORMAL"),
                        Policy.AUTOMATIC, false),
                Arguments.of("its database down: nothing to repoint yet", FAILED_REPL, dbDown(old), Policy.AUTOMATIC,
                        false));
    }

    @ParameterizedTest(name = "repoint: {0}")
    @MethodSource("repointRows")
    void aSlaveFollowingAnotherMasterIsRepointedOnlyInAutomatic(String name, Datasource now, Observation o, Policy p,
            boolean repoint) {
        Topology t = Snapshots.topology().withPolicy(p).with("host2", now);
        assertThat(DatasourceAnalyzer.analyze(t, Snapshots.all(MASTER, o), java.util.Set.of(), 30,
                "thl://127.0.1.1:2112/").repoint().contains("host2")).isEqualTo(repoint);
    }

    @ParameterizedTest(name = "recover: {0}")
    @MethodSource("recoverRows")
    void asksAFailedSlavesReplicatorOnlineOnlyInAutomaticWithItsDatabaseUp(String name, Observation o, Policy p,
            boolean recover) {
        Topology t = Snapshots.topology().withPolicy(p).with("host2", FAILED_REPL);
        assertThat(DatasourceAnalyzer.analyze(t, Snapshots.all(MASTER, o), 30).recover().contains("host2"))
                .isEqualTo(recover);
    }

    static Stream<Arguments> recoverRows() {
        Observation error = withState(SLAVE, "OFFLINE:ERROR");
        return Stream.of(
                Arguments.of("database up, replicator in error", error, Policy.AUTOMATIC, true),
                Arguments.of("MANUAL", error, Policy.MANUAL, false),
                Arguments.of("database still down", dbDown(error), Policy.AUTOMATIC, false),
                Arguments.of("replicator stopped", withState(SLAVE, Observation.STOPPED), Policy.AUTOMATIC, false));
    }
}
