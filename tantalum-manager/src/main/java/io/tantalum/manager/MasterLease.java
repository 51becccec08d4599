package io.tantalum.manager;

import io.tantalum.api.ReplicatorApi;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's side of fencing, and the coordinator's right to act. Every manager holds a lease on
 * its ZooKeeper session, renewed by a write that a quorum of the ensemble commits every
 * {@link #RENEW_MILLIS} ({@link ZkStore#renewLease}). The lease runs {@link #LEASE_FRACTION} of
 * the session timeout from the start of the last renewal that came back. When it runs out, or the
 * moment the connection is SUSPENDED or LOST, the manager of the host the topology names as master
 * fences its own database
 * ({@code read_only=ON}, client sessions ended, through its replicator's purge; directly if the
 * replicator does not answer), because a coordinator elsewhere may fail over once the session
 * expires.
 *
 * <p>Why a quorum write: a ZooKeeper member cut off from the others, even the leader, keeps
 * answering its clients (reads, {@code sync}, pings) until it notices, syncLimit ticks later, so
 * the connection can look healthy for longer than the session lives on the majority side. The
 * majority's leader expires the session at the earliest a session timeout after the last touch it
 * heard of, and a committed renewal is such a touch, heard after the renewal started; the lease ends
 * well before that, so the fence comes first (docs/switchover-and-failover.md, "Fencing").
 *
 * <p>The fence is lifted by the coordinator, under its lock (so never during a switch or a failover),
 * once this manager publishes again and the topology still names this host as master
 * ({@code Coordinator.unfenceMaster}). Thread-safe.
 */
final class MasterLease {
    private static final Logger LOG = LoggerFactory.getLogger(MasterLease.class);
    /** How often the lease is renewed. */
    static final long RENEW_MILLIS = 500;
    /** The lease's length, as a fraction of the ZooKeeper session timeout. */
    static final double LEASE_FRACTION = io.tantalum.api.ManagerApi.FailoverTimings.LEASE_FRACTION;

    private final String host;
    private final Dataservice ds;
    private final ZkStore store;
    private final long leaseNanos;
    /** The topology's master as last read while connected. */
    private volatile String master;
    /** When the lease runs out (System.nanoTime); 0 before the first renewal. */
    private volatile long validUntil;
    /** Fenced since the lease ran out or the connection was lost (once per loss). */
    private volatile boolean fenced;
    /** The manager is shutting down: its connection closes on purpose, nothing to fence. */
    private volatile boolean closing;
    /** This manager's last committed renewals, newest first: {mzxid, start nanos} (renewal thread only). */
    private final Deque<long[]> renewals = new ArrayDeque<>();
    /** The other members' leases as this manager last read them (renewal thread only). */
    private final Map<String, LeaseWatch> watches = new HashMap<>();
    /** The members whose lease this manager has seen certainly run out. */
    private volatile Set<String> runOut = Set.of();

    MasterLease(String host, Dataservice ds, ZkStore store, Duration sessionTimeout) {
        this.host = host;
        this.ds = ds;
        this.store = store;
        this.leaseNanos = (long) (sessionTimeout.toNanos() * LEASE_FRACTION);
    }

    /** The renewal loop, until {@link #close}. */
    void start() {
        Threads.start("lease", this::renewLoop);
    }

    /**
     * True while the lease holds: the last renewal a ZooKeeper quorum committed started less than
     * the lease ago. A coordinator acts only while its manager holds it (a coordinator on a member cut
     * off from the leader still sees itself elected until that member notices).
     */
    boolean valid() {
        long until = validUntil;
        return until != 0 && System.nanoTime() - until < 0;
    }

    /** Called each observation round while connected: remembers the topology's master. */
    void observe() {
        try {
            store.topology().ifPresent(v -> master = v.value().master());
        } catch (TantalumException e) {
            LOG.debug("lease: {}", e.getMessage());
        }
    }

    void connectionChanged(ConnectionState s) {
        if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) {
            fenceOnce("ZooKeeper connection " + s);
        }
    }

    /** The manager stops: its session ends on purpose (its member node goes, the slaves still replicate). */
    void close() {
        closing = true;
    }

    private void renewLoop() {
        while (!closing) {
            long t0 = System.nanoTime();
            long left = validUntil == 0 ? 1000 : TimeUnit.NANOSECONDS.toMillis(validUntil - t0);
            long zxid = store.renewLease(host, Math.max(50, Math.min(left,
                    io.tantalum.api.ManagerApi.FailoverTimings.RENEW_TIMEOUT_MILLIS)), LeaseWatch.payload(t0, renewals));
            if (zxid >= 0) {
                renewals.addFirst(new long[] {zxid, t0});
                while (renewals.size() > LeaseWatch.HISTORY) {
                    renewals.removeLast();
                }
                validUntil = t0 + leaseNanos;
                fenced = false;
                watchOthers(t0);
            } else if (validUntil != 0 && System.nanoTime() - validUntil > 0) {
                fenceOnce("no renewal committed by a ZooKeeper quorum for " + TimeUnit.NANOSECONDS.toMillis(
                        System.nanoTime() - validUntil + leaseNanos) + " ms (lease of "
                        + TimeUnit.NANOSECONDS.toMillis(leaseNanos) + " ms ran out)");
            }
            long rest = RENEW_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (rest > 0 && !Threads.sleep(rest)) {
                return;
            }
        }
    }

    /**
     * Right after a renewal of this manager's own that a quorum committed (started at {@code t0}):
     * reads every other member's lease node and judges whose lease has certainly run out
     * ({@link LeaseWatch}): the master's, for the failure analysis, and a failover candidate's, for
     * a coordinator that must decide whether a failover left past its point of no return can still
     * be finished.
     */
    private void watchOthers(long t0) {
        Set<String> out = new HashSet<>();
        for (String m : ds.settings().members().keySet()) {
            if (m.equals(host)) {
                continue;
            }
            try {
                ZkStore.LeaseNode node = store.lease(m);
                LeaseWatch w = watches.getOrDefault(m, LeaseWatch.NONE).seen(m, node.mzxid(), node.data(),
                        System.nanoTime());
                watches.put(m, w);
                if (w.expired(t0, leaseNanos)) {
                    if (!runOut.contains(m)) {
                        LOG.warn("the lease of {} ran out: no renewal of it committed for {} ms", m,
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w.firstSeenNanos()));
                    }
                    out.add(m);
                }
            } catch (TantalumException e) {
                LOG.debug("lease of {}: {}", m, e.getMessage());
            }
        }
        runOut = Set.copyOf(out);
    }

    /**
     * True when this manager has seen {@code host}'s lease certainly run out (judged after its own
     * last committed renewal): that host's manager has fenced its database, if it runs at all.
     */
    boolean runOut(String host) {
        return valid() && runOut.contains(host);
    }

    private void fenceOnce(String why) {
        if (!fenced && !closing) {
            fenced = true;
            if (host.equals(master)) {
                Threads.start("lease-fence", () -> fence(why)); // never on Curator's event thread
            } else {
                // a slave is read-only already; a failover candidate that a cut-off coordinator was promoting
                // may not be, and the next coordinator abandons that failover only once this lease ran out
                Threads.start("lease-fence", () -> readOnly(why));
            }
        }
    }

    private void readOnly(String why) {
        try {
            ds.setReadOnly(host, true);
            LOG.warn("{}: database kept read-only (read_only=ON)", why);
        } catch (TantalumException e) {
            LOG.error("{}, and the database cannot be set read-only: {}", why, e.getMessage());
        }
    }

    private void fence(String why) {
        try {
            int ended = ds.replicator(host).call(ReplicatorApi.PURGE).killed();
            LOG.warn("{} while master: database fenced (read_only=ON, {} client session(s) ended) before the session"
                    + " can expire", why, ended);
        } catch (TantalumException e) {
            try {
                ds.setReadOnly(host, true);
                LOG.warn("{} while master: database fenced (read_only=ON; the replicator did not answer: {})", why,
                        e.getMessage());
            } catch (TantalumException again) {
                LOG.error("{} while master, and the database cannot be fenced: {}", why, again.getMessage());
            }
        }
    }
}
