package io.tantalum.manager;

import io.tantalum.api.ReplicatorApi;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's side of fencing. The manager of the host the topology names as master holds a lease:
 * its ZooKeeper session. The moment its connection is SUSPENDED or LOST it fences its own database
 * ({@code read_only=ON}, client sessions ended, through its replicator's purge; directly if the
 * replicator does not answer), because a coordinator elsewhere may fail over once the session
 * expires. A ZooKeeper client notices a silent connection after two thirds of the session timeout,
 * the ensemble expires the session after the whole of it: the fence comes at least a third of the
 * timeout before any failover can (docs/switchover-and-failover.md, "Fencing").
 *
 * <p>The fence is lifted by the coordinator, under its lock (so never during a switch or a failover),
 * once this manager publishes again and the topology still names this host as master
 * ({@code Coordinator.unfenceMaster}). Thread-safe.
 */
final class MasterLease {
    private static final Logger LOG = LoggerFactory.getLogger(MasterLease.class);

    private final String host;
    private final Dataservice ds;
    private final ZkStore store;
    /** The topology's master as last read while connected. */
    private volatile String master;
    /** Fenced since the connection was lost (once per loss). */
    private volatile boolean fenced;
    /** The manager is shutting down: its connection closes on purpose, nothing to fence. */
    private volatile boolean closing;

    MasterLease(String host, Dataservice ds, ZkStore store) {
        this.host = host;
        this.ds = ds;
        this.store = store;
    }

    /** Called each observation round while connected: remembers the topology's master. */
    void observe() {
        try {
            store.topology().ifPresent(v -> master = v.value().master());
            fenced = false;
        } catch (TantalumException e) {
            LOG.debug("lease: {}", e.getMessage());
        }
    }

    void connectionChanged(ConnectionState s) {
        if ((s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) && host.equals(master) && !fenced
                && !closing) {
            fenced = true;
            Threads.start("lease-fence", this::fence); // never on Curator's event thread
        }
    }

    /** The manager stops: its session ends on purpose (its member node goes, the slaves still replicate). */
    void close() {
        closing = true;
    }

    private void fence() {
        try {
            int ended = ds.replicator(host).call(ReplicatorApi.PURGE).killed();
            LOG.warn("ZooKeeper connection lost while master: database fenced (read_only=ON, {} client session(s)"
                    + " ended) before the session can expire", ended);
        } catch (TantalumException e) {
            try {
                ds.setReadOnly(host, true);
                LOG.warn("ZooKeeper connection lost while master: database fenced (read_only=ON; the replicator did"
                        + " not answer: {})", e.getMessage());
            } catch (TantalumException again) {
                LOG.error("ZooKeeper connection lost while master, and the database cannot be fenced: {}",
                        again.getMessage());
            }
        }
    }
}
