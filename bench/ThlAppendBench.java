import io.tantalum.thl.ThlCursor;
import io.tantalum.thl.ThlEvent;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import io.tantalum.thl.ThlWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * THL append throughput with fsync group commit: one producer puts N one-row events (about the
 * size of a sysbench write) through a ThlWriter; a cursor reads them back as they become
 * durable. Run with bench/thl-append.sh.
 */
public final class ThlAppendBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        Path dir = Files.createTempDirectory(Path.of(args.length > 1 ? args[1] : "/tmp"), "thlbench");
        List<ThlEvent.ColumnSpec> cols = List.of(new ThlEvent.ColumnSpec("id", 3, false, true),
                new ThlEvent.ColumnSpec("k", 3, false, false), new ThlEvent.ColumnSpec("c", 254, false, false),
                new ThlEvent.ColumnSpec("pad", 254, false, false));
        byte[] c = new byte[120];
        byte[] pad = new byte[60];
        try (ThlLog log = ThlLog.open(dir, 1L << 30)) {
            ThlWriter writer = new ThlWriter(log, "bench", 10_000, 1000, e -> { throw e; });
            long start = System.nanoTime();
            Thread reader = new Thread(() -> {
                try (ThlCursor cursor = log.cursor(0)) {
                    for (int i = 0; i < n; i++) {
                        if (cursor.next(10_000) == null) {
                            throw new IllegalStateException("reader starved at " + i);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            reader.start();
            for (long s = 0; s < n; s++) {
                ThlEvent.RowChange rc = new ThlEvent.RowChange("sbtest", "sbtest1", ThlEvent.Action.INSERT, cols,
                        List.<Object[][]>of(new Object[][] {null, {s, s * 7, c, pad}}));
                writer.put(ThlRecord.of(new ThlEvent(s, 0, true, 0, "mariadb-bin.000001:" + s + ";gtid=0-1-" + s,
                        "host1", s, s, "sbtest", Map.of(), List.of(rc))));
            }
            reader.join();
            double secs = (System.nanoTime() - start) / 1e9;
            writer.close();
            long bytes = Files.size(log.segments().get(0).path());
            System.out.printf("appended and read back %d events (%d bytes) in %.2fs: %.0f events/s, %d fsyncs"
                    + " (%.0f events per fsync)%n", n, bytes, secs, n / secs, writer.fsyncCount(),
                    (double) writer.recordCount() / writer.fsyncCount());
            System.out.printf("RESULT thl_append_eps=%.0f fsyncs=%d%n", n / secs, writer.fsyncCount());
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
