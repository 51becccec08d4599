package io.tantalum.replicator.internal;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.OfflineTrigger;
import io.tantalum.replicator.ReplicatorSettings;
import io.tantalum.replicator.internal.apply.AppliedPosition;
import io.tantalum.replicator.internal.apply.Catalog;
import io.tantalum.replicator.internal.extract.BinlogExtractor;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer;
import io.tantalum.replicator.internal.extract.BinlogPosition;
import io.tantalum.replicator.internal.extract.SourceCharsets;
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
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master: binlog extractor -> THL writer -> THL server. On start it makes its database
 * writable, continues the THL's seqnos, and starts a new epoch at the end of its binlog when the
 * THL's last event came from another host (it was a slave), refusing if that host had not applied
 * everything it stored.
 */
public final class MasterPipeline implements Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(MasterPipeline.class);
    private final ReplicatorSettings settings;
    private final ThlLog log;
    private final PipelineListener listener;
    private final Supplier<OfflineTrigger> trigger;
    private final Catalog catalog;
    private ThlWriter writer;
    private volatile ThlServer server;
    private volatile BinlogExtractor extractor;

    public MasterPipeline(ReplicatorSettings settings, ThlLog log, PipelineListener listener,
            Supplier<OfflineTrigger> trigger) {
        this.settings = settings;
        this.log = log;
        this.listener = listener;
        this.trigger = trigger;
        this.catalog = new Catalog(settings.service());
    }

    @Override
    public ThlLog log() {
        return log;
    }

    @Override
    public void start() {
        log.truncateIncompleteTail();
        BinlogExtractor.Start start;
        Map<Integer, SourceCharsets.Collation> charsets;
        String systemOffset;
        boolean shipWritten;
        try (Connection c = Jdbc.connect(settings)) {
            catalog.create(c);
            start = decideStart(c);
            semiSync(c, settings.semiSyncTimeoutMillis());
            if (settings.masterWritable()) {
                try (Statement s = c.createStatement()) {
                    s.execute("SET GLOBAL read_only=OFF");
                }
            }
            charsets = SourceCharsets.load(c);
            systemOffset = SourceCharsets.systemOffset(c);
            shipWritten = binlogSyncedAtEveryCommit(c);
        } catch (SQLException e) {
            throw Jdbc.unavailable(settings, e);
        }
        try {
            writer = new ThlWriter(log, settings.service(), 10_000, 1000, listener::failed).onDurable(
                    (r, putNanos, putMillis, durableNanos) -> listener.stage(PipelineListener.Stage.STORE,
                            durableNanos - putNanos));
            if (shipWritten) {
                // records ship once written, so a record that comes during an fsync need not wait for it either
                writer.publishWritten().syncBeside();
            }
            server = new ThlServer(log, new ThlServer.Options(settings.service(), settings.bindAddress(),
                    settings.thlPort(), settings.security().serviceSecret(), settings.security().tlsContext(),
                    shipWritten));
            extractor = new BinlogExtractor(new BinlogExtractor.Options(settings.dbHost(), settings.dbPort(),
                    settings.dbUser(), settings.dbPassword(), settings.effectiveServerId(), settings.host(),
                    settings.fragmentRows(), "tantalum_", catalog.schema(), charsets, systemOffset,
                    settings.semiSyncTimeoutMillis() > 0 ? this::storedBySlaves : null), start, writer, listener,
                    trigger);
            extractor.start();
        } catch (RuntimeException e) {
            stop(true);
            throw e;
        }
        listener.synchronizedWithSource();
    }

    /**
     * True when the database syncs its binlog at every commit (sync_binlog=1): the extractor then
     * reads only synced events, so the binlog is the durable copy of every THL record and slaves
     * may be sent a record while its fsync runs (docs/architecture.md, "Ship"). Otherwise records
     * are shipped once durable in this THL.
     */
    static boolean binlogSyncedAtEveryCommit(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("SELECT @@GLOBAL.sync_binlog")) {
            boolean synced = rs.next() && rs.getLong(1) == 1;
            LOG.info(synced ? "sync_binlog=1: THL records are shipped to slaves while their fsync runs"
                    : "sync_binlog is not 1: THL records are shipped to slaves once durable in this THL");
            return synced;
        }
    }

    /**
     * How long a master without any slave connected still waits for one before its commits go
     * on without acknowledgement: long enough for the slaves to connect after a switch or failover
     * promoted it, short enough that slaves taken offline for maintenance do not hold every commit
     * for the semi-sync timeout.
     */
    static final long NO_SLAVE_GRACE_MILLIS = 2000;

    /**
     * The semi-sync acknowledgement's condition: a slave has stored {@code seqno}, or no slave has
     * been connected for {@link #NO_SLAVE_GRACE_MILLIS} (like MariaDB's
     * {@code rpl_semi_sync_master_wait_no_slave=OFF}: there is no one to wait for).
     */
    private boolean storedBySlaves(long seqno, long timeoutMillis) throws InterruptedException {
        ThlServer srv = server;
        return srv.aloneFor(NO_SLAVE_GRACE_MILLIS) || srv.acks().await(seqno, timeoutMillis);
    }

    /**
     * Semi-synchronous commits on this database ({@code timeoutMillis > 0}: AFTER_SYNC, so no
     * client, not even another session, sees a transaction no slave has), or none (0). Set before
     * the database becomes writable; a slave's database never waits (see SlavePipeline).
     */
    static void semiSync(Connection c, long timeoutMillis) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (timeoutMillis > 0) {
                // wait_no_slave=OFF: while this replicator's extractor (the only semi-sync replica) is not
                // connected, a replicator restart for instance, commits do not wait out the timeout
                s.execute("SET GLOBAL rpl_semi_sync_master_wait_point=AFTER_SYNC, rpl_semi_sync_master_timeout="
                        + timeoutMillis + ", rpl_semi_sync_master_wait_no_slave=OFF, rpl_semi_sync_master_enabled=ON");
            } else {
                s.execute("SET GLOBAL rpl_semi_sync_master_enabled=OFF");
            }
        }
    }

    private BinlogExtractor.Start decideStart(Connection c) throws SQLException {
        ThlRecord last = log.lastRecord();
        if (last == null) {
            // no THL: a new service (seqno 0), or a slave whose THL was deleted (a rebuild) that had applied up to a
            // seqno its catalog holds: the history goes on from there
            AppliedPosition applied = catalog.read(c);
            long next = applied.seqno() < 0 ? 0 : applied.seqno() + 1;
            BinlogPosition end = binlogEnd(c);
            MasterSessionStore.save(log.directory(), new BinlogOnlyAnalyzer.MasterSession(next, end));
            if (next > 0) {
                LOG.info("new master session: no THL, applied seqno={} from {}; epoch={} starts at binlog {}",
                        applied.seqno(), applied.sourceId(), next, end.toEventId());
            }
            return new BinlogExtractor.Start(end, next, next);
        }
        ThlEvent e = last.decode();
        if (settings.host().equals(e.sourceId())) {
            return new BinlogExtractor.Start(BinlogPosition.parse(e.eventId()), last.seqno() + 1, last.epoch());
        }
        AppliedPosition applied = catalog.read(c);
        if (applied.seqno() < last.seqno()) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, settings.host() + " cannot go online as"
                    + " master: its THL holds seqno " + (applied.seqno() + 1) + " to " + last.seqno() + " from "
                    + e.sourceId() + " that are not applied to its database (applied seqno " + applied.seqno()
                    + "). Make it a slave again (`trepctl setrole -role slave -uri thl://" + e.sourceId()
                    + ":2112/`, `trepctl online`), wait with `trepctl wait -applied " + last.seqno()
                    + "`, then switch roles again.");
        }
        long epoch = last.seqno() + 1;
        BinlogOnlyAnalyzer.MasterSession saved = MasterSessionStore.load(log.directory());
        if (saved != null && saved.epoch() == epoch) {
            // this host's session that follows the THL's last event started before, and the THL holds none of its
            // events: it extracted none, or a crash of the host took them with the unsynced end of the THL
            // (slaves may hold them: they were shipped during the fsync). Extract from where it started.
            LOG.info("resuming master session epoch={} from its start at binlog {}", epoch, saved.start().toEventId());
            return new BinlogExtractor.Start(saved.start(), epoch, epoch);
        }
        BinlogPosition end = binlogEnd(c);
        MasterSessionStore.save(log.directory(), new BinlogOnlyAnalyzer.MasterSession(epoch, end));
        LOG.info("new master session: THL ends with seqno={} from {}; epoch={} starts at binlog {}", last.seqno(),
                e.sourceId(), epoch, end.toEventId());
        return new BinlogExtractor.Start(end, epoch, epoch);
    }

    private BinlogPosition binlogEnd(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW MASTER STATUS")) {
            if (!rs.next()) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "The database at " + settings.dbHost() + ":"
                        + settings.dbPort() + " has no binlog (SHOW MASTER STATUS is empty). Enable log_bin and"
                        + " binlog_format=ROW on it, restart it, then run `trepctl online`.");
            }
            return new BinlogPosition(rs.getString(1), rs.getLong(2), null);
        }
    }

    /** Writes a heartbeat through the database; the extractor stores it as an event named {@code name}. */
    public void heartbeat(String name) {
        try (Connection c = Jdbc.connect(settings)) {
            catalog.heartbeat(c, name);
        } catch (SQLException e) {
            throw Jdbc.unavailable(settings, e);
        }
    }

    @Override
    public void stop(boolean immediate) {
        if (extractor != null) {
            extractor.stop();
        }
        if (writer != null) {
            writer.stop(immediate);
        }
        if (server != null) {
            server.close();
        }
    }

    @Override
    public Applied applied() {
        ThlRecord r = log.lastRecord();
        if (r == null) {
            return null;
        }
        ThlEvent e = r.decode();
        return new Applied(log.maxCompleteSeqno(), e.eventId(), e.sourceTstamp(),
                Math.max(0, e.extractTstamp() - e.sourceTstamp()) / 1000.0);
    }

    @Override
    public long appliedSeqno() {
        return log.maxCompleteSeqno();
    }

    @Override
    public long retentionFloor() {
        ThlServer srv = server;
        if (srv == null) {
            return Long.MAX_VALUE;
        }
        return srv.connectedSlaves().stream().mapToLong(ThlServer.SlavePosition::seqno).min().orElse(Long.MAX_VALUE);
    }

    @Override
    public Status status() {
        BinlogExtractor x = extractor;
        ThlServer srv = server;
        return new Status(x != null ? x.currentEventId() : "NONE", srv != null ? srv.connectedSlaves().size() : 0,
                null);
    }

    @Override
    public Map<String, Object> section(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (name) {
            case "tasks" -> {
                m.put("taskId", 0);
                m.put("stage", "binlog-to-thl");
                m.put("extractor", "BinlogExtractor");
                m.put("currentEventId", extractor != null ? extractor.currentEventId() : "NONE");
                m.put("lastSeqno", extractor != null ? extractor.lastSeqno() : -1);
                m.put("recordsWritten", writer != null ? writer.recordCount() : 0);
            }
            case "stages" -> {
                m.put("stages", List.of("binlog-to-thl", "thl-server"));
                m.put("connectedSlaves", server != null ? server.connectedSlaves() : List.of());
            }
            default -> {
                return Stores.describe(log, writer);
            }
        }
        return m;
    }
}
