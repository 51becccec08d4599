package io.tantalum.replicator;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.ReplicatorStatus;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReplicatorHealthTest {
    static Stream<Arguments> table() {
        return Stream.of(
                // state, role, appliedLatency, relativeLatency, behind, asked role, lag limit -> status, reason
                Arguments.of("ONLINE", "master", 0.0, 5.0, 0L, "master", null, 200, null),
                Arguments.of("ONLINE", "slave", 0.2, 9.0, 0L, "master", null, 503, "this host is a slave, not a master"),
                Arguments.of("OFFLINE:NORMAL", "master", 0.0, 5.0, 0L, "master", null, 503,
                        "the replicator is OFFLINE:NORMAL, not ONLINE"),
                Arguments.of("ONLINE", "slave", 0.2, 9.0, 0L, "slave", 1.0, 200, null),
                Arguments.of("ONLINE", "slave", 3.0, 600.0, 0L, "slave", 1.0, 200, null), // caught up after a stall
                Arguments.of("ONLINE", "slave", 0.1, 4.5, 1L, "slave", 1.0, 503, "lagging: 4.500 s behind (limit"
                        + " 1.000 s), 1 transaction(s) not applied yet"), // stuck on a lock
                Arguments.of("ONLINE", "slave", 2.5, 0.3, 7L, "slave", 2.0, 503, "lagging: 2.500 s"),
                Arguments.of("ONLINE", "slave", 2.5, 0.3, 7L, "slave", null, 200, null),
                Arguments.of("GOING-ONLINE:SYNCHRONIZING", "slave", 0.0, 0.0, 0L, "slave", null, 503,
                        "the replicator is GOING-ONLINE:SYNCHRONIZING, not ONLINE"));
    }

    @ParameterizedTest
    @MethodSource("table")
    void answers(String state, String role, double applied, double relative, long behind, String asked, Double limit,
            int status, String reason) {
        ReplicatorStatus s = new ReplicatorStatus(null, 10, applied, 0, 0, false, null, 0, behind, 1, null, null, null,
                0, null, 0, null, null, 0, null, null, null, 10, 0, null, null, null, null, -1, null, null, relative, 0, 0,
                role, null, null, null, null, null, null, state, 0, null, 0, false, null);
        var r = ReplicatorHealth.check(s, asked, limit);
        assertThat(r.status()).isEqualTo(status);
        if (reason == null) {
            assertThat(r.body().reason()).isNull();
        } else {
            assertThat(r.body().reason()).startsWith(reason);
        }
    }
}
