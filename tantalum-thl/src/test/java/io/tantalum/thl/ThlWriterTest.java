package io.tantalum.thl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThlWriterTest {
    @TempDir
    Path dir;

    @Test
    void groupCommitsAndPublishesOnlyDurableRecords() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            ThlWriter writer = new ThlWriter(log, "test", 1000, 100, e -> {});
            try (ThlCursor cursor = log.cursor(0)) {
                for (long s = 0; s < 500; s++) {
                    writer.put(ThlRecord.of(ThlLogTest.event(s, 0, true)));
                }
                long expected = 0;
                while (expected < 500) {
                    ThlRecord r = cursor.next(5000);
                    assertThat(r).isNotNull();
                    assertThat(r.seqno()).isEqualTo(expected++);
                }
            }
            writer.close();
            assertThat(writer.recordCount()).isEqualTo(500);
            assertThat(writer.fsyncCount()).isLessThan(500);
        }
    }

    @Test
    void tellsWhenEachTransactionBecameDurableAndHowLongItWaited() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            java.util.List<long[]> told = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            ThlWriter writer = new ThlWriter(log, "test", 1000, 100, e -> {}).onDurable(
                    (r, putNanos, putMillis, durableNanos) -> told.add(new long[] {r.seqno(), putNanos, durableNanos}));
            long before = System.nanoTime();
            for (long s = 0; s < 10; s++) {
                writer.put(ThlRecord.of(ThlLogTest.event(s, 0, s % 2 == 1))); // even seqnos: first fragments
                if (s % 2 == 0) {
                    writer.put(ThlRecord.of(ThlLogTest.event(s, 1, true)));
                }
            }
            writer.close();
            assertThat(told).extracting(t -> t[0]).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(told).allSatisfy(t -> assertThat(t[1]).isBetween(before, t[2]));
        }
    }

    @Test
    void aSyncerBesideTheWriterMakesEveryWrittenRecordDurableInOrderAcrossSegmentRolls() throws Exception {
        // segments of ~4 KiB: the writer rolls over many times while the syncer fsyncs beside it
        try (ThlLog log = ThlLog.open(dir, 4096)) {
            java.util.List<Long> durableTold = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            java.util.List<Long> writtenTold = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            ThlWriter writer = new ThlWriter(log, "test", 1000, 100, e -> {})
                    .onDurable((r, putNanos, putMillis, durableNanos) -> durableTold.add(r.seqno()))
                    .publishWritten((r, putNanos, putMillis, writtenNanos) -> writtenTold.add(r.seqno()))
                    .syncBeside();
            try (ThlCursor durable = log.cursor(0); ThlCursor written = log.writtenCursor(0)) {
                for (long s = 0; s < 2000; s++) {
                    writer.put(ThlRecord.of(ThlLogTest.event(s, 0, true)));
                    if (s % 200 == 0) {
                        // a durable reader never gets ahead of what is durable
                        assertThat(log.maxCompleteSeqno()).isLessThanOrEqualTo(s);
                    }
                }
                for (long expected = 0; expected < 2000; expected++) {
                    assertThat(written.next(5000)).extracting(ThlRecord::seqno).isEqualTo(expected);
                    ThlRecord r = durable.next(5000);
                    assertThat(r).extracting(ThlRecord::seqno).isEqualTo(expected);
                    assertThat(log.maxCompleteSeqno()).isGreaterThanOrEqualTo(expected);
                }
            }
            writer.close();
            assertThat(writer.recordCount()).isEqualTo(2000);
            assertThat(writer.fsyncCount()).isLessThan(2000);
            assertThat(log.segments()).hasSizeGreaterThan(10);
            java.util.List<Long> all = java.util.stream.LongStream.range(0, 2000).boxed().toList();
            assertThat(writtenTold).isEqualTo(all);
            assertThat(durableTold).isEqualTo(all);
        }
        try (ThlLog reopened = ThlLog.open(dir, 4096)) {
            assertThat(reopened.maxCompleteSeqno()).isEqualTo(1999);
        }
    }

    @Test
    void aWriteFailureBesideTheSyncerIsReportedOnceAndBothThreadsEnd() throws Exception {
        ThlLog log = ThlLog.open(dir, 1 << 20);
        java.util.List<RuntimeException> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        ThlWriter writer = new ThlWriter(log, "failing", 1000, 100, failures::add).publishWritten().syncBeside();
        writer.put(ThlRecord.of(ThlLogTest.event(0, 0, true)));
        try (ThlCursor c = log.cursor(0)) {
            assertThat(c.next(5000)).isNotNull(); // durable: the syncer runs
        }
        log.close(); // the file goes away under the writer: its next append fails, on the producer's thread
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.put(ThlRecord.of(ThlLogTest.event(1, 0, true))))
                .hasMessageContaining("Cannot write to THL directory");
        long deadline = System.currentTimeMillis() + 10_000;
        while (threadsNamed("tantalum-failing-thl-") > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(threadsNamed("tantalum-failing-thl-")).as("writer and syncer ended").isZero();
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0)).hasMessageContaining("Cannot write to THL directory");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.put(ThlRecord.of(ThlLogTest.event(2, 0, true))))
                .isSameAs(failures.get(0));
        writer.close();
    }

    @Test
    void withASyncerBesideAPutRecordIsWrittenAndPublishedOnTheCallersThreadWhenPutReturns() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            java.util.List<String> toldOn = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            ThlWriter writer = new ThlWriter(log, "inline", 1000, 100, e -> {})
                    .publishWritten((r, putNanos, putMillis, writtenNanos) -> toldOn.add(Thread.currentThread().getName()))
                    .syncBeside();
            try (ThlCursor written = log.writtenCursor(0); ThlCursor durable = log.cursor(0)) {
                for (long s = 0; s < 50; s++) {
                    writer.put(ThlRecord.of(ThlLogTest.event(s, 0, true)));
                    ThlRecord r = written.tryNext(); // no waiting: put has published it
                    assertThat(r).isNotNull();
                    assertThat(r.seqno()).isEqualTo(s);
                }
                for (long s = 0; s < 50; s++) {
                    assertThat(durable.next(5000).seqno()).isEqualTo(s); // the syncer makes each durable
                }
            }
            assertThat(toldOn).hasSize(50).containsOnly(Thread.currentThread().getName());
            assertThat(threadsNamed("tantalum-inline-thl-writer")).as("no writer thread").isZero();
            writer.close();
            assertThat(threadsNamed("tantalum-inline-thl-")).as("the syncer ended").isZero();
            assertThat(writer.recordCount()).isEqualTo(50);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.put(ThlRecord.of(ThlLogTest.event(50, 0, true))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThat(log.maxCompleteSeqno()).isEqualTo(49);
        }
    }

    @Test
    void whenTheProducerSyncsRecordsAreWrittenAtOnceAndDurableAtItsSyncOrEveryBatchWithNoThread() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            java.util.List<Long> durableTold = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            ThlWriter writer = new ThlWriter(log, "producer", 1000, 10, e -> {}).producerSyncs()
                    .onDurable((r, putNanos, putMillis, durableNanos) -> durableTold.add(r.seqno()))
                    .publishWritten();
            try (ThlCursor written = log.writtenCursor(0); ThlCursor durable = log.cursor(0)) {
                for (long s = 0; s < 3; s++) {
                    writer.put(ThlRecord.of(ThlLogTest.event(s, 0, true)));
                    assertThat(written.tryNext().seqno()).isEqualTo(s);
                }
                assertThat(durable.tryNext()).as("nothing durable before the producer syncs").isNull();
                assertThat(durableTold).isEmpty();
                writer.sync();
                assertThat(durableTold).containsExactly(0L, 1L, 2L);
                assertThat(log.maxCompleteSeqno()).isEqualTo(2);
                assertThat(writer.fsyncCount()).isEqualTo(1);
                writer.sync(); // nothing new: no fsync
                assertThat(writer.fsyncCount()).isEqualTo(1);
                for (long s = 3; s < 13; s++) { // the 10th record since the last fsync (maxBatch) fsyncs by itself
                    writer.put(ThlRecord.of(ThlLogTest.event(s, 0, true)));
                }
                assertThat(log.maxCompleteSeqno()).isEqualTo(12);
                writer.put(ThlRecord.of(ThlLogTest.event(13, 0, true)));
                assertThat(threadsNamed("tantalum-producer-thl-")).as("no writer or syncer thread").isZero();
                writer.close(); // fsyncs what the producer left
                assertThat(log.maxCompleteSeqno()).isEqualTo(13);
                assertThat(writer.recordCount()).isEqualTo(14);
                assertThat(durableTold).hasSize(14);
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> writer.put(ThlRecord.of(ThlLogTest.event(14, 0, true))))
                    .hasMessageContaining("closed");
        }
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .count();
    }
}
