package io.tantalum.replicator;

import static io.tantalum.replicator.ReplicatorState.END;
import static io.tantalum.replicator.ReplicatorState.GOING_OFFLINE;
import static io.tantalum.replicator.ReplicatorState.GOING_ONLINE_SYNCHRONIZING;
import static io.tantalum.replicator.ReplicatorState.OFFLINE_ERROR;
import static io.tantalum.replicator.ReplicatorState.OFFLINE_NORMAL;
import static io.tantalum.replicator.ReplicatorState.ONLINE;
import static io.tantalum.replicator.ReplicatorState.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.TantalumException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every state x event pair against the intended transition table. */
class StateTableTest {
    private static final List<Class<? extends ReplicatorEvent>> EVENTS = List.of(ReplicatorEvent.Configured.class,
            ReplicatorEvent.GoOnline.class, ReplicatorEvent.GoOffline.class, ReplicatorEvent.Synchronized.class,
            ReplicatorEvent.ConnectionLost.class, ReplicatorEvent.Failed.class, ReplicatorEvent.Shutdown.class,
            ReplicatorEvent.SetRole.class, ReplicatorEvent.Reset.class, ReplicatorEvent.OfflinePointReached.class);

    private static final ReplicatorState X = null;
    private static final ReplicatorState SYNC = GOING_ONLINE_SYNCHRONIZING;

    /**
     * state -> {configured, online, offline, synchronized, connectionLost, failed, shutdown, setrole, reset,
     * offlinePointReached}; X = illegal.
     */
    private static final Map<ReplicatorState, ReplicatorState[]> EXPECTED = Map.of(
            START, new ReplicatorState[] {OFFLINE_NORMAL, X, X, X, X, OFFLINE_ERROR, END, X, X, X},
            OFFLINE_NORMAL, new ReplicatorState[] {X, SYNC, OFFLINE_NORMAL, X, X, OFFLINE_ERROR, END, OFFLINE_NORMAL,
                OFFLINE_NORMAL, X},
            OFFLINE_ERROR, new ReplicatorState[] {X, SYNC, OFFLINE_NORMAL, X, X, OFFLINE_ERROR, END, OFFLINE_ERROR,
                OFFLINE_ERROR, X},
            SYNC, new ReplicatorState[] {X, X, GOING_OFFLINE, ONLINE, SYNC, OFFLINE_ERROR, END, X, X, GOING_OFFLINE},
            ONLINE, new ReplicatorState[] {X, X, GOING_OFFLINE, ONLINE, SYNC, OFFLINE_ERROR, END, X, X, GOING_OFFLINE},
            GOING_OFFLINE, new ReplicatorState[] {X, X, X, X, X, OFFLINE_ERROR, END, X, X, X},
            END, new ReplicatorState[] {X, X, X, X, X, X, X, X, X, X});

    @Test
    void everyStateAndEventPairMatchesTheTable() {
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrder(ReplicatorState.values());
        for (ReplicatorState s : ReplicatorState.values()) {
            for (int i = 0; i < EVENTS.size(); i++) {
                assertThat(StateTable.next(s, EVENTS.get(i))).as(s + " x " + EVENTS.get(i).getSimpleName())
                        .isEqualTo(EXPECTED.get(s)[i]);
            }
        }
    }

    @Test
    void illegalCommandsNameTheStateAndWhatToDo() {
        assertThatThrownBy(() -> StateTable.require(ONLINE, ReplicatorEvent.GoOnline.plain()))
                .isInstanceOf(TantalumException.class)
                .hasMessage("Cannot go online in state ONLINE: the replicator is already online.");
        assertThatThrownBy(() -> StateTable.require(GOING_OFFLINE, new ReplicatorEvent.GoOffline(false)))
                .hasMessageContaining("wait for OFFLINE:NORMAL");
        assertThatThrownBy(() -> StateTable.require(ONLINE, new ReplicatorEvent.SetRole(
                ReplicatorSettings.Role.MASTER, null)))
                .hasMessage("Cannot change role in state ONLINE: put the replicator offline first (`trepctl offline`).");
    }

    @Test
    void displayNamesAreTungstens() {
        assertThat(OFFLINE_NORMAL.display()).isEqualTo("OFFLINE:NORMAL");
        assertThat(GOING_ONLINE_SYNCHRONIZING.display()).isEqualTo("GOING-ONLINE:SYNCHRONIZING");
        assertThat(OFFLINE_ERROR.display()).isEqualTo("OFFLINE:ERROR");
    }
}
