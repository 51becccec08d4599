package io.tantalum.thl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tantalum.common.TantalumException;
import java.io.RandomAccessFile;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThlLogTest {
    @TempDir
    Path dir;

    static ThlEvent event(long seqno, int fragno, boolean last) {
        ThlEvent.RowChange rc = new ThlEvent.RowChange("db", "t", ThlEvent.Action.INSERT,
                List.of(new ThlEvent.ColumnSpec("id", 3, false, true), new ThlEvent.ColumnSpec("v", 15, false, false)),
                List.<Object[][]>of(new Object[][] {null, {seqno, ("v" + seqno).getBytes()}}));
        return new ThlEvent(seqno, fragno, last, 0, "mariadb-bin.000001:" + seqno, "host1", 1000L, 2000L, "db",
                Map.of(), List.of(rc));
    }

    static void write(ThlLog log, long from, long to) {
        for (long s = from; s <= to; s++) {
            log.append(ThlRecord.of(event(s, 0, true)));
        }
        log.sync();
    }

    static List<Long> readAll(ThlLog log, long from) throws Exception {
        List<Long> seqnos = new ArrayList<>();
        try (ThlCursor c = log.cursor(from)) {
            ThlRecord r;
            while ((r = c.tryNext()) != null) {
                seqnos.add(r.seqno());
            }
        }
        return seqnos;
    }

    @Test
    void wakeReadersEndsACursorsWaitAtOnceAndLaterRecordsStillCome() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20); ThlCursor c = log.cursor(1)) {
            java.util.concurrent.CompletableFuture<ThlRecord> waiting = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> {
                        try {
                            return c.next(60_000);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            while (!waiting.isDone()) {
                log.wakeReaders(); // the reader may not be waiting yet: wake until it has returned
                Thread.sleep(5);
            }
            assertThat(waiting.get()).isNull();
            write(log, 1, 1);
            assertThat(c.next(1000).seqno()).isEqualTo(1);
        }
    }

    @Test
    void aWrittenCursorReadsWhatIsWrittenBeforeItsFsyncAndADurableCursorOnlyAfter() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20); ThlCursor durable = log.cursor(0);
                ThlCursor early = log.writtenCursor(0)) {
            log.append(ThlRecord.of(event(0, 0, true)));
            assertThat(early.tryNext()).as("appended, not published").isNull();
            log.publishWritten();
            assertThat(early.tryNext().seqno()).isZero();
            assertThat(durable.tryNext()).as("written, not synced").isNull();
            assertThat(log.maxCompleteSeqno()).isEqualTo(-1);
            log.sync();
            assertThat(durable.tryNext().seqno()).isZero();
            assertThat(early.tryNext()).isNull();
        }
        try (ThlLog reopened = ThlLog.open(dir, 1 << 20); ThlCursor early = reopened.writtenCursor(0)) {
            assertThat(early.tryNext().seqno()).as("a reopened log is written up to its end").isZero();
        }
    }

    @Test
    void awaitCompleteAfterReturnsOnceAWholeTransactionIsDurable() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            assertThat(log.awaitCompleteAfter(-1, 10)).as("empty: times out").isEqualTo(-1);
            java.util.concurrent.CompletableFuture<Long> waiting = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return log.awaitCompleteAfter(-1, 60_000);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
            log.append(ThlRecord.of(event(0, 0, false)));
            log.sync();
            Thread.sleep(50);
            assertThat(waiting).as("a first fragment alone is no complete transaction").isNotDone();
            log.append(ThlRecord.of(event(0, 1, true)));
            log.sync();
            assertThat(waiting.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(0);
            write(log, 1, 3);
            assertThat(log.awaitCompleteAfter(0, 10)).isEqualTo(3);
        }
    }

    @Test
    void codecRoundTripsEveryValueKind() {
        Object[] after = {null, 42L, new BigInteger("18446744073709551615"), new BigDecimal("-12345.678900"),
            Float.intBitsToFloat(0x3f8ccccd), Math.PI, new byte[] {0, (byte) 0xff, 'x'}, "2024-02-29 23:59:59.999999"};
        List<ThlEvent.ColumnSpec> cols = new ArrayList<>();
        for (int i = 0; i < after.length; i++) {
            cols.add(new ThlEvent.ColumnSpec("c" + i, 1, i % 2 == 0, i == 1));
        }
        ThlEvent e = new ThlEvent(7, 2, false, 3, "id", "src", 1, 2, "shard", Map.of("k", "v"), List.of(
                new ThlEvent.RowChange("s", "t", ThlEvent.Action.UPDATE, cols, List.<Object[][]>of(new Object[][] {after, after})),
                new ThlEvent.StatementChange("s", "CREATE TABLE x (id int)", 99)));
        ThlEvent back = ThlRecord.of(e).decode();
        assertThat(back.seqno()).isEqualTo(7);
        assertThat(back.fragno()).isEqualTo(2);
        assertThat(back.lastFrag()).isFalse();
        assertThat(back.epoch()).isEqualTo(3);
        assertThat(back.metadata()).containsEntry("k", "v");
        ThlEvent.RowChange rc = (ThlEvent.RowChange) back.changes().get(0);
        assertThat(java.util.Arrays.deepEquals(rc.rows().get(0)[1], after)).isTrue();
        assertThat(rc.columns()).isEqualTo(cols);
        assertThat(back.changes().get(1)).isEqualTo(e.changes().get(1));
    }

    @Test
    void appendsReadsAndRollsAtTransactionBoundaries() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 400)) {
            write(log, 0, 9);
            log.append(ThlRecord.of(event(10, 0, false)));
            log.append(ThlRecord.of(event(10, 1, true)));
            log.sync();
            assertThat(log.segments().size()).isGreaterThan(1);
            assertThat(readAll(log, 0)).hasSize(12);
            assertThat(readAll(log, 5)).startsWith(5L, 6L);
            assertThat(log.maxSeqno()).isEqualTo(10);
        }
        try (ThlLog log = ThlLog.open(dir, 400)) {
            assertThat(log.minSeqno()).isZero();
            assertThat(log.maxSeqno()).isEqualTo(10);
            assertThat(log.maxCompleteSeqno()).isEqualTo(10);
            write(log, 11, 11);
            assertThat(readAll(log, 10)).containsExactly(10L, 10L, 11L);
        }
    }

    @Test
    void refusesOutOfOrderAppend() {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            write(log, 0, 3);
            assertThatThrownBy(() -> log.append(ThlRecord.of(event(5, 0, true))))
                    .hasMessageContaining("out of order");
        }
    }

    @Test
    void truncatesTornTailOnOpen() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            write(log, 0, 4);
        }
        Path file = only(dir);
        long size = Files.size(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size - 5);
        }
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            assertThat(log.maxSeqno()).isEqualTo(3);
            write(log, 4, 5);
            assertThat(readAll(log, 0)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        }
    }

    @Test
    void removesIncompleteTransactionAtTail() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            write(log, 0, 2);
            log.append(ThlRecord.of(event(3, 0, false)));
            log.append(ThlRecord.of(event(3, 1, false)));
            log.sync();
            assertThat(log.maxCompleteSeqno()).isEqualTo(2);
            assertThat(log.truncateIncompleteTail()).isEqualTo(2);
            assertThat(log.maxSeqno()).isEqualTo(2);
            write(log, 3, 3);
            assertThat(readAll(log, 0)).containsExactly(0L, 1L, 2L, 3L);
        }
    }

    @Test
    void reportsCorruptionWithFileOffsetAndSeqno() throws Exception {
        try (ThlLog log = ThlLog.open(dir, 1 << 20)) {
            write(log, 0, 4);
        }
        Path file = only(dir);
        long offset = ThlLog.FILE_HEADER + ThlRecord.of(event(0, 0, true)).frameLength() + 30;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ 0x01);
        }
        assertThatThrownBy(() -> ThlLog.open(dir, 1 << 20))
                .isInstanceOf(TantalumException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("seqno 1")
                .hasMessageContaining("checksum");
    }

    private static Path only(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.findFirst().orElseThrow();
        }
    }
}
