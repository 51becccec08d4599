package io.tantalum.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import org.junit.jupiter.api.Test;

class AutoRecoveryTest {
    private static final TantalumException DB_DOWN = new TantalumException(ErrorCode.UNAVAILABLE, "Lost the binlog");

    @Test
    void onlyErrorsThatWaitingCanFixAreRetried() {
        AutoRecovery r = new AutoRecovery(10, 5000, 300_000);
        assertThat(r.after(new TantalumException(ErrorCode.DATA_LOSS, "checksum"), 0, 0)).isNull();
        assertThat(r.after(new TantalumException(ErrorCode.FAILED_PRECONDITION, "conflict"), 0, 0)).isNull();
        assertThat(r.after(new IllegalStateException("bug"), 0, 0)).isNull();
        assertThat(r.after(DB_DOWN, 0, 0)).isNotNull();
        assertThat(new AutoRecovery(0, 5000, 300_000).after(DB_DOWN, 0, 0)).as("0 disables it").isNull();
    }

    @Test
    void theDelayDoublesUpToAMinuteAndTheAttemptsAreBounded() {
        AutoRecovery r = new AutoRecovery(6, 5000, 300_000);
        long[] delays = new long[6];
        for (int i = 0; i < 6; i++) {
            AutoRecovery.Attempt a = r.after(DB_DOWN, 0, 0);
            assertThat(a.number()).isEqualTo(i + 1);
            delays[i] = a.delayMillis();
        }
        assertThat(delays).containsExactly(5000, 10_000, 20_000, 40_000, 60_000, 60_000);
        assertThat(r.after(DB_DOWN, 0, 0)).isNull();
        assertThat(r.exhausted()).isTrue();
        assertThat(r.after(DB_DOWN, 299_999, 0)).as("not online long enough to start a new streak").isNull();
        assertThat(r.after(DB_DOWN, 300_000, 0).number()).as("a new streak after 5 minutes online").isEqualTo(1);
    }

    @Test
    void onlyTheLatestAttemptRunsAndTheOperatorCancelsIt() {
        AutoRecovery r = new AutoRecovery(10, 5000, 300_000);
        AutoRecovery.Attempt first = r.after(DB_DOWN, 0, 1000);
        assertThat(r.status(2000)).isEqualTo(new AutoRecovery.Status(true, 1, 1, "attempt 1 of 10 in 4s"));
        AutoRecovery.Attempt second = r.after(DB_DOWN, 0, 1000);
        assertThat(r.take(first.token())).isFalse();
        assertThat(r.take(second.token())).isTrue();
        assertThat(r.take(second.token())).as("taken once").isFalse();

        AutoRecovery.Attempt third = r.after(DB_DOWN, 0, 1000);
        r.cancel();
        assertThat(r.take(third.token())).isFalse();
        assertThat(r.status(2000)).isEqualTo(new AutoRecovery.Status(true, 3, 0, "NONE"));
    }
}
