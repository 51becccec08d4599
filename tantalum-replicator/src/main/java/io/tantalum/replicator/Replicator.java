package io.tantalum.replicator;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import io.tantalum.replicator.internal.apply.ApplyException;
import io.tantalum.replicator.internal.apply.AppliedPosition;
import io.tantalum.replicator.internal.apply.JdbcApplier;
import io.tantalum.replicator.internal.extract.BinlogExtractor;
import io.tantalum.replicator.internal.extract.BinlogPosition;
import io.tantalum.replicator.internal.ship.ThlClient;
import io.tantalum.replicator.internal.ship.ThlServer;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import io.tantalum.thl.ThlWriter;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One replication service on one host: the state machine of {@link StateTable}, driven by a
 * single dispatcher thread, and the pipeline it starts and stops (master: binlog extractor, THL
 * writer, THL server; slave: THL client, THL writer, JDBC applier).
 *
 * <p>Thread-safety: commands are queued with {@link #submit} and run one at a time on the
 * dispatcher thread; {@link #status} may be called from any thread.
 */
public final class Replicator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);
    public static final String VERSION = "Tantalum 0.1.0";

    private record Pending(ReplicatorEvent event, CompletableFuture<ReplicatorState> done) {}

    private final ReplicatorSettings settings;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final long startMillis = System.currentTimeMillis();
    private volatile ReplicatorState state = ReplicatorState.START;
    private volatile long stateSince = System.currentTimeMillis();
    private volatile RuntimeException pendingError;
    private volatile long generation;
    private Thread dispatcher;
    // pipeline parts, owned by the dispatcher thread; read (volatile) by status
    private volatile ThlLog log;
    private volatile ThlWriter writer;
    private volatile BinlogExtractor extractor;
    private volatile ThlServer server;
    private volatile ThlClient client;
    private volatile JdbcApplier applier;
    private volatile long lastMin = -1;
    private volatile long lastMax = -1;
    private volatile AppliedPosition lastApplied = AppliedPosition.NONE;

    public Replicator(ReplicatorSettings settings) {
        this.settings = settings;
    }

    public ReplicatorSettings settings() {
        return settings;
    }

    public ReplicatorState state() {
        return state;
    }

    public void start() {
        dispatcher = Threads.start(settings.service() + "-dispatcher", this::dispatch);
        submit(new ReplicatorEvent.Configured()).join();
        if (settings.autoOnline()) {
            submit(new ReplicatorEvent.GoOnline(Set.of()));
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

    private boolean stale(ReplicatorEvent e) {
        long g = generation;
        if (e instanceof ReplicatorEvent.Synchronized s) {
            g = s.generation();
        } else if (e instanceof ReplicatorEvent.ConnectionLost c) {
            g = c.generation();
        } else if (e instanceof ReplicatorEvent.Failed f) {
            g = f.generation();
        }
        return g != generation;
    }

    private void handle(ReplicatorEvent e) {
        if (stale(e)) {
            LOG.debug("ignoring {} from an older pipeline", e);
            return;
        }
        boolean notification = e instanceof ReplicatorEvent.Synchronized || e instanceof ReplicatorEvent.ConnectionLost;
        if (notification && StateTable.next(state, e.getClass()) == null) {
            return;
        }
        ReplicatorState to = StateTable.require(state, e);
        if (e instanceof ReplicatorEvent.GoOnline g) {
            pendingError = null;
            transition(to, "online requested" + (g.skipSeqnos().isEmpty() ? "" : " skipping " + g.skipSeqnos()));
            try {
                startPipeline(g.skipSeqnos());
            } catch (RuntimeException ex) {
                fail(ex);
                throw ex;
            }
        } else if (e instanceof ReplicatorEvent.GoOffline g) {
            if (state.isOffline()) {
                pendingError = null;
                transition(to, "offline requested");
                return;
            }
            transition(to, g.immediate() ? "offline -immediate requested" : "offline requested");
            stopPipeline(g.immediate());
            transition(ReplicatorState.OFFLINE_NORMAL, "pipeline stopped");
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

    private void fail(RuntimeException error) {
        pendingError = error;
        LOG.error("replicator stopped with an error: {}", error.getMessage());
        stopPipeline(true);
        transition(ReplicatorState.OFFLINE_ERROR, "error");
    }

    private void transition(ReplicatorState to, String cause) {
        if (to != state) {
            LOG.info("{} -> {} ({})", state.display(), to.display(), cause);
            state = to;
            stateSince = System.currentTimeMillis();
        }
    }

    private void notifyPipeline(ReplicatorEvent e) {
        submit(e);
    }

    private void startPipeline(Set<Long> skip) {
        long gen = ++generation;
        log = ThlLog.open(settings.thlDirectory(), settings.thlSegmentBytes());
        if (settings.role() == ReplicatorSettings.Role.MASTER) {
            startMaster(gen);
        } else {
            startSlave(gen, skip);
        }
    }

    private void startMaster(long gen) {
        log.truncateIncompleteTail();
        ThlRecord last = log.lastRecord();
        BinlogPosition start;
        long epoch;
        if (last == null) {
            start = currentBinlogEnd();
            epoch = 0;
        } else {
            ThlEvent e = last.decode();
            if (!settings.host().equals(e.sourceId())) {
                start = currentBinlogEnd();
                epoch = last.seqno() + 1;
                LOG.info("this host's THL ends with an event from {}: new epoch {} from binlog {}", e.sourceId(),
                        epoch, start.toEventId());
            } else {
                start = BinlogPosition.parse(e.eventId());
                epoch = last.epoch();
            }
        }
        writer = new ThlWriter(log, settings.service(), 10_000, 1000, ex -> notifyPipeline(new ReplicatorEvent.Failed(gen, ex)));
        server = new ThlServer(log, settings.service(), settings.bindAddress(), settings.thlPort());
        extractor = new BinlogExtractor(new BinlogExtractor.Options(settings.dbHost(), settings.dbPort(),
                settings.dbUser(), settings.dbPassword(), settings.effectiveServerId(), settings.host(),
                settings.fragmentRows(), "tantalum_"), start, last == null ? 0 : last.seqno() + 1, epoch, writer,
                ex -> notifyPipeline(new ReplicatorEvent.Failed(gen, ex)));
        extractor.start();
        notifyPipeline(new ReplicatorEvent.Synchronized(gen));
    }

    private BinlogPosition currentBinlogEnd() {
        try (Connection c = jdbcApplierFor(Set.of()).connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
            if (!rs.next()) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "The database at " + settings.dbHost() + ":"
                        + settings.dbPort() + " has no binlog (SHOW MASTER STATUS is empty). Enable log_bin and"
                        + " binlog_format=ROW on it, restart it, then run `trepctl online`.");
            }
            return new BinlogPosition(rs.getString(1), rs.getLong(2), null);
        } catch (SQLException ex) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read the binlog position of " + settings.dbHost()
                    + ":" + settings.dbPort() + ": " + ex.getMessage() + ". Check that the database is up.", ex);
        }
    }

    private JdbcApplier jdbcApplierFor(Set<Long> skip) {
        return new JdbcApplier(new JdbcApplier.Options(settings.jdbcUrl(), settings.dbUser(), settings.dbPassword(),
                settings.service(), settings.blockCommitSize(), settings.blockCommitMillis(), skip), log,
                ex -> notifyPipeline(new ReplicatorEvent.Failed(generation, ex)));
    }

    private void startSlave(long gen, Set<Long> skip) {
        JdbcApplier a = jdbcApplierFor(skip);
        AppliedPosition applied = a.readPosition();
        lastApplied = applied;
        ThlRecord last = log.lastRecord();
        ThlClient.Position from = last != null
                ? new ThlClient.Position(last.seqno(), last.fragno(), last.lastFrag(), last.epoch(), last.decode().eventId())
                : new ThlClient.Position(applied.seqno(), 0, true, applied.epoch(), applied.eventId());
        writer = new ThlWriter(log, settings.service(), 10_000, 1000, ex -> notifyPipeline(new ReplicatorEvent.Failed(gen, ex)));
        applier = a;
        client = new ThlClient(settings.masterUri(), settings.service(), settings.host(), from, writer,
                new ThlClient.Listener() {
                    @Override
                    public void connected() {
                        notifyPipeline(new ReplicatorEvent.Synchronized(gen));
                    }

                    @Override
                    public void disconnected(String why) {
                        notifyPipeline(new ReplicatorEvent.ConnectionLost(gen, why));
                    }

                    @Override
                    public void failed(RuntimeException e) {
                        notifyPipeline(new ReplicatorEvent.Failed(gen, e));
                    }
                });
        client.start();
        applier.start(settings.service());
    }

    private void stopPipeline(boolean immediate) {
        generation++;
        if (extractor != null) {
            extractor.stop();
        }
        if (client != null) {
            client.stop();
        }
        if (writer != null) {
            if (immediate) {
                writer.abort();
            } else {
                writer.close();
            }
        }
        if (applier != null) {
            applier.stop(immediate);
            lastApplied = applier.applied();
        }
        if (server != null) {
            server.close();
        }
        if (log != null) {
            lastMin = log.minSeqno();
            lastMax = log.maxSeqno();
            log.close();
        }
        extractor = null;
        client = null;
        writer = null;
        applier = null;
        server = null;
        log = null;
    }

    /** The status fields of {@code trepctl status}, in Tungsten's names. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        ThlLog l = log;
        long min = l != null ? l.minSeqno() : lastMin;
        long max = l != null ? l.maxSeqno() : lastMax;
        ThlRecord lastRecord = l != null ? l.lastRecord() : null;
        ThlEvent lastEvent = lastRecord != null ? lastRecord.decode() : null;
        boolean master = settings.role() == ReplicatorSettings.Role.MASTER;
        long appliedSeqno;
        String appliedEventId;
        double appliedLatency;
        long sourceTstamp;
        JdbcApplier a = applier;
        if (master) {
            appliedSeqno = l != null ? l.maxCompleteSeqno() : lastMax;
            appliedEventId = lastEvent != null ? lastEvent.eventId() : "NONE";
            sourceTstamp = lastEvent != null ? lastEvent.sourceTstamp() : 0;
            appliedLatency = lastEvent != null ? Math.max(0, lastEvent.extractTstamp() - sourceTstamp) / 1000.0 : 0;
        } else {
            AppliedPosition p = a != null ? a.applied() : lastApplied;
            appliedSeqno = p.seqno();
            appliedEventId = p.seqno() < 0 ? "NONE" : p.eventId();
            sourceTstamp = p.sourceTstamp();
            appliedLatency = p.latencySeconds();
        }
        RuntimeException err = pendingError;
        m.put("appliedLastEventId", appliedEventId);
        m.put("appliedLastSeqno", appliedSeqno);
        m.put("appliedLatency", round(appliedLatency));
        m.put("channels", 1);
        m.put("clusterName", settings.service());
        BinlogExtractor x = extractor;
        m.put("currentEventId", master && x != null ? x.currentEventId() : "NONE");
        m.put("currentTimeMillis", System.currentTimeMillis());
        m.put("dataServerHost", settings.dbHost());
        m.put("extensions", "");
        m.put("host", settings.host());
        m.put("latestEpochNumber", lastRecord != null ? lastRecord.epoch() : -1);
        m.put("masterConnectUri", master || settings.masterUri() == null ? "" : settings.masterUri().toString());
        m.put("masterListenUri", "thl://" + settings.bindAddress() + ":" + settings.thlPort() + "/");
        m.put("maximumStoredSeqNo", max);
        m.put("minimumStoredSeqNo", min);
        m.put("offlineRequests", "NONE");
        m.put("pendingError", err == null ? "NONE" : err.getMessage());
        m.put("pendingErrorCode", err == null ? "NONE" : errorCode(err));
        m.put("pendingErrorEventId", err instanceof ApplyException ae ? ae.eventId() : "NONE");
        m.put("pendingErrorSeqno", err instanceof ApplyException ae ? ae.seqno() : -1);
        m.put("pendingExceptionMessage", err == null ? "NONE" : rootMessage(err));
        m.put("pipelineSource", master ? "jdbc:mariadb://" + settings.dbHost() + ":" + settings.dbPort() + "/"
                : String.valueOf(settings.masterUri()));
        m.put("relativeLatency", sourceTstamp > 0 ? round((System.currentTimeMillis() - sourceTstamp) / 1000.0) : -1);
        m.put("resourcePrecedence", 99);
        m.put("rmiPort", settings.adminPort());
        m.put("role", settings.role().display());
        m.put("seqnoType", "java.lang.Long");
        m.put("serviceName", settings.service());
        m.put("serviceType", "local");
        m.put("simpleServiceName", settings.service());
        m.put("siteName", "default");
        m.put("sourceId", settings.host());
        m.put("state", state.display());
        m.put("timeInStateSeconds", round((System.currentTimeMillis() - stateSince) / 1000.0));
        m.put("transitioningTo", "");
        m.put("uptimeSeconds", round((System.currentTimeMillis() - startMillis) / 1000.0));
        m.put("useSSLConnection", false);
        m.put("version", VERSION);
        return m;
    }

    private static String errorCode(RuntimeException e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SQLException s) {
            return s.getErrorCode() + " (SQLSTATE " + s.getSQLState() + ")";
        }
        return e instanceof TantalumException te ? te.code().name() : e.getClass().getSimpleName();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    @Override
    public void close() {
        if (dispatcher != null && dispatcher.isAlive()) {
            submit(new ReplicatorEvent.Shutdown()).join();
        }
    }
}
