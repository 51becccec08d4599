package io.tantalum.manager;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.StandardConnectionStateErrorPolicy;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager daemon of one host: observes its database and replicator every
 * {@code manager.observe.interval.ms} and publishes the {@link Observation} in its ephemeral znode;
 * takes part in the coordinator election (Curator {@link LeaderLatch}); while it leads, runs the
 * {@link Coordinator}'s tick. A SUSPENDED ZooKeeper connection means "stop acting" at once (the
 * latch drops leadership under {@link StandardConnectionStateErrorPolicy}); observing goes on.
 * Every manager holds a lease on its ZooKeeper session, renewed by round trips through the
 * ensemble's leader ({@link MasterLease}): a coordinator acts only while it holds it, and the
 * manager of the master fences its database when it runs out or the connection is SUSPENDED or
 * LOST, before the session can expire and let a coordinator elsewhere fail over.
 * Lifecycle: LATENT -&gt; STARTED -&gt; CLOSED, start once, close idempotent. Thread-safe.
 */
public final class Manager implements AutoCloseable, Leadership {
    private static final Logger LOG = LoggerFactory.getLogger(Manager.class);

    private enum Lifecycle { LATENT, STARTED, CLOSED }

    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.LATENT);
    private final ManagerSettings settings;
    private final CuratorFramework zk;
    private final ZkStore store;
    private final Dataservice ds;
    private final Coordinator coordinator;
    private final HostJobs hostJobs;
    private final LeaderLatch latch;
    private final PersistentNode member;
    private volatile ConnectionState zkState = ConnectionState.LOST;
    private volatile Observation last;
    private volatile boolean running = true;
    private final MasterLease lease;
    private final java.util.List<Thread> loops = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Manager(ManagerSettings settings) {
        this.settings = settings;
        int session = (int) settings.sessionTimeout().toMillis();
        zk = CuratorFrameworkFactory.builder().connectString(settings.zookeeperServers()).sessionTimeoutMs(session)
                .connectionTimeoutMs(Math.min(3000, session)).retryPolicy(new RetryNTimes(2, 200))
                .connectionStateErrorPolicy(new StandardConnectionStateErrorPolicy()).build();
        store = new ZkStore(zk, new ZkLayout(settings.service()));
        ds = new Dataservice(settings);
        coordinator = new Coordinator(ds, store, this);
        hostJobs = new HostJobs(settings);
        latch = new LeaderLatch(zk, store.layout().coordinator(), settings.host());
        member = new PersistentNode(zk, CreateMode.EPHEMERAL, false, store.layout().member(settings.host()), new byte[0]);
        lease = new MasterLease(settings.host(), ds, store, settings.sessionTimeout());
    }

    public void start() {
        if (!lifecycle.compareAndSet(Lifecycle.LATENT, Lifecycle.STARTED)) {
            throw new IllegalStateException("the manager cannot be started more than once");
        }
        zk.getConnectionStateListenable().addListener((c, s) -> {
            zkState = s;
            LOG.info("ZooKeeper connection {} ({})", s, settings.zookeeperServers());
            lease.connectionChanged(s);
        });
        zk.start();
        member.start();
        try {
            latch.start();
        } catch (Exception e) {
            throw ZkStore.failure("join the coordinator election", e);
        }
        latch.addListener(new org.apache.curator.framework.recipes.leader.LeaderLatchListener() {
            @Override
            public void isLeader() {
                LOG.info("this manager ({}) is now the coordinator of {}", settings.host(), settings.service());
                ZkStore.warmUp();
            }

            @Override
            public void notLeader() {
                LOG.info("this manager ({}) is no longer the coordinator", settings.host());
            }
        });
        lease.start();
        loops.add(Threads.start(settings.service() + "-observer", this::observeLoop));
        loops.add(Threads.start(settings.service() + "-coordinator", this::coordinateLoop));
    }

    /** Observes and publishes about once an interval, whatever the coordinator is busy with. */
    private void observeLoop() {
        try (Observer observer = new Observer(ds)) {
            while (running) {
                long t0 = System.currentTimeMillis();
                try {
                    last = observer.observe(t0);
                    publish(last);
                    if (connected()) {
                        lease.observe();
                    }
                } catch (RuntimeException e) {
                    LOG.error("observer: unexpected failure, observing again next round", e);
                }
                if (!pause(t0)) {
                    return;
                }
            }
        }
    }

    /** While leading, one coordinator round per interval; a round that fails is retried the next. */
    private void coordinateLoop() {
        while (running) {
            long t0 = System.currentTimeMillis();
            if (isCoordinator()) {
                try {
                    coordinator.tick();
                } catch (TantalumException e) {
                    LOG.warn("coordinator: {}", e.getMessage());
                } catch (RuntimeException e) {
                    LOG.error("coordinator: unexpected failure, retrying next round", e);
                }
            }
            if (!pause(t0)) {
                return;
            }
        }
    }

    private boolean pause(long since) {
        long rest = settings.observeInterval().toMillis() - (System.currentTimeMillis() - since);
        return rest <= 0 || Threads.sleep(rest);
    }

    private void publish(Observation o) {
        try {
            member.setData(ZkStore.JSON.writeValueAsBytes(o));
        } catch (Exception e) {
            LOG.debug("cannot publish the observation yet: {}", e.toString());
        }
    }

    public ManagerSettings settings() {
        return settings;
    }

    ZkStore store() {
        return store;
    }

    HostJobs hostJobs() {
        return hostJobs;
    }

    Coordinator coordinator() {
        return coordinator;
    }

    Dataservice dataservice() {
        return ds;
    }

    public Observation lastObservation() {
        return last;
    }

    public boolean connected() {
        return zkState == ConnectionState.CONNECTED || zkState == ConnectionState.RECONNECTED;
    }

    /**
     * Waits up to {@code limit} while the ZooKeeper connection is SUSPENDED (its member died: the
     * client moves to another within a second or two); true once connected. A LOST connection or a
     * quorum that is really gone ends the wait at the limit.
     */
    public boolean awaitConnected(java.time.Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!connected() && zkState != ConnectionState.LOST && System.nanoTime() - deadline < 0) {
            if (!io.tantalum.common.Threads.sleep(50)) {
                break;
            }
        }
        return connected();
    }

    public String zookeeperState() {
        return zkState.name();
    }

    public boolean isCoordinator() {
        return connected() && lease.valid() && latch.hasLeadership();
    }

    /** The coordinator's host, when the election has one and ZooKeeper answers. */
    public Optional<String> coordinatorHost() {
        if (!connected()) {
            return Optional.empty();
        }
        try {
            String id = latch.getLeader().getId();
            return id == null || id.isEmpty() ? Optional.empty() : Optional.of(id);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    @Override
    public void check() {
        if (!isCoordinator()) {
            throw new TantalumException(ErrorCode.ABORTED, settings.host() + " is no longer the coordinator (ZooKeeper "
                    + zkState + "); it stops acting. The new coordinator finishes or rolls back what was in progress.");
        }
    }

    @Override
    public boolean leaseRunOut(String host) {
        return lease.runOut(host);
    }

    @Override
    public String host() {
        return settings.host();
    }

    @Override
    public void close() {
        if (lifecycle.getAndSet(Lifecycle.CLOSED) != Lifecycle.STARTED) {
            return;
        }
        running = false;
        lease.close();
        for (Thread t : loops) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            latch.close();
        } catch (Exception e) {
            LOG.warn("closing the coordinator election: {}", e.toString());
        }
        try {
            member.close();
        } catch (Exception e) {
            LOG.warn("removing the member node: {}", e.toString());
        }
        zk.close();
    }
}
