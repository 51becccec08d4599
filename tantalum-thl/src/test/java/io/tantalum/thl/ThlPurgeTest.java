package io.tantalum.thl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThlPurgeTest {
    @TempDir
    Path dir;

    private void fill(long to) {
        try (ThlLog log = ThlLog.open(dir, 400)) {
            ThlLogTest.write(log, 0, to);
        }
    }

    private long[] range() {
        List<ThlInspector.SegmentInfo> idx = ThlInspector.index(dir);
        return new long[] {idx.get(0).firstSeqno(), idx.get(idx.size() - 1).lastSeqno()};
    }

    @Test
    void purgeHeadRewritesThePartialFileAndKeepsTheRest() throws Exception {
        fill(20);
        ThlPurger.Result r = ThlPurger.purgeHead(dir, 6);
        assertThat(r.filesDeleted() + r.filesRewritten()).isPositive();
        assertThat(range()).containsExactly(7, 20);
        try (ThlLog log = ThlLog.open(dir, 400)) {
            assertThat(log.minSeqno()).isEqualTo(7);
            assertThat(ThlLogTest.readAll(log, 7)).hasSize(14).startsWith(7L);
            ThlLogTest.write(log, 21, 21);
        }
    }

    @Test
    void truncateTailCutsFromTheSeqno() throws Exception {
        fill(20);
        ThlPurger.truncateTail(dir, 15);
        assertThat(range()).containsExactly(0, 14);
        try (ThlLog log = ThlLog.open(dir, 400)) {
            assertThat(log.maxSeqno()).isEqualTo(14);
            ThlLogTest.write(log, 15, 16);
            assertThat(ThlLogTest.readAll(log, 0)).hasSize(17);
        }
    }

    @Test
    void retentionNeverDeletesTheCurrentFileOrWhatIsStillNeeded() {
        try (ThlLog log = ThlLog.open(dir, 400)) {
            ThlLogTest.write(log, 0, 40);
            int files = log.segments().size();
            assertThat(files).isGreaterThan(3);
            long now = System.currentTimeMillis();
            // nothing is old and there is no size limit
            assertThat(log.purgeOldSegments(Long.MAX_VALUE, 3_600_000, 0, now)).isEmpty();
            // a slave still needs seqno 10: files wholly below it may go, no others
            List<Path> deleted = log.purgeOldSegments(10, 0, 1, now);
            assertThat(deleted).isNotEmpty();
            assertThat(log.minSeqno()).isLessThanOrEqualTo(10);
            // everything is old: all but the current file go
            log.purgeOldSegments(Long.MAX_VALUE, 1, 0, now + 10_000);
            assertThat(log.segments()).hasSize(1);
            assertThat(log.maxSeqno()).isEqualTo(40);
        }
    }
}
