package io.tantalum.replicator;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.DaemonMetrics;
import io.tantalum.replicator.internal.Pipeline;
import io.tantalum.replicator.internal.PipelineListener;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;

/**
 * The replicator's meters (docs/metrics.md): its position, latencies and state from the same
 * figures as {@code trepctl status} (read once per scrape), counters of the transactions and rows
 * it extracted or applied, its errors, the THL's fsync times and size, and each apply channel's
 * progress. Thread-safe: the pipeline's threads count, the admin API's threads scrape.
 */
final class ReplicatorMetrics implements AutoCloseable {
    private final DaemonMetrics daemon;
    private final Replicator replicator;
    private final LongAdder txnsExtracted = new LongAdder();
    private final LongAdder rowsExtracted = new LongAdder();
    private final LongAdder txnsApplied = new LongAdder();
    private final LongAdder rowsApplied = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Timer fsync;
    private final java.util.Map<PipelineListener.Stage, Timer> stages = new java.util.EnumMap<>(
            PipelineListener.Stage.class);
    private final MultiGauge channelSeqno;
    private final MultiGauge channelTxns;
    private volatile ReplicatorStatus status;
    /** The THL's files and bytes for the scrape under way (one listing of the directory per scrape). */
    private volatile double[] thl;

    ReplicatorMetrics(Replicator replicator, ReplicatorSettings settings) {
        this.replicator = replicator;
        this.daemon = new DaemonMetrics(settings.service(), settings.host());
        MeterRegistry r = daemon.registry();
        for (ReplicatorState s : ReplicatorState.values()) {
            Gauge.builder("tantalum.replicator.state", () -> replicator.state() == s ? 1 : 0).tag("state", s.display())
                    .description("1 for the replicator's current state, 0 for the others").register(r);
        }
        for (ReplicatorSettings.Role role : ReplicatorSettings.Role.values()) {
            String name = role.name().toLowerCase(java.util.Locale.ROOT);
            Gauge.builder("tantalum.replicator.role", () -> replicator.role() == role ? 1 : 0).tag("role", name)
                    .description("1 for the replicator's current role, 0 for the other").register(r);
        }
        gauge(r, "tantalum.replicator.applied.seqno", null, ReplicatorStatus::appliedLastSeqno,
                "Seqno of the last transaction stored (master) or applied (slave); -1 if none");
        gauge(r, "tantalum.replicator.thl.max.seqno", null, ReplicatorStatus::maximumStoredSeqNo,
                "Highest seqno in this host's THL");
        gauge(r, "tantalum.replicator.thl.min.seqno", null, ReplicatorStatus::minimumStoredSeqNo,
                "Lowest seqno still in this host's THL (older ones were purged)");
        gauge(r, "tantalum.replicator.applied.latency", "seconds", ReplicatorStatus::appliedLatency,
                "Seconds between the source's commit and this host's store or apply of the last transaction");
        gauge(r, "tantalum.replicator.relative.latency", "seconds", ReplicatorStatus::relativeLatency,
                "Seconds since the source committed the last transaction this host stored or applied");
        gauge(r, "tantalum.replicator.behind.seqnos", null, ReplicatorStatus::behindSeqnos,
                "Transactions the master has that this slave has not applied yet (0 on a master)");
        gauge(r, "tantalum.replicator.connected.slaves", null,
                s -> s.connectedSlaves() == null ? 0 : s.connectedSlaves(), "Slaves reading this master's THL");
        gauge(r, "tantalum.replicator.time.in.state", "seconds", ReplicatorStatus::timeInStateSeconds,
                "Seconds since the replicator entered its current state");
        counter(r, "tantalum.replicator.transactions.extracted", txnsExtracted,
                "Transactions this master read from its binlog and stored in its THL");
        counter(r, "tantalum.replicator.rows.extracted", rowsExtracted, "Row changes this master extracted");
        counter(r, "tantalum.replicator.transactions.applied", txnsApplied,
                "Transactions this slave applied to its database (a parallel chunk retried counts again)");
        counter(r, "tantalum.replicator.rows.applied", rowsApplied,
                "Row changes this slave applied (a parallel chunk retried counts again)");
        counter(r, "tantalum.replicator.errors", errors,
                "Pipeline errors that stopped replication (OFFLINE:ERROR), apply errors included");
        Gauge.builder("tantalum.thl.size", () -> thl()[1]).baseUnit("bytes")
                .description("Bytes in this host's THL files").register(r);
        Gauge.builder("tantalum.thl.files", () -> thl()[0]).description("THL segment files on this host").register(r);
        fsync = Timer.builder("tantalum.thl.fsync").description("Time of each fsync of the THL (one per batch)")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
                        Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(250), Duration.ofSeconds(1))
                .register(r);
        for (PipelineListener.Stage s : PipelineListener.Stage.values()) {
            stages.put(s, Timer.builder("tantalum.replicator.stage").tag("stage", s.label())
                    .description("Time each transaction spent in a stage between the master's extraction and the"
                            + " slave's commit (docs/metrics.md)")
                    .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
                            Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100),
                            Duration.ofMillis(250), Duration.ofSeconds(1), Duration.ofSeconds(10))
                    .register(r));
        }
        channelSeqno = MultiGauge.builder("tantalum.replicator.channel.applied.seqno")
                .description("Seqno of the last transaction each apply channel committed").register(r);
        channelTxns = MultiGauge.builder("tantalum.replicator.channel.transactions")
                .description("Transactions each apply channel applied since the pipeline started").register(r);
    }

    private void gauge(MeterRegistry r, String name, String unit, ToDoubleFunction<ReplicatorStatus> f, String help) {
        Gauge.builder(name, () -> f.applyAsDouble(status())).baseUnit(unit).description(help).register(r);
    }

    private static void counter(MeterRegistry r, String name, LongAdder count, String help) {
        FunctionCounter.builder(name, count, LongAdder::sum).description(help).register(r);
    }

    /** The status this scrape reads (one per scrape, not one per gauge). */
    private ReplicatorStatus status() {
        ReplicatorStatus s = status;
        return s != null ? s : replicator.status();
    }

    /** Every meter in Prometheus' text format. */
    synchronized String scrape() {
        status = replicator.status();
        thl = listThl();
        try {
            List<Pipeline.ChannelProgress> channels = replicator.channelProgress();
            channelSeqno.register(channels.stream().map(c -> MultiGauge.Row.of(Tags.of("channel",
                    Integer.toString(c.channel())), c.appliedSeqno())).toList(), true);
            channelTxns.register(channels.stream().map(c -> MultiGauge.Row.of(Tags.of("channel",
                    Integer.toString(c.channel())), c.transactions())).toList(), true);
            return daemon.scrape();
        } finally {
            status = null;
            thl = null;
        }
    }

    /** A fragment the extractor stored in the THL. */
    void extracted(ThlEvent fragment) {
        rowsExtracted.add(rows(fragment));
        if (fragment.lastFrag()) {
            txnsExtracted.increment();
        }
    }

    /** An event the applier applied. */
    void applied(ThlEvent fragment) {
        rowsApplied.add(rows(fragment));
        if (fragment.lastFrag()) {
            txnsApplied.increment();
        }
    }

    void failed() {
        errors.increment();
    }

    /** A transaction's time in one stage of the pipeline. */
    void stage(PipelineListener.Stage stage, long nanos) {
        stages.get(stage).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Measures the fsyncs of {@code log}. */
    void watch(ThlLog log) {
        log.onSync(nanos -> fsync.record(nanos, TimeUnit.NANOSECONDS));
    }

    private static long rows(ThlEvent e) {
        long n = 0;
        for (ThlEvent.Change c : e.changes()) {
            if (c instanceof ThlEvent.RowChange rc) {
                n += rc.rows().size();
            }
        }
        return n;
    }

    private double[] thl() {
        double[] t = thl;
        return t != null ? t : listThl();
    }

    /** How many THL files there are and their bytes (NaN when the directory cannot be read). */
    private double[] listThl() {
        try (var files = Files.list(replicator.settings().thlDirectory())) {
            long[] filesAndBytes = new long[2];
            files.filter(p -> p.getFileName().toString().startsWith("thl.data.")).forEach(p -> {
                filesAndBytes[0]++;
                try {
                    filesAndBytes[1] += Files.size(p);
                } catch (IOException e) {
                    // purged while we looked
                }
            });
            return new double[] {filesAndBytes[0], filesAndBytes[1]};
        } catch (IOException e) {
            return new double[] {Double.NaN, Double.NaN};
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
