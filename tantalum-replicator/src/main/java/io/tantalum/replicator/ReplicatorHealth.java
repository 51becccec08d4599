package io.tantalum.replicator;

import io.tantalum.api.AdminHttpServer;
import io.tantalum.api.ReplicatorApi.HealthReply;
import io.tantalum.api.ReplicatorStatus;

/**
 * What {@code /health/master} and {@code /health/slave} answer, from the replicator's status:
 * 200 only for an ONLINE replicator of the asked role (and, for a slave, within the lag asked),
 * 503 otherwise, with the reason. Pure; table-tested.
 *
 * <p>A slave's lag is how far its data is behind its master's, in time: 0 once it has applied
 * everything its master stored; otherwise the latency of the last transaction it applied, or the
 * time since the source committed that one if longer (so a slave stuck on a lock lags more every
 * second, and one that has caught up after a stall does not keep the stall's latency).
 */
final class ReplicatorHealth {
    private ReplicatorHealth() {}

    static AdminHttpServer.Response<HealthReply> check(ReplicatorStatus s, String role, Double maxLag) {
        double lag = lag(s);
        String reason;
        if (!"ONLINE".equals(s.state())) {
            reason = "the replicator is " + s.state() + ", not ONLINE";
        } else if (!role.equals(s.role())) {
            reason = "this host is a " + s.role() + ", not a " + role;
        } else if (maxLag != null && lag > maxLag) {
            reason = String.format(java.util.Locale.ROOT, "lagging: %.3f s behind (limit %.3f s), %d transaction(s)"
                    + " not applied yet", lag, maxLag, s.behindSeqnos());
        } else {
            return new AdminHttpServer.Response<>(200, new HealthReply(s.state(), s.role(), lag, s.appliedLastSeqno(),
                    null));
        }
        return new AdminHttpServer.Response<>(503, new HealthReply(s.state(), s.role(), lag, s.appliedLastSeqno(),
                reason));
    }

    static double lag(ReplicatorStatus s) {
        return s.behindSeqnos() > 0 ? Math.max(s.appliedLatency(), s.relativeLatency()) : 0;
    }
}
