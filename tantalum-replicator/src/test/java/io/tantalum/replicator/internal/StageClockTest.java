package io.tantalum.replicator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.thl.ThlRecord;
import org.junit.jupiter.api.Test;

class StageClockTest {
    private static ThlRecord record(long seqno) {
        return new ThlRecord(seqno, 0, true, 1, new byte[0]);
    }

    @Test
    void anArrivalIsTakenOnceAndEarlierOnesTheApplierPassedByAreDropped() {
        StageClock clock = new StageClock();
        for (long s = 1; s <= 5; s++) {
            clock.available(record(s), 1000 + s, 2000 + s);
        }
        assertThat(clock.take(2)).isEqualTo(new StageClock.Arrival(2, 1002, 2002)); // 1 was passed by: dropped
        assertThat(clock.take(2)).isNull();
        assertThat(clock.take(1)).isNull();
        assertThat(clock.take(4)).isEqualTo(new StageClock.Arrival(4, 1004, 2004));
        assertThat(clock.take(9)).isNull(); // never timed; 5 is dropped with it
        assertThat(clock.take(5)).isNull();
    }

    @Test
    void whileTheApplierIsFarBehindLaterTransactionsAreNotTimed() {
        StageClock clock = new StageClock();
        for (long s = 0; s < StageClock.CAPACITY + 10; s++) {
            clock.available(record(s), s, s);
        }
        assertThat(clock.take(StageClock.CAPACITY + 5)).isNull();
        clock.available(record(StageClock.CAPACITY + 20), 7, 8);
        assertThat(clock.take(StageClock.CAPACITY + 20)).isEqualTo(new StageClock.Arrival(StageClock.CAPACITY + 20, 7, 8));
    }
}
