package io.tantalum.replicator.internal;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.OfflineTrigger;
import io.tantalum.replicator.ReplicatorSettings;
import io.tantalum.replicator.internal.apply.AppliedPosition;
import io.tantalum.replicator.internal.apply.JdbcApplier;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer;
import io.tantalum.replicator.internal.ship.ThlClient;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import io.tantalum.thl.ThlWriter;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slave: THL client -> THL writer, and JDBC applier reading the local THL. On start it makes
 * its database read-only and, when its THL ends with events it extracted itself (it was the
 * master), refuses to start if its binlog holds transactions written after them that the THL
 * never extracted (binlog-only, see {@link BinlogOnlyAnalyzer}), unless the operator accepts the
 * divergence; then it records those THL events as applied: they are already in its database.
 */
public final class SlavePipeline implements Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(SlavePipeline.class);

    /** What differs from one start to the next. */
    public record Options(URI master, Set<Long> skipSeqnos, boolean force, boolean forceDivergence,
            Supplier<OfflineTrigger> trigger) {}

    private final ReplicatorSettings settings;
    private final ThlLog log;
    private final PipelineListener listener;
    private final Options options;
    private final StageClock clock = new StageClock();
    private ThlWriter writer;
    private volatile ThlClient client;
    private volatile JdbcApplier applier;

    public SlavePipeline(ReplicatorSettings settings, ThlLog log, PipelineListener listener, Options options) {
        this.settings = settings;
        this.log = log;
        this.listener = listener;
        this.options = options;
    }

    @Override
    public ThlLog log() {
        return log;
    }

    @Override
    public void start() {
        JdbcApplier a = new JdbcApplier(new JdbcApplier.Options(settings.jdbcUrl(), settings.dbUser(),
                settings.dbPassword(), settings.service(), settings.blockCommitSize(), settings.blockCommitMillis(),
                options.skipSeqnos(), settings.applyBinlog(), settings.applyChannels()), log, listener,
                options.trigger(), clock);
        AppliedPosition applied = a.readPosition();
        ThlRecord last = log.lastRecord();
        ThlEvent lastEvent = last == null ? null : last.decode();
        boolean ownTail = lastEvent != null && settings.host().equals(lastEvent.sourceId());
        if (ownTail && !last.lastFrag()) {
            log.truncateIncompleteTail();
            last = log.lastRecord();
            lastEvent = last == null ? null : last.decode();
            ownTail = lastEvent != null && settings.host().equals(lastEvent.sourceId());
        }
        try (Connection c = a.connect()) {
            try (Statement s = c.createStatement()) {
                s.execute("SET GLOBAL read_only=ON");
            }
            // the applier's commits must never wait for a semi-sync acknowledgement nobody sends
            MasterPipeline.semiSync(c, 0);
            checkBinlogOnly(c);
            if (ownTail && last.seqno() > applied.seqno()) {
                applied = new AppliedPosition(lastEvent.seqno(), lastEvent.epoch(), lastEvent.eventId(),
                        lastEvent.sourceId(), lastEvent.sourceTstamp(), System.currentTimeMillis());
                a.catalog().writeUnlogged(c, applied);
                a.readPosition();
                LOG.info("THL ends with seqno={} extracted on this host when it was master: recorded as applied",
                        lastEvent.seqno());
            }
        } catch (SQLException e) {
            throw Jdbc.unavailable(settings, e);
        }
        ThlClient.Position from = last != null
                ? new ThlClient.Position(last.seqno(), last.fragno(), last.lastFrag(), last.epoch(), lastEvent.eventId())
                : new ThlClient.Position(applied.seqno(), 0, true, applied.epoch(), applied.eventId());
        // with one channel the applier sends a transaction's statements while its fsync runs (JdbcApplier.eager)
        boolean eager = a.eager();
        // the receiver appends, and fsyncs once its input is drained (ThlClient): no thread hand-off before the fsync
        writer = new ThlWriter(log, settings.service(), 10_000, 1000, listener::failed).producerSyncs().onDurable(
                (r, putNanos, putMillis, durableNanos) -> {
                    listener.stage(PipelineListener.Stage.STORE, durableNanos - putNanos);
                    if (!eager) {
                        clock.available(r, putMillis, durableNanos);
                    }
                });
        if (eager) {
            writer.publishWritten((r, putNanos, putMillis, writtenNanos) -> clock.available(r, putMillis, writtenNanos));
        }
        applier = a;
        client = new ThlClient(new ThlClient.Options(options.master(), settings.service(), settings.host(),
                options.force(), settings.security().serviceSecret(), settings.bindAddress(),
                settings.security().tlsContext()), from, log, writer, new ThlClient.Listener() {
                    @Override
                    public void connected() {
                        listener.synchronizedWithSource();
                    }

                    @Override
                    public void disconnected(String why) {
                        listener.connectionLost(why);
                    }

                    @Override
                    public void failed(RuntimeException e) {
                        listener.failed(e);
                    }
                });
        client.start();
        applier.start(settings.service());
    }

    /**
     * Refuses to start when the database holds binlog-only transactions: written here (when it was
     * the master) after the binlog position its THL accounts for, so no other host has them. The
     * rule is {@link BinlogOnlyAnalyzer}'s. Runs before anything is applied, with the database
     * read-only.
     */
    private void checkBinlogOnly(Connection c) throws SQLException {
        BinlogOnlyReader.Result r = BinlogOnlyReader.read(settings, c, BinlogOnlyReader.readFrom(settings, log), false);
        List<BinlogOnlyAnalyzer.Transaction> only = r.transactions();
        if (r.at() == null) {
            LOG.debug("the THL accounts for none of this database's binlog: no binlog-only transactions to look for");
            return;
        }
        switch (BinlogOnlyAnalyzer.decide(only, options.forceDivergence())) {
            case NONE -> LOG.info("binlog after the position the THL accounts for ({}, THL seqno={}): {}"
                    + " transaction(s), none binlog-only", r.at().position().toEventId(), r.at().seqno(), r.read());
            case FORCED -> LOG.warn("online -force-divergence: {} binlog-only transaction(s) stay on this host only:"
                    + " {}", only.size(), BinlogOnlyAnalyzer.list(only));
            case REFUSE -> throw new TantalumException(ErrorCode.DATA_LOSS,
                    BinlogOnlyAnalyzer.refusal(r.at(), String.valueOf(options.master()), only));
        }
    }

    @Override
    public void stop(boolean immediate) {
        if (client != null) {
            client.stop();
        }
        if (writer != null) {
            writer.stop(immediate);
        }
        if (applier != null) {
            applier.stop(immediate);
        }
    }

    /** The applied position as the database holds it (also when the pipeline is not running). */
    public static AppliedPosition readApplied(ReplicatorSettings settings) {
        try (Connection c = Jdbc.connect(settings)) {
            return new io.tantalum.replicator.internal.apply.Catalog(settings.service()).read(c);
        } catch (SQLException | RuntimeException e) {
            return AppliedPosition.NONE;
        }
    }

    @Override
    public Applied applied() {
        JdbcApplier a = applier;
        if (a == null) {
            return null;
        }
        AppliedPosition p = a.applied();
        return new Applied(p.seqno(), p.seqno() < 0 ? "NONE" : p.eventId(), p.sourceTstamp(), p.latencySeconds());
    }

    /** The master's newest seqno as last heard, or -1. */
    public long masterMaxSeqno() {
        ThlClient c = client;
        return c == null ? -1 : c.masterMaxSeqno();
    }

    @Override
    public long appliedSeqno() {
        JdbcApplier a = applier;
        return a == null ? -1 : a.applied().seqno();
    }

    @Override
    public long retentionFloor() {
        Applied a = applied();
        return a == null ? -1 : a.seqno() + 1;
    }

    @Override
    public Status status() {
        return new Status("NONE", null, masterMaxSeqno());
    }

    @Override
    public List<ChannelProgress> channelProgress() {
        JdbcApplier ap = applier;
        return ap == null ? List.of() : ap.channelProgress();
    }

    @Override
    public Map<String, Object> section(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (name) {
            case "tasks" -> {
                Applied a = applied();
                m.put("taskId", 0);
                m.put("stage", "thl-to-dbms");
                m.put("applier", "JdbcApplier");
                m.put("appliedLastSeqno", a == null ? -1 : a.seqno());
                m.put("appliedLastEventId", a == null ? "NONE" : a.eventId());
                m.put("blockCommitRowCount", settings.blockCommitSize());
                m.put("channels", settings.applyChannels());
                JdbcApplier ap = applier;
                if (ap != null) {
                    ap.channels().forEach((ch, progress) -> m.put("channel" + ch, progress));
                }
            }
            case "stages" -> {
                m.put("stages", List.of("remote-to-thl", "thl-to-dbms"));
                m.put("masterConnectUri", String.valueOf(options.master()));
                m.put("masterMaxSeqno", masterMaxSeqno());
            }
            default -> {
                return Stores.describe(log, writer);
            }
        }
        return m;
    }
}
