package io.tantalum.manager;

import io.tantalum.api.ManagerApi;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one manager can conclude about another's lease from ZooKeeper alone, without waiting for
 * that manager's session to expire: pure, table-tested ({@code LeaseWatchTest}).
 *
 * <p>The watched manager renews its lease by a write a quorum commits ({@link ZkStore#renewLease});
 * a renewal counts only when it comes back within {@link ManagerApi.FailoverTimings#RENEW_TIMEOUT_MILLIS}
 * of its start, and the lease runs from that start. The watcher reads the watched lease node's last
 * modification (its mzxid) right after each renewal of its own that a quorum committed: ZooKeeper
 * then shows it every write committed before its own, so a counted renewal that started more than
 * the renewal timeout before the watcher's own renewal started is visible.
 *
 * <p>The argument: let {@code first} be when the watcher first read the current mzxid. The renewal
 * that wrote it started before {@code first}, so the lease it gave ran out before {@code first +
 * lease}. If a later own renewal, started at {@code s >= first + lease + renewal timeout + margin},
 * committed and the mzxid is still the same, every counted renewal of the watched manager after it
 * would have started after {@code s - renewal timeout >= first + lease}: after its lease ran out,
 * when it had fenced its database already (a renewal that comes back later lets it hold a lease
 * again, but only the coordinator lifts a fence). The margin covers the time the fence takes and
 * the clocks' rates differing a little; no synchronised clocks are assumed.
 *
 * <p>{@code first} may be earlier than the watcher's read of the current mzxid: each renewal lists
 * the manager's previous committed renewals with their age ({@link #payload}); a listed one that the
 * watcher read at {@code r} started before {@code r}, so the current one started before {@code r +
 * age} (the ages are measured on the watched manager's clock: the margin covers the rates).
 */
record LeaseWatch(String host, long mzxid, long firstSeenNanos, Map<Long, Long> seenAt) {
    static final LeaseWatch NONE = new LeaseWatch(null, -1, 0, Map.of());
    /** How many of its last committed renewals a manager lists in each renewal, and a watcher remembers. */
    static final int HISTORY = 4;

    /** After a committed renewal of the watcher's own: {@code host}'s lease node shows {@code mzxid} (-1: none). */
    LeaseWatch seen(String host, long mzxid, long nowNanos) {
        return seen(host, mzxid, new byte[0], nowNanos);
    }

    /**
     * As {@link #seen(String, long, long)}, with the node's data: the watched manager's earlier
     * renewals ({@link #payload}). When the watcher read one of those itself, the renewal that wrote
     * {@code mzxid} started at most its age after that read, which may be well before now: after a
     * ZooKeeper election, the new leader commits a renewal the cut-off old leader had proposed before
     * the cut, and the watcher, whose own renewals failed during the election, reads it seconds late.
     */
    LeaseWatch seen(String host, long mzxid, byte[] data, long nowNanos) {
        if (host.equals(this.host) && mzxid == this.mzxid) {
            return this;
        }
        boolean same = host.equals(this.host);
        long first = nowNanos;
        if (same) {
            for (Map.Entry<Long, Long> e : parse(data).entrySet()) {
                Long read = seenAt.get(e.getKey());
                if (read != null && read + e.getValue() - first < 0) {
                    first = read + e.getValue();
                }
            }
        }
        Map<Long, Long> history = new LinkedHashMap<>(same ? seenAt : Map.of());
        if (mzxid >= 0) {
            history.put(mzxid, nowNanos);
        }
        while (history.size() > 2 * HISTORY) {
            history.remove(history.keySet().iterator().next());
        }
        return new LeaseWatch(host, mzxid, first, Collections.unmodifiableMap(history));
    }

    /**
     * A renewal's data: for each of the manager's last committed renewals (mzxid and start), the
     * mzxid and how long before this renewal's start it started ({@code u8 count, count x (i64
     * mzxid, i64 nanos)}).
     */
    static byte[] payload(long startNanos, Collection<long[]> lastRenewals) {
        ByteBuffer b = ByteBuffer.allocate(1 + 16 * lastRenewals.size());
        b.put((byte) lastRenewals.size());
        for (long[] r : lastRenewals) {
            b.putLong(r[0]).putLong(startNanos - r[1]);
        }
        return b.array();
    }

    /** The earlier renewals a renewal's data lists, mzxid to how long before it they started; empty when unreadable. */
    static Map<Long, Long> parse(byte[] data) {
        if (data == null || data.length == 0 || data.length != 1 + 16 * (data[0] & 0xff)) {
            return Map.of();
        }
        ByteBuffer b = ByteBuffer.wrap(data, 1, data.length - 1);
        Map<Long, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < (data[0] & 0xff); i++) {
            long z = b.getLong();
            long before = b.getLong();
            if (before >= 0) {
                out.put(z, before);
            }
        }
        return out;
    }

    /**
     * Whether the watched lease has certainly run out, judged after an own renewal that started at
     * {@code ownRenewalStartNanos} and was committed, with the node read after it unchanged.
     */
    boolean expired(long ownRenewalStartNanos, long leaseNanos) {
        return host != null && mzxid >= 0 && ownRenewalStartNanos - firstSeenNanos >= leaseNanos
                + (ManagerApi.FailoverTimings.RENEW_TIMEOUT_MILLIS + ManagerApi.FailoverTimings.LEASE_MARGIN_MILLIS)
                * 1_000_000L;
    }
}
