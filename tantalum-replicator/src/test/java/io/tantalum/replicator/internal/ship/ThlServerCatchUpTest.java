package io.tantalum.replicator.internal.ship;

import static io.tantalum.replicator.internal.ship.ThlServer.CatchUp.ANSWER;
import static io.tantalum.replicator.internal.ship.ThlServer.CatchUp.HANG_UP;
import static io.tantalum.replicator.internal.ship.ThlServer.CatchUp.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a master's handshake does while a slave holds more than its THL: {@link ThlServer#catchUp}. */
class ThlServerCatchUpTest {
    @ParameterizedTest(name = "reached={0} since growth {1} ms, waited {2} ms -> {3}")
    @CsvSource({
        // the log reached the slave's position: answer (the history check follows)
        "true, 0, 0, ANSWER",
        "true, 9000, 30000, ANSWER",
        // behind and growing: wait, up to MAX_WAIT_MILLIS, then hang up so that the slave asks again
        "false, 0, 0, WAIT",
        "false, 4999, 4999, WAIT",
        "false, 100, 19999, WAIT",
        "false, 100, 20000, HANG_UP",
        "false, 4999, 60000, HANG_UP",
        // behind and not growing for STALL_MILLIS: the slave holds what this master never had: answer (refused)
        "false, 5000, 5000, ANSWER",
        "false, 5000, 20000, ANSWER",
    })
    void aSlaveAheadOfTheLogIsAnsweredOnceTheLogReachesItOrStopsGrowing(boolean reached, long sinceGrowth,
            long waited, ThlServer.CatchUp expected) {
        assertThat(ThlServer.catchUp(reached, sinceGrowth, waited)).isEqualTo(expected);
    }

    @Test
    void theLongestWaitEndsBeforeTheSlavesHandshakeTimeout() {
        assertThat(ThlServer.MAX_WAIT_MILLIS).isLessThan(ThlProtocol.HANDSHAKE_TIMEOUT_MILLIS)
                .isGreaterThan(ThlServer.STALL_MILLIS);
    }
}
