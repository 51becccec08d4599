package io.tantalum.replicator;

import static io.tantalum.replicator.ReplicatorState.END;
import static io.tantalum.replicator.ReplicatorState.GOING_OFFLINE;
import static io.tantalum.replicator.ReplicatorState.GOING_ONLINE_SYNCHRONIZING;
import static io.tantalum.replicator.ReplicatorState.OFFLINE_ERROR;
import static io.tantalum.replicator.ReplicatorState.OFFLINE_NORMAL;
import static io.tantalum.replicator.ReplicatorState.ONLINE;
import static io.tantalum.replicator.ReplicatorState.START;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * The replicator's transition table, declared as data: (state, event class) -> next state.
 * A pair absent from the table is an illegal transition. Immutable, thread-safe.
 */
public final class StateTable {
    private static final Map<ReplicatorState, Map<Class<? extends ReplicatorEvent>, ReplicatorState>> TABLE =
            new EnumMap<>(ReplicatorState.class);

    static {
        on(START, ReplicatorEvent.Configured.class, OFFLINE_NORMAL);
        on(START, ReplicatorEvent.Failed.class, OFFLINE_ERROR);
        on(OFFLINE_NORMAL, ReplicatorEvent.GoOnline.class, GOING_ONLINE_SYNCHRONIZING);
        on(OFFLINE_NORMAL, ReplicatorEvent.GoOffline.class, OFFLINE_NORMAL);
        on(OFFLINE_NORMAL, ReplicatorEvent.Failed.class, OFFLINE_ERROR);
        on(OFFLINE_NORMAL, ReplicatorEvent.SetRole.class, OFFLINE_NORMAL);
        on(OFFLINE_NORMAL, ReplicatorEvent.Reset.class, OFFLINE_NORMAL);
        on(OFFLINE_ERROR, ReplicatorEvent.SetRole.class, OFFLINE_ERROR);
        on(OFFLINE_ERROR, ReplicatorEvent.Reset.class, OFFLINE_ERROR);
        on(OFFLINE_ERROR, ReplicatorEvent.GoOnline.class, GOING_ONLINE_SYNCHRONIZING);
        on(OFFLINE_ERROR, ReplicatorEvent.AutoRecover.class, GOING_ONLINE_SYNCHRONIZING);
        on(OFFLINE_ERROR, ReplicatorEvent.GoOffline.class, OFFLINE_NORMAL);
        on(OFFLINE_ERROR, ReplicatorEvent.Failed.class, OFFLINE_ERROR);
        on(GOING_ONLINE_SYNCHRONIZING, ReplicatorEvent.Synchronized.class, ONLINE);
        on(GOING_ONLINE_SYNCHRONIZING, ReplicatorEvent.ConnectionLost.class, GOING_ONLINE_SYNCHRONIZING);
        on(GOING_ONLINE_SYNCHRONIZING, ReplicatorEvent.GoOffline.class, GOING_OFFLINE);
        on(GOING_ONLINE_SYNCHRONIZING, ReplicatorEvent.Failed.class, OFFLINE_ERROR);
        on(GOING_ONLINE_SYNCHRONIZING, ReplicatorEvent.OfflinePointReached.class, GOING_OFFLINE);
        on(ONLINE, ReplicatorEvent.OfflinePointReached.class, GOING_OFFLINE);
        on(ONLINE, ReplicatorEvent.ConnectionLost.class, GOING_ONLINE_SYNCHRONIZING);
        on(ONLINE, ReplicatorEvent.Synchronized.class, ONLINE);
        on(ONLINE, ReplicatorEvent.GoOffline.class, GOING_OFFLINE);
        on(ONLINE, ReplicatorEvent.Failed.class, OFFLINE_ERROR);
        on(GOING_OFFLINE, ReplicatorEvent.Failed.class, OFFLINE_ERROR);
        for (ReplicatorState s : ReplicatorState.values()) {
            if (s != END) {
                on(s, ReplicatorEvent.Shutdown.class, END);
            }
        }
    }

    private StateTable() {}

    private static void on(ReplicatorState from, Class<? extends ReplicatorEvent> event, ReplicatorState to) {
        TABLE.computeIfAbsent(from, k -> new HashMap<>()).put(event, to);
    }

    /** The next state, or null when the event is not allowed in {@code from}. */
    public static ReplicatorState next(ReplicatorState from, Class<? extends ReplicatorEvent> event) {
        Map<Class<? extends ReplicatorEvent>, ReplicatorState> m = TABLE.get(from);
        return m == null ? null : m.get(event);
    }

    /** The next state, or an INVALID error naming the state and the command. */
    public static ReplicatorState require(ReplicatorState from, ReplicatorEvent event) {
        ReplicatorState to = next(from, event.getClass());
        if (to == null) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot " + verb(event) + " in state "
                    + from.display() + ": " + hint(from, event));
        }
        return to;
    }

    private static String verb(ReplicatorEvent e) {
        if (e instanceof ReplicatorEvent.GoOnline) {
            return "go online";
        }
        if (e instanceof ReplicatorEvent.SetRole) {
            return "change role";
        }
        if (e instanceof ReplicatorEvent.Reset) {
            return "reset";
        }
        return e instanceof ReplicatorEvent.GoOffline ? "go offline" : "handle " + e.getClass().getSimpleName();
    }

    private static String hint(ReplicatorState from, ReplicatorEvent e) {
        if (e instanceof ReplicatorEvent.GoOnline && (from == ONLINE || from == GOING_ONLINE_SYNCHRONIZING)) {
            return "the replicator is already online.";
        }
        if ((e instanceof ReplicatorEvent.SetRole || e instanceof ReplicatorEvent.Reset) && !from.isOffline()) {
            return "put the replicator offline first (`trepctl offline`).";
        }
        if (from == GOING_OFFLINE) {
            return "the replicator is going offline; wait for OFFLINE:NORMAL and retry.";
        }
        return "this operation is not allowed in this state.";
    }
}
