package io.tantalum.connector;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.tantalum.api.ConnectorApi.ConnectorStatus;
import io.tantalum.api.ConnectorApi.HoldReply;
import io.tantalum.api.ConnectorApi.HoldRequest;
import io.tantalum.api.ConnectorApi.Registration;
import io.tantalum.api.ConnectorApi.ReleaseReply;
import io.tantalum.api.ConnectorApi.ReleaseRequest;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.connector.internal.Frames;
import io.tantalum.connector.internal.ServerGreeting;
import io.tantalum.connector.internal.Session;
import io.tantalum.connector.internal.SessionContext;
import io.tantalum.manager.Observation;
import io.tantalum.manager.Topology;
import io.tantalum.manager.ZkLayout;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.RetryForever;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector daemon: a read/write and a read-only MySQL port, each session routed by
 * {@link Router} over the topology and observations the managers keep in ZooKeeper (followed
 * through Curator caches, so routing never waits for ZooKeeper). Stateless: any number may run.
 */
public final class Connector implements SessionContext, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Connector.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final ConnectorSettings settings;
    private final ZkLayout layout;
    private final CuratorFramework zk;
    private final CuratorCache topologyCache;
    private final CuratorCache membersCache;
    private final Accounts accounts;
    private final MasterProbe probe;
    /** Linux's epoll transport when its native library loads (fewer system calls and objects per read), else NIO. */
    private static final boolean EPOLL = io.netty.channel.epoll.Epoll.isAvailable();
    /** One event loop per core: a session and its backend share one, so no session needs a lock. */
    private static final int WORKERS = Runtime.getRuntime().availableProcessors();
    private final EventLoopGroup boss = EPOLL ? new io.netty.channel.epoll.EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
    private final EventLoopGroup workers = EPOLL ? new io.netty.channel.epoll.EpollEventLoopGroup(WORKERS)
            : new NioEventLoopGroup(WORKERS);
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicLong served = new AtomicLong();
    private final java.util.concurrent.atomic.LongAdder bytesFromClients = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder bytesToClients = new java.util.concurrent.atomic.LongAdder();
    private final Map<String, java.util.concurrent.atomic.LongAdder> errors = new ConcurrentHashMap<>();
    private volatile long holdStartNanos;
    private volatile java.util.function.LongConsumer holdEnded = nanos -> {};
    private volatile Topology topology;
    private volatile String serverVersion = "5.5.5-10.11.0-MariaDB-tantalum";
    private volatile int serverCharset = 45;
    private volatile int serverMariaDbCapabilities;
    private volatile ConnectionState zkState = ConnectionState.LOST;
    private Channel readWrite;
    private Channel readOnly;
    private final PersistentNode registration;
    /** The switch holding sessions now (null: none). */
    private volatile HoldRequest hold;
    private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tantalum-connector-hold-timer");
                t.setDaemon(true);
                return t;
            });
    private java.util.concurrent.ScheduledFuture<?> holdTimeout;

    public Connector(ConnectorSettings settings) {
        this.settings = settings;
        this.layout = new ZkLayout(settings.service());
        int session = (int) settings.sessionTimeout().toMillis();
        zk = CuratorFrameworkFactory.builder().connectString(settings.zookeeperServers()).sessionTimeoutMs(session)
                .connectionTimeoutMs(Math.min(3000, session)).retryPolicy(new RetryForever(500)).build();
        topologyCache = CuratorCache.build(zk, layout.topology(), CuratorCache.Options.SINGLE_NODE_CACHE);
        membersCache = CuratorCache.build(zk, layout.members());
        accounts = new Accounts(() -> master().map(settings::address).orElse(null), settings.dbPort(), settings.dbUser(),
                settings.dbPassword());
        probe = new MasterProbe(() -> !zkConnected(), () -> master().orElse(null), settings::address, settings.dbPort(),
                settings.dbUser(), settings.dbPassword(), this::retryWaiting);
        try {
            registration = new PersistentNode(zk, CreateMode.EPHEMERAL, false, layout.connector(settings.name()),
                    JSON.writeValueAsBytes(new Registration(settings.name(), settings.bindAddress(), settings.adminPort(),
                            settings.readWritePort(), settings.readOnlyPort())));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the connector's registration", e);
        }
    }

    public ConnectorSettings settings() {
        return settings;
    }

    public void start() {
        zk.getConnectionStateListenable().addListener((c, s) -> {
            zkState = s;
            LOG.info("ZooKeeper connection {}", s);
            if (s.isConnected()) {
                retryWaiting();
            }
        });
        topologyCache.listenable().addListener((type, before, after) -> topologyChanged(after));
        zk.start();
        topologyCache.start();
        membersCache.start();
        registration.start();
        probe.start();
        readWrite = listen(settings.readWritePort(), false);
        readOnly = listen(settings.readOnlyPort(), true);
    }

    private Channel listen(int port, boolean ro) {
        try {
            return new ServerBootstrap().group(boss, workers).channel(EPOLL
                    ? io.netty.channel.epoll.EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Frames.decoder(), new Session(Connector.this, ro));
                        }
                    }).bind(new InetSocketAddress(InetAddress.getByName(settings.bindAddress()), port)).sync().channel();
        } catch (Exception e) {
            close();
            throw new TantalumException(ErrorCode.UNAVAILABLE, "The connector cannot listen on " + settings.bindAddress()
                    + ":" + port + " (" + e.getMessage() + "): another process holds the port, or the address is not"
                    + " local. Stop it or change connector.port / connector.readonly.port.", e);
        }
    }

    /** The generation of a topology a release handed over, until the ZooKeeper cache has caught up with it; else -1. */
    private long releasedGeneration = -1;

    private void topologyChanged(ChildData data) {
        if (data == null || data.getData() == null || data.getData().length == 0) {
            return;
        }
        applyTopology(data.getData(), "ZooKeeper");
    }

    /**
     * Routes by {@code json}. A topology handed over by a release is newer than the cache's: until the
     * cache has caught up with it, an older one from the cache is ignored (its late events).
     */
    private synchronized void applyTopology(byte[] json, String from) {
        try {
            Topology t = JSON.readValue(json, Topology.class);
            Topology was = topology;
            boolean released = !"ZooKeeper".equals(from);
            if (!released && t.generation() < releasedGeneration) {
                LOG.info("topology generation {} from ZooKeeper ignored: routing by generation {} from a release",
                        t.generation(), releasedGeneration);
                return;
            }
            releasedGeneration = released ? t.generation() : -1;
            topology = t;
            if (was == null || !was.master().equals(t.master())) {
                LOG.info("read/write sessions now go to {} (topology generation {}, from {})", t.master(),
                        t.generation(), from);
                probeGreeting(settings.address(t.master()));
            }
            retryWaiting();
        } catch (IOException e) {
            LOG.error("the topology from {} cannot be read ({}); routing stays as it was", from, e.getMessage());
        }
    }

    /** Learns the master's version string and character set, which clients are greeted with. */
    private void probeGreeting(String address) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, settings.dbPort()), 2000);
            s.setSoTimeout(2000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] header = in.readNBytes(4);
            int length = (header[0] & 0xff) | (header[1] & 0xff) << 8 | (header[2] & 0xff) << 16;
            byte[] payload = in.readNBytes(length);
            if (payload.length > 0 && (payload[0] & 0xff) == 10) {
                ServerGreeting g = ServerGreeting.parse(io.netty.buffer.Unpooled.wrappedBuffer(payload));
                serverVersion = g.serverVersion();
                serverCharset = g.charset();
                serverMariaDbCapabilities = g.mariaDbCapabilities();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the greeting of the master at {}:{}: {}", address, settings.dbPort(), e.getMessage());
        }
    }

    private Optional<String> master() {
        Topology t = topology;
        return t == null ? Optional.empty() : Optional.ofNullable(t.master());
    }

    private Map<String, Observation> observations() {
        Map<String, Observation> out = new java.util.HashMap<>();
        membersCache.stream().filter(d -> d.getPath().startsWith(layout.members() + "/") && d.getData() != null
                && d.getData().length > 0).forEach(d -> {
                    try {
                        Observation o = JSON.readValue(d.getData(), Observation.class);
                        out.put(o.host(), o);
                    } catch (IOException e) {
                        // an observation being written by a newer manager: routing does without it
                    }
                });
        return out;
    }

    @Override
    public Accounts accounts() {
        return accounts;
    }

    private boolean zkConnected() {
        ConnectionState s = zkState;
        return s == ConnectionState.CONNECTED || s == ConnectionState.RECONNECTED;
    }

    @Override
    public Optional<Route> route(boolean ro) {
        Optional<String> host = zkConnected()
                ? Router.route(topology, ro ? observations() : Map.of(), ro, settings.readOnlyMaxLatencySeconds())
                // the topology may be stale: only the master it named, and only while it is still writable
                : Router.routeWithoutZooKeeper(topology, probe.last(), System.nanoTime(), MasterProbe.MAX_AGE_NANOS);
        return host.map(h -> new Route(h, new InetSocketAddress(settings.address(h), settings.dbPort())));
    }

    @Override
    public boolean routeMayAppear() {
        return !zkConnected();
    }

    /** A route may exist now: sessions waiting for one try again. */
    private void retryWaiting() {
        for (Session s : sessions) {
            s.eventLoop().execute(s::retryRoute);
        }
    }

    @Override
    public String serverVersion() {
        return serverVersion;
    }

    @Override
    public int serverCharset() {
        return serverCharset;
    }

    @Override
    public int serverMariaDbCapabilities() {
        return serverMariaDbCapabilities;
    }

    @Override
    public long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    @Override
    public void opened(Session s) {
        sessions.add(s);
        served.incrementAndGet();
    }

    @Override
    public void closed(Session s) {
        sessions.remove(s);
    }

    @Override
    public void relayed(long fromClient, long toClient) {
        if (fromClient > 0) {
            bytesFromClients.add(fromClient);
        }
        if (toClient > 0) {
            bytesToClients.add(toClient);
        }
    }

    @Override
    public void failed(String cause) {
        errors.computeIfAbsent(cause, c -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    /** What the connector counted since it started, for its metrics. */
    public record Counters(long sessionsServed, long bytesFromClients, long bytesToClients, Map<String, Long> errors) {}

    public Counters counters() {
        Map<String, Long> e = new java.util.TreeMap<>();
        errors.forEach((k, v) -> e.put(k, v.sum()));
        return new Counters(served.get(), bytesFromClients.sum(), bytesToClients.sum(), e);
    }

    /** Open sessions by port ("read-write", "read-only") and backend host ("none" before one is chosen). */
    public Map<java.util.List<String>, Long> sessionsByPortAndBackend() {
        return sessions.stream().collect(java.util.stream.Collectors.groupingBy(s -> java.util.List.of(s.readOnly()
                ? "read-only" : "read-write", s.backendHost() == null ? "none" : s.backendHost()),
                java.util.stream.Collectors.counting()));
    }

    /** Sessions held by a switch now. */
    public long heldSessions() {
        return sessions.stream().filter(Session::held).count();
    }

    /** Tells {@code observer} how long each hold lasted (from a switch's hold to its release), in nanoseconds. */
    public void onHoldEnded(java.util.function.LongConsumer observer) {
        holdEnded = observer;
    }

    @Override
    public boolean holding() {
        return hold != null;
    }

    /**
     * A switch begins: every affected session is held at its next transaction boundary; one still
     * in a transaction when the grace period ends has it rolled back. Returns once all are held.
     * Held sessions are released by {@link #release}, or after {@link #HOLD_LIMIT_MS} if no
     * release comes (a coordinator that died: its successor releases them too).
     */
    public HoldReply hold(HoldRequest q) {
        synchronized (this) {
            if (hold == null) {
                holdStartNanos = System.nanoTime();
            }
            hold = q;
            if (holdTimeout != null) {
                holdTimeout.cancel(false);
            }
            holdTimeout = timer.schedule(() -> {
                LOG.warn("switch {}: no release after {} ms; releasing the held sessions", q.procedure(), HOLD_LIMIT_MS);
                release(new ReleaseRequest(q.procedure(), 0));
            }, HOLD_LIMIT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        Set<String> affected = Set.of(q.from(), q.to());
        java.util.List<Session> all = java.util.List.copyOf(sessions);
        java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(all.size());
        for (Session s : all) {
            s.eventLoop().execute(() -> {
                try {
                    s.requestHold(affected);
                } finally {
                    asked.countDown();
                }
            });
        }
        await(() -> asked.getCount() == 0, 2000);
        await(() -> all.stream().allMatch(Session::settled), q.graceMillis());
        int ended = 0;
        for (Session s : all) {
            if (!s.settled()) {
                ended++;
                s.eventLoop().execute(s::endTransaction);
            }
        }
        await(() -> all.stream().allMatch(Session::settled), 2000);
        for (int i = 0; i < ended; i++) {
            failed("rolled_back_at_switch");
        }
        int held = (int) all.stream().filter(Session::held).count() - ended;
        LOG.info("switch {} ({} -> {}): {} session(s) held, {} transaction(s) rolled back at the end of the grace"
                + " period", q.procedure(), q.from(), q.to(), held, ended);
        return new HoldReply(settings.name(), held, ended);
    }

    /** Holds last at most this long without a release. */
    static final long HOLD_LIMIT_MS = 60_000;

    /** The switch is over: held sessions move to where the topology now routes them. */
    public ReleaseReply release(ReleaseRequest q) {
        synchronized (this) {
            HoldRequest current = hold;
            if (current != null && !current.procedure().equals(q.procedure())) {
                LOG.warn("release for {} ignored: the connector holds its sessions for {}", q.procedure(),
                        current.procedure());
                return new ReleaseReply(settings.name(), 0);
            }
            if (holdTimeout != null) {
                holdTimeout.cancel(false);
                holdTimeout = null;
            }
            if (hold != null) {
                holdEnded.accept(System.nanoTime() - holdStartNanos);
            }
            hold = null;
        }
        if (q.topology() != null && q.generation() > 0 && (topology == null || topology.generation() < q.generation())) {
            // the coordinator's own copy of what it just wrote: the cache may trail it by seconds (its ZooKeeper
            // server cut off with the old master), and only a newer generation than the one routed by is taken
            applyTopology(q.topology().getBytes(java.nio.charset.StandardCharsets.UTF_8), "the release of "
                    + q.procedure());
        }
        if (q.generation() > 0 && !await(() -> topology != null && topology.generation() >= q.generation(), 2000)) {
            refreshTopology(); // the cache has not seen the new topology yet: read it
        }
        java.util.List<Session> all = java.util.List.copyOf(sessions);
        for (Session s : all) {
            s.eventLoop().execute(s::release);
        }
        LOG.info("switch {}: {} session(s) released to {}", q.procedure(), all.size(), master().orElse("no master"));
        return new ReleaseReply(settings.name(), all.size());
    }

    private void refreshTopology() {
        try {
            byte[] data = zk.getData().forPath(layout.topology());
            topologyChanged(new ChildData(layout.topology(), null, data));
        } catch (Exception e) {
            LOG.warn("cannot read the topology: {}", e.toString());
        }
    }

    private static boolean await(java.util.function.BooleanSupplier done, long millis) {
        long deadline = System.currentTimeMillis() + millis;
        while (!done.getAsBoolean()) {
            if (System.currentTimeMillis() >= deadline || !io.tantalum.common.Threads.sleep(5)) {
                return done.getAsBoolean();
            }
        }
        return true;
    }

    public boolean routing() {
        return route(false).isPresent();
    }

    public ConnectorStatus status() {
        Topology t = topology;
        int ro = (int) sessions.stream().filter(Session::readOnly).count();
        return new ConnectorStatus(settings.name(), settings.service(), t == null ? null : t.master(),
                t == null ? 0 : t.generation(), sessions.size() - ro, ro, served.get(), zkState.name(),
                settings.bindAddress() + ":" + settings.readWritePort(), settings.bindAddress() + ":"
                        + settings.readOnlyPort(), routing(), ProcessHandle.current().pid());
    }

    @Override
    public void close() {
        for (Channel c : new Channel[] {readWrite, readOnly}) {
            if (c != null) {
                c.close().syncUninterruptibly();
            }
        }
        workers.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        timer.shutdownNow();
        probe.close();
        try {
            registration.close();
        } catch (IOException e) {
            // the session ends with the client below: the ephemeral node goes with it
        }
        topologyCache.close();
        membersCache.close();
        zk.close();
        accounts.close();
    }
}
