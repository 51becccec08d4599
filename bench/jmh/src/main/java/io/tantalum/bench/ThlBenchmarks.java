package io.tantalum.bench;

import io.tantalum.thl.ThlCursor;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import io.tantalum.thl.ThlWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * THL micro-benchmarks, in events per second: append through the group-committing writer with
 * fsync (each invocation writes a batch and waits until a reader has seen all of it durable),
 * sequential read of a stored log, and the event codec. Events are one sysbench-sized row.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class ThlBenchmarks {
    static final int BATCH = 10_000;
    Path dir;
    ThlLog log;
    ThlWriter writer;
    ThlCursor cursor;
    long next;
    ThlEvent sample;
    byte[] encoded;
    Path readDir;
    ThlLog readLog;

    static ThlEvent event(long seqno) {
        List<ThlEvent.ColumnSpec> cols = List.of(new ThlEvent.ColumnSpec("id", 3, false, true),
                new ThlEvent.ColumnSpec("k", 3, false, false), new ThlEvent.ColumnSpec("c", 254, false, false),
                new ThlEvent.ColumnSpec("pad", 254, false, false));
        ThlEvent.RowChange rc = new ThlEvent.RowChange("sbtest", "sbtest1", ThlEvent.Action.UPDATE, cols,
                List.<Object[][]>of(new Object[][] {{seqno, 7L, new byte[120], new byte[60]},
                    {seqno, 8L, new byte[120], new byte[60]}}));
        return new ThlEvent(seqno, 0, true, 0, "mariadb-bin.000001:" + seqno + ";gtid=0-1-" + seqno, "host1", seqno,
                seqno, "sbtest", Map.of(), List.of(rc));
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory(Path.of(System.getProperty("thl.bench.dir", "/tmp")), "jmh-thl");
        log = ThlLog.open(dir, 1L << 30);
        writer = new ThlWriter(log, "jmh", 10_000, 1000, e -> { throw e; });
        cursor = log.cursor(0);
        sample = event(1);
        encoded = ThlRecord.of(sample).body();
        readDir = Files.createTempDirectory(Path.of(System.getProperty("thl.bench.dir", "/tmp")), "jmh-read");
        try (ThlLog l = ThlLog.open(readDir, 1L << 30)) {
            for (long s = 0; s < 200_000; s++) {
                l.append(ThlRecord.of(event(s)));
            }
            l.sync();
        }
        readLog = ThlLog.open(readDir, 1L << 30);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        writer.close();
        cursor.close();
        log.close();
        readLog.close();
        for (Path p : List.of(dir, readDir)) {
            try (Stream<Path> s = Files.walk(p)) {
                s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Append with fsync group commit, until every event is durable and read back. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long appendWithFsync() throws Exception {
        long last = 0;
        for (int i = 0; i < BATCH; i++) {
            writer.put(ThlRecord.of(event(next++)));
        }
        for (int i = 0; i < BATCH; i++) {
            last = cursor.next(10_000).seqno();
        }
        return last;
    }

    /** Sequential read of 200,000 stored events with checksum verification. */
    @Benchmark
    @OperationsPerInvocation(200_000)
    public long sequentialRead() {
        long last = 0;
        try (ThlCursor c = readLog.cursor(0)) {
            ThlRecord r;
            while ((r = c.tryNext()) != null) {
                last = r.seqno();
            }
        }
        return last;
    }

    @Benchmark
    public byte[] encode() {
        return ThlRecord.of(sample).body();
    }

    @Benchmark
    public ThlEvent decode() {
        return new ThlRecord(1, 0, true, 0, encoded).decode();
    }
}
