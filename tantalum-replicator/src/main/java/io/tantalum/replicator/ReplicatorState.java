package io.tantalum.replicator;

/** The operational states of a replicator, with Tungsten's names. */
public enum ReplicatorState {
    /** The process is starting and has not read its configuration yet. */
    START("START"),
    /** Stopped on purpose: no extraction, shipping or apply. Safe to change role or configuration. */
    OFFLINE_NORMAL("OFFLINE:NORMAL"),
    /** Stopped by an error; {@code pendingError*} in the status say where and why. */
    OFFLINE_ERROR("OFFLINE:ERROR"),
    /** Going online: connecting to the binlog (master) or to the master's THL (slave). */
    GOING_ONLINE_SYNCHRONIZING("GOING-ONLINE:SYNCHRONIZING"),
    /** Replicating. */
    ONLINE("ONLINE"),
    /** Stopping the pipeline at a transaction boundary. */
    GOING_OFFLINE("GOING-OFFLINE"),
    /** The process is shutting down. */
    END("END");

    private final String display;

    ReplicatorState(String display) {
        this.display = display;
    }

    /** The name operators see, e.g. {@code OFFLINE:NORMAL}. */
    public String display() {
        return display;
    }

    public boolean isOffline() {
        return this == OFFLINE_NORMAL || this == OFFLINE_ERROR;
    }
}
