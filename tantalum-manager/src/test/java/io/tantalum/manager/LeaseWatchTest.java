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

    /**
     * The ZooKeeper leader cut off with the master on it: its last renewal (mzxid 12, proposed at
     * 1000 ms) is committed by the new leader and read by the watcher only at 4000 ms, after the
     * election. Its data lists the renewals before it, which the watcher had read: it started at
     * most 500 ms after the watcher read mzxid 11, so the count runs from 1100 ms, not 4000 ms.
     */
    @org.junit.jupiter.api.Test
    void aRenewalReadLateCountsFromTheEarlierRenewalsItLists() {
        java.util.List<long[]> before = new java.util.ArrayList<>();
        LeaseWatch w = LeaseWatch.NONE.seen("host1", 10, LeaseWatch.payload(0, before), 100 * MS);
        before.add(0, new long[] {10, 0});
        w = w.seen("host1", 11, LeaseWatch.payload(500 * MS, before), 600 * MS);
        before.add(0, new long[] {11, 500 * MS});
        w = w.seen("host1", 12, LeaseWatch.payload(1000 * MS, before), 4000 * MS);
        assertThat(w.firstSeenNanos()).isEqualTo(1100 * MS);
        assertThat(w.expired(5599 * MS, LEASE)).isFalse();
        assertThat(w.expired(5600 * MS, LEASE)).isTrue();
        // read again unchanged: the count keeps its start
        assertThat(w.seen("host1", 12, LeaseWatch.payload(1000 * MS, before), 6000 * MS).firstSeenNanos())
                .isEqualTo(1100 * MS);
    }

    static Stream<Arguments> payloads() {
        // name, data of the renewal read at 4000 ms, first expected (ms)
        return Stream.of(
                Arguments.of("lists only renewals the watcher never read", LeaseWatch.payload(1000 * MS,
                        java.util.List.of(new long[] {99, 0})), 4000L),
                Arguments.of("no data (an older manager)", new byte[0], 4000L),
                Arguments.of("damaged data", new byte[] {3, 1, 2}, 4000L),
                Arguments.of("an age that is negative is ignored", LeaseWatch.payload(0, java.util.List.of(
                        new long[] {10, 500 * MS})), 4000L),
                Arguments.of("a listed renewal read recently: the read itself is later", LeaseWatch.payload(
                        3900 * MS, java.util.List.of(new long[] {10, 0})), 4000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("payloads")
    void earlierRenewalsOnlyEverMoveTheCountsStartEarlierWhenTheWatcherReadThem(String name, byte[] data,
            long firstMs) {
        LeaseWatch w = LeaseWatch.NONE.seen("host1", 10, 100 * MS).seen("host1", 12, data, 4000 * MS);
        assertThat(w.firstSeenNanos()).isEqualTo(firstMs * MS);
    }
}
