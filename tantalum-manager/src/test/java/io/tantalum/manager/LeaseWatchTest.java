package io.tantalum.manager;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** When the coordinator may count another manager's lease run out, without waiting for its session to expire. */
class LeaseWatchTest {
    private static final long MS = 1_000_000L;
    private static final long LEASE = 3000 * MS;

    static Stream<Arguments> rows() {
        // name, mzxid first read at (ms), later own renewal started at (ms), mzxid then, expected
        return Stream.of(
                Arguments.of("renewed meanwhile: a new mzxid starts the count again", 0, 5000, 8L, false),
                Arguments.of("unchanged, own renewal started within lease + renewal timeout + margin", 0, 4499, 7L,
                        false),
                Arguments.of("unchanged, own renewal started lease + 1 s + 0.5 s after the first read", 0, 4500, 7L,
                        true),
                Arguments.of("no lease node: nothing to judge by (the session says it)", 0, 9000, -1L, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void judgesOnlyAfterAnOwnRenewalThatStartedLateEnough(String name, long firstMs, long ownStartMs, long mzxidThen,
            boolean expired) {
        LeaseWatch w = LeaseWatch.NONE.seen("host1", mzxidThen == -1 ? -1 : 7, firstMs * MS);
        w = w.seen("host1", mzxidThen, (ownStartMs + 20) * MS); // read right after the own renewal committed
        assertThat(w.expired(ownStartMs * MS, LEASE)).isEqualTo(expired);
    }

    @org.junit.jupiter.api.Test
    void anotherMasterIsWatchedFromScratch() {
        LeaseWatch w = LeaseWatch.NONE.seen("host1", 7, 0);
        LeaseWatch other = w.seen("host2", 7, 4000 * MS);
        assertThat(other.firstSeenNanos()).isEqualTo(4000 * MS);
        assertThat(other.expired(5000 * MS, LEASE)).isFalse();
        assertThat(LeaseWatch.NONE.expired(Long.MAX_VALUE / 2, LEASE)).isFalse();
    }
}
