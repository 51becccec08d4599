package io.tantalum.replicator;

import io.tantalum.replicator.internal.apply.SqlScriptWriter;
import io.tantalum.thl.ThlEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * THL transactions as a SQL script an operator reads and runs with the {@code mariadb} client (the
 * way to keep an old master's orphaned transactions before it is rebuilt: {@code thl list -sql}).
 * Row changes become the applier's INSERT, UPDATE and DELETE statements with exact literals,
 * statements run as logged; the replicator's catalogs are left out. A transaction's fragments are
 * gathered into one database transaction. Not thread-safe.
 */
public final class SqlScript {
    private final SqlScriptWriter writer;
    private final List<ThlEvent.Change> pending = new ArrayList<>();

    public SqlScript(String header) {
        this.writer = new SqlScriptWriter(header, "tantalum_");
    }

    /** Adds a THL event; the transaction is written when its last fragment comes. */
    public void add(ThlEvent e) {
        pending.addAll(e.changes());
        if (e.lastFrag()) {
            writer.transaction("seqno " + e.seqno() + " (" + e.eventId() + "), from " + e.sourceId(), pending);
            pending.clear();
        }
    }

    /** The script; a transaction whose last fragment never came is left out. */
    public String script() {
        return writer.script();
    }
}
