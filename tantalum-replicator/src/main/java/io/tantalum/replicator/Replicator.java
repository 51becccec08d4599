package io.tantalum.replicator;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import io.tantalum.replicator.internal.BinlogOnlyReader;
import io.tantalum.replicator.internal.MasterPipeline;
import io.tantalum.replicator.internal.Pipeline;
import io.tantalum.replicator.internal.PipelineListener;
import io.tantalum.replicator.internal.SlavePipeline;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One replication service on one host: the state machine of {@link StateTable}, driven by a
 * single dispatcher thread, and the {@link Pipeline} of its current role.
 *
 * <p>Thread-safety: state-changing commands are queued with {@link #submit} and run one at a
 * time on the dispatcher thread; status and flush may be called from any thread.
 */
public final class Replicator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
    public static final String VERSION = "Tantalum 0.1.0";

    private record Pending(ReplicatorEvent event, CompletableFuture<ReplicatorState> done) {}

    private final ReplicatorSettings settings;
    private final RoleStore roleStore;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final long startMillis = System.currentTimeMillis();
    private final Map<String, CompletableFuture<Long>> heartbeats = new ConcurrentHashMap<>();
    private final RateSampler rate = new RateSampler();
    private volatile RoleStore.Assignment role;
    private volatile ReplicatorState state = ReplicatorState.START;
    private volatile long stateSince = System.currentTimeMillis();
    private volatile RuntimeException pendingError;
    private volatile OfflineTrigger offlineTrigger;
    private volatile long generation;
    private volatile Pipeline pipeline;
    private volatile Pipeline.Applied lastApplied;
    private Thread dispatcher;
    private final AutoRecovery recovery;
    private final ReplicatorMetrics metrics;

    public Replicator(ReplicatorSettings settings) {
        this.settings = settings;
        this.recovery = new AutoRecovery(settings.autoRecoveryMaxAttempts(), settings.autoRecoveryDelayMillis(),
                settings.autoRecoveryResetMillis());
        this.roleStore = new RoleStore(settings.thlDirectory());
        this.metrics = new ReplicatorMetrics(this, settings);
        this.role = roleStore.load(settings);
    }

    /**
     * Creates the catalog schema ({@code tantalum_<service>}: applied position, heartbeat) in the
     * database of {@code settings}, without writing it to the binlog. Used by {@code tpm install}.
     */
    public static void createCatalog(ReplicatorSettings settings) {
        try (java.sql.Connection c = io.tantalum.replicator.internal.Jdbc.connect(settings)) {
            new io.tantalum.replicator.internal.apply.Catalog(settings.service()).create(c);
        } catch (java.sql.SQLException e) {
            throw io.tantalum.replicator.internal.Jdbc.unavailable(settings, e);
        }
    }

    public ReplicatorSettings settings() {
        return settings;
    }

    public ReplicatorState state() {
        return state;
    }

    public ReplicatorSettings.Role role() {
        return role.role();
    }

    public void start() {
        dispatcher = Threads.start(settings.service() + "-dispatcher", this::dispatch);
        Threads.start(settings.service() + "-housekeeping", this::housekeeping);
        submit(new ReplicatorEvent.Configured()).join();
        if (settings.autoOnline()) {
            submit(ReplicatorEvent.GoOnline.plain());
        }
    }

    /** Queues an event; the future completes with the state after it, or with its error. */
    public CompletableFuture<ReplicatorState> submit(ReplicatorEvent event) {
        CompletableFuture<ReplicatorState> f = new CompletableFuture<>();
        queue.add(new Pending(event, f));
        return f;
    }

    private void dispatch() {
        MDC.put("service", settings.service());
        MDC.put("host", settings.host());
        while (true) {
            Pending p;
            try {
                p = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                handle(p.event());
                p.done().complete(state);
            } catch (RuntimeException e) {
                p.done().completeExceptionally(e);
            }
            if (state == ReplicatorState.END) {
                return;
            }
        }
    }

    private static long generationOf(ReplicatorEvent e, long current) {
        if (e instanceof ReplicatorEvent.Synchronized s) {
            return s.generation();
        } else if (e instanceof ReplicatorEvent.ConnectionLost c) {
            return c.generation();
        } else if (e instanceof ReplicatorEvent.Failed f) {
            return f.generation();
        } else if (e instanceof ReplicatorEvent.OfflinePointReached o) {
            return o.generation();
        }
        return current;
    }

    private void handle(ReplicatorEvent e) {
        if (e instanceof ReplicatorEvent.AutoRecover a) {
            if (state == ReplicatorState.OFFLINE_ERROR && recovery.take(a.token())) {
                recover();
            }
            return;
        }
        if (generationOf(e, generation) != generation) {
            LOG.debug("ignoring {} from an older pipeline", e);
            return;
        }
        boolean notification = e instanceof ReplicatorEvent.Synchronized || e instanceof ReplicatorEvent.ConnectionLost
                || e instanceof ReplicatorEvent.OfflinePointReached;
        if (notification && StateTable.next(state, e.getClass()) == null) {
            return;
        }
        ReplicatorState to = StateTable.require(state, e);
        if (e instanceof ReplicatorEvent.GoOnline g) {
            recovery.cancel();
            goOnline(g, to);
        } else if (e instanceof ReplicatorEvent.GoOffline g) {
            recovery.cancel();
            if (state.isOffline()) {
                pendingError = null;
                transition(to, "offline requested");
                return;
            }
            transition(to, g.immediate() ? "offline -immediate requested" : "offline requested");
            stopPipeline(g.immediate());
            transition(ReplicatorState.OFFLINE_NORMAL, "pipeline stopped");
        } else if (e instanceof ReplicatorEvent.OfflinePointReached o) {
            transition(to, o.why());
            stopPipeline(false);
            transition(ReplicatorState.OFFLINE_NORMAL, "pipeline stopped");
        } else if (e instanceof ReplicatorEvent.SetRole r) {
            setRole(r);
        } else if (e instanceof ReplicatorEvent.Reset r) {
            Resets.reset(settings, r, lastApplied);
            lastApplied = null;
        } else if (e instanceof ReplicatorEvent.Failed f) {
            fail(f.error());
        } else if (e instanceof ReplicatorEvent.Shutdown) {
            stopPipeline(false);
            transition(to, "shutdown");
        } else if (e instanceof ReplicatorEvent.ConnectionLost c) {
            transition(to, c.why());
        } else {
            transition(to, e.getClass().getSimpleName());
        }
    }

    private void goOnline(ReplicatorEvent.GoOnline g, ReplicatorState to) {
        pendingError = null;
        offlineTrigger = g.until();
        transition(to, "online requested" + (g.skipSeqnos().isEmpty() ? "" : " skipping " + g.skipSeqnos())
                + (g.force() ? " with -force" : "") + (g.forceDivergence() ? " with -force-divergence" : "")
                + (g.until() == null ? "" : " until " + g.until().describe()));
        try {
            startPipeline(g);
        } catch (RuntimeException ex) {
            fail(ex);
            throw ex;
        }
    }

    /** An auto-recovery attempt: online as the operator's plain {@code trepctl online} would. */
    private void recover() {
        LOG.info("auto-recovery: going online again after: {}", pendingError == null ? "" : pendingError.getMessage());
        try {
            goOnline(ReplicatorEvent.GoOnline.plain(), ReplicatorState.GOING_ONLINE_SYNCHRONIZING);
        } catch (RuntimeException ex) {
            // fail() has recorded it and planned the next attempt, if any
        }
    }

    private void setRole(ReplicatorEvent.SetRole r) {
        URI uri = r.masterUri() != null ? r.masterUri() : role.masterUri();
        if (r.role() == ReplicatorSettings.Role.SLAVE && uri == null) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "A slave needs its master: give"
                    + " -uri thl://MASTER:2112/");
        }
        RoleStore.Assignment a = new RoleStore.Assignment(r.role(),
                r.role() == ReplicatorSettings.Role.SLAVE ? uri : null);
        roleStore.save(a);
        role = a;
        LOG.info("role set to {}{}", a.role().display(), a.masterUri() == null ? "" : " of " + a.masterUri());
    }

    private void fail(RuntimeException error) {
        long now = System.currentTimeMillis();
        long onlineMillis = state == ReplicatorState.ONLINE ? now - stateSince : 0;
        pendingError = error;
        LOG.error("replicator stopped with an error: {}", error.getMessage());
        stopPipeline(true);
        transition(ReplicatorState.OFFLINE_ERROR, "error");
        AutoRecovery.Attempt a = recovery.after(error, onlineMillis, now);
        if (a != null) {
            LOG.warn("auto-recovery attempt {} of {} in {} ms", a.number(), recovery.maxAttempts(), a.delayMillis());
            Threads.start(settings.service() + "-auto-recovery", () -> {
                if (Threads.sleep(a.delayMillis())) {
                    submit(new ReplicatorEvent.AutoRecover(a.token()));
                }
            });
        } else if (AutoRecovery.retryable(error) && recovery.exhausted()) {
            LOG.error("auto-recovery gave up after {} attempts: fix the cause, then run `trepctl online`",
                    recovery.maxAttempts());
        }
    }

    private void transition(ReplicatorState to, String cause) {
        if (to != state) {
            LOG.info("{} -> {} ({})", state.display(), to.display(), cause);
            state = to;
            stateSince = System.currentTimeMillis();
        }
    }

    private PipelineListener listenerFor(long gen) {
        return new PipelineListener() {
            @Override
            public void synchronizedWithSource() {
                submit(new ReplicatorEvent.Synchronized(gen));
            }

            @Override
            public void connectionLost(String why) {
                submit(new ReplicatorEvent.ConnectionLost(gen, why));
            }

            @Override
            public void failed(RuntimeException error) {
                metrics.failed();
                submit(new ReplicatorEvent.Failed(gen, error));
            }

            @Override
            public void extracted(ThlEvent fragment) {
                metrics.extracted(fragment);
            }

            @Override
            public void applied(ThlEvent fragment) {
                metrics.applied(fragment);
            }

            @Override
            public void stage(Stage stage, long nanos) {
                metrics.stage(stage, nanos);
            }

            @Override
            public void processed(ThlEvent e) {
                String hb = e.metadata().get("heartbeatId");
                CompletableFuture<Long> f = hb == null ? null : heartbeats.remove(hb);
                if (f != null) {
                    f.complete(e.seqno());
                }
            }

            @Override
            public void offlinePointReached(String why) {
                submit(new ReplicatorEvent.OfflinePointReached(gen, why));
            }
        };
    }

    private void startPipeline(ReplicatorEvent.GoOnline g) {
        long gen = ++generation;
        ThlLog log = ThlLog.open(settings.thlDirectory(), settings.thlSegmentBytes(), settings.thlFsync());
        metrics.watch(log);
        Pipeline p = role.role() == ReplicatorSettings.Role.MASTER
                ? new MasterPipeline(settings, log, listenerFor(gen), () -> offlineTrigger)
                : new SlavePipeline(settings, log, listenerFor(gen), new SlavePipeline.Options(role.masterUri(),
                        g.skipSeqnos(), g.force(), g.forceDivergence(), () -> offlineTrigger));
        pipeline = p;
        try {
            p.start();
        } catch (RuntimeException e) {
            pipeline = null;
            log.close();
            throw e;
        }
    }

    private void stopPipeline(boolean immediate) {
        generation++;
        Pipeline p = pipeline;
        if (p == null) {
            return;
        }
        p.stop(immediate);
        Pipeline.Applied a = p.applied();
        if (a != null) {
            lastApplied = a;
        }
        pipeline = null;
        offlineTrigger = null;
        p.log().close();
    }

    /** Requests offline when the pipeline reaches the trigger (only while online). */
    public void offlineDeferred(OfflineTrigger trigger) {
        if (state != ReplicatorState.ONLINE && state != ReplicatorState.GOING_ONLINE_SYNCHRONIZING) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot schedule offline in state "
                    + state.display() + ": the replicator is not online.");
        }
        offlineTrigger = trigger;
        LOG.info("offline scheduled {}", trigger.describe());
    }

    /**
     * Writes a heartbeat through the master's database and waits until it is stored in the THL;
     * returns its seqno. Master only, while online.
     */
    public long heartbeat(String name, long timeoutMillis) {
        Pipeline p = pipeline;
        if (!(p instanceof MasterPipeline master) || state != ReplicatorState.ONLINE) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "A heartbeat or flush needs an ONLINE master;"
                    + " this replicator is " + role.role().display() + " in state " + state.display()
                    + ". Run it on the master.");
        }
        if (name.contains("#")) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "A heartbeat name cannot contain '#': " + name);
        }
        String unique = name + "#" + System.nanoTime();
        CompletableFuture<Long> f = new CompletableFuture<>();
        heartbeats.put(unique, f);
        try {
            master.heartbeat(unique);
            long seqno = f.get(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
            Deadlines.await(() -> p.log().maxCompleteSeqno() >= seqno, timeoutMillis);
            return seqno;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "The heartbeat was not extracted within "
                    + timeoutMillis / 1000 + "s: check the master's state with `trepctl status`.");
        } catch (java.util.concurrent.ExecutionException e) {
            throw TantalumException.wrap(e.getCause(), ErrorCode.INTERNAL, "heartbeat failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        } finally {
            heartbeats.remove(unique);
        }
    }

    /** Ends every client session on this host's database except replication's (master only). */
    public int purge() {
        if (role.role() != ReplicatorSettings.Role.MASTER) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "purge ends client sessions on a master; "
                    + settings.host() + " is a " + role.role().display() + ".");
        }
        return Resets.purgeSessions(settings);
    }

    /**
     * The binlog-only transactions of this host's database ({@code trepctl binlog-only}), and with
     * {@code sql} their SQL. Only while offline: the read uses the extractor's binlog client id.
     */
    public io.tantalum.api.ReplicatorApi.BinlogOnlyReply binlogOnly(boolean sql) {
        if (!state.isOffline()) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "binlog-only reads this host's binlog as its"
                    + " extractor would: put the replicator offline first (`trepctl offline`); it is "
                    + state.display() + ".");
        }
        BinlogOnlyReader.Result r = BinlogOnlyReader.read(settings, sql);
        List<String> lines = r.transactions().stream().map(t -> BinlogOnlyAnalyzer.list(List.of(t))).toList();
        return new io.tantalum.api.ReplicatorApi.BinlogOnlyReply(r.at() == null ? null : r.at().position().toEventId(),
                r.at() == null ? -1 : r.at().seqno(), lines, sql ? BinlogOnlyReader.sql(settings, r) : null);
    }

    /** Once a second: sample the applied seqno; every 30 s: THL retention. */
    private void housekeeping() {
        MDC.put("service", settings.service());
        MDC.put("host", settings.host());
        for (long tick = 1; state != ReplicatorState.END && Threads.sleep(1000); tick++) {
            Pipeline p = pipeline;
            rate.add(System.currentTimeMillis(), p == null ? -1 : p.appliedSeqno());
            if (p != null && tick % 30 == 0) {
                retention(p);
            }
        }
    }

    private void retention(Pipeline p) {
        try {
            p.log().purgeOldSegments(p.retentionFloor(), settings.thlRetentionMillis(), settings.thlRetentionBytes(),
                    System.currentTimeMillis());
        } catch (RuntimeException e) {
            LOG.warn("THL retention failed: {}", e.toString());
        }
    }

    /** The status fields of {@code trepctl status}, in Tungsten's names. */
    public io.tantalum.api.ReplicatorStatus status() {
        return StatusReport.build(new StatusReport.Input(settings, role, state, stateSince, startMillis, pendingError,
                offlineTrigger, pipeline, lastApplied, rate, recovery));
    }

    /** Each apply channel's progress (empty with one channel, or when not applying). */
    public java.util.List<Pipeline.ChannelProgress> channelProgress() {
        Pipeline p = pipeline;
        return p == null ? java.util.List.of() : p.channelProgress();
    }

    ReplicatorMetrics metrics() {
        return metrics;
    }

    /** {@code trepctl status -name tasks|stages|stores}. */
    public io.tantalum.api.ReplicatorApi.Section statusSection(String name) {
        if (!java.util.List.of("tasks", "stages", "stores").contains(String.valueOf(name))) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown status section '" + name
                    + "': use tasks, stages or stores.");
        }
        io.tantalum.api.ReplicatorApi.Section section = new io.tantalum.api.ReplicatorApi.Section();
        Pipeline p = pipeline;
        if (p == null) {
            section.put("state", state.display());
            section.put("detail", "the pipeline is not running");
        } else {
            section.putAll(p.section(name));
        }
        return section;
    }

    @Override
    public void close() {
        if (dispatcher != null && dispatcher.isAlive()) {
            submit(new ReplicatorEvent.Shutdown()).join();
        }
        metrics.close();
    }
}
