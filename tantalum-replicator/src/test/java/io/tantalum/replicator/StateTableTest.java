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
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every state x event pair against the intended transition table. */
class StateTableTest {
    private static final List<Class<? extends ReplicatorEvent>> EVENTS = List.of(ReplicatorEvent.Configured.class,
            ReplicatorEvent.GoOnline.class, ReplicatorEvent.GoOffline.class, ReplicatorEvent.Synchronized.class,
            ReplicatorEvent.ConnectionLost.class, ReplicatorEvent.Failed.class, ReplicatorEvent.Shutdown.class);

    /** state -> {configured, online, offline, synchronized, connectionLost, failed, shutdown}; null = illegal. */
    private static final Map<ReplicatorState, ReplicatorState[]> EXPECTED = Map.of(
            START, new ReplicatorState[] {OFFLINE_NORMAL, null, null, null, null, OFFLINE_ERROR, END},
            OFFLINE_NORMAL, new ReplicatorState[] {null, GOING_ONLINE_SYNCHRONIZING, OFFLINE_NORMAL, null, null,
                OFFLINE_ERROR, END},
            OFFLINE_ERROR, new ReplicatorState[] {null, GOING_ONLINE_SYNCHRONIZING, OFFLINE_NORMAL, null, null,
                OFFLINE_ERROR, END},
            GOING_ONLINE_SYNCHRONIZING, new ReplicatorState[] {null, null, GOING_OFFLINE, ONLINE,
                GOING_ONLINE_SYNCHRONIZING, OFFLINE_ERROR, END},
            ONLINE, new ReplicatorState[] {null, null, GOING_OFFLINE, ONLINE, GOING_ONLINE_SYNCHRONIZING,
                OFFLINE_ERROR, END},
            GOING_OFFLINE, new ReplicatorState[] {null, null, null, null, null, OFFLINE_ERROR, END},
            END, new ReplicatorState[] {null, null, null, null, null, null, null});

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
        assertThatThrownBy(() -> StateTable.require(ONLINE, new ReplicatorEvent.GoOnline(Set.of())))
                .isInstanceOf(TantalumException.class)
                .hasMessage("Cannot go online in state ONLINE: the replicator is already online.");
        assertThatThrownBy(() -> StateTable.require(GOING_OFFLINE, new ReplicatorEvent.GoOffline(false)))
                .hasMessageContaining("wait for OFFLINE:NORMAL");
    }

    @Test
    void displayNamesAreTungstens() {
        assertThat(OFFLINE_NORMAL.display()).isEqualTo("OFFLINE:NORMAL");
        assertThat(GOING_ONLINE_SYNCHRONIZING.display()).isEqualTo("GOING-ONLINE:SYNCHRONIZING");
        assertThat(OFFLINE_ERROR.display()).isEqualTo("OFFLINE:ERROR");
    }
}
