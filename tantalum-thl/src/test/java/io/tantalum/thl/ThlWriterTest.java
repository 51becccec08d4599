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
}
