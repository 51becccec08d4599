package io.tantalum.manager;

import io.tantalum.api.ManagerApi;

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
 */
record LeaseWatch(String host, long mzxid, long firstSeenNanos) {
    static final LeaseWatch NONE = new LeaseWatch(null, -1, 0);

    /** After a committed renewal of the watcher's own: {@code host}'s lease node shows {@code mzxid} (-1: none). */
    LeaseWatch seen(String host, long mzxid, long nowNanos) {
        return host.equals(this.host) && mzxid == this.mzxid ? this : new LeaseWatch(host, mzxid, nowNanos);
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
