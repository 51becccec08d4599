package io.tantalum.manager;

/** A datasource's state in the topology, as {@code cctrl ls} shows it (Tungsten's names). */
public enum DatasourceState {
    /** Serving: a master taking writes, or a slave replicating from the master. */
    ONLINE,
    /** Not serving because an operator took its replicator offline; the manager never undoes that. */
    OFFLINE,
    /** Excluded by an operator ({@code datasource shun}) or by a procedure; only welcome/recover end it. */
    SHUNNED,
    /** Its database or replicator failed; the reason says which. AUTOMATIC recovers it once healthy. */
    FAILED
}
