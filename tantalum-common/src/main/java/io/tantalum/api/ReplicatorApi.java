package io.tantalum.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The replicator's admin API: every endpoint and its request and reply records, shared by the
 * replicator's {@link AdminHttpServer} and every {@link AdminClient} ({@code trepctl}, {@code tpm},
 * and the manager). Field names are Tungsten's, as operators see them in {@code trepctl}.
 * <pre>
 *   GET  /api/v1/services                   {@link ServicesReply}
 *   GET  /api/v1/status                     {@link ReplicatorStatus}
 *   GET  /api/v1/status/section?name=tasks|stages|stores   a section's details
 *   POST /api/v1/online                     {@link OnlineRequest} -&gt; {@link StateReply}
 *   POST /api/v1/offline                    {@link OfflineRequest} -&gt; {@link StateReply}
 *   POST /api/v1/offline-deferred           {@link OfflineDeferredRequest} -&gt; {@link OfflineDeferredReply}
 *   POST /api/v1/setrole                    {@link SetRoleRequest} -&gt; {@link RoleReply}
 *   POST /api/v1/flush                      {@link FlushRequest} -&gt; {@link SeqnoReply}
 *   POST /api/v1/heartbeat                  {@link HeartbeatRequest} -&gt; {@link SeqnoReply}
 *   POST /api/v1/reset                      {@link ResetRequest} -&gt; {@link StateReply}
 *   POST /api/v1/purge                      -&gt; {@link PurgeReply}
 *   GET  /api/v1/binlog-only?sql=true|false {@link BinlogOnlyReply}
 *   GET  /health                            {@link StateReply}, 200 when ONLINE, 503 otherwise; no token needed
 *   GET  /health/master                     {@link HealthReply}, 200 when an ONLINE master, 503 otherwise; no token
 *   GET  /health/slave?lag=S                {@link HealthReply}, 200 when an ONLINE slave within S seconds; no token
 *   GET  /metrics                           Prometheus text format (docs/metrics.md)
 * </pre>
 * Every request but the {@code /health} ones carries {@code Authorization: Bearer <token>}.
 */
public final class ReplicatorApi {
    public static final Endpoint<Endpoint.None, ServicesReply> SERVICES =
            Endpoint.get("/api/v1/services", ServicesReply.class);
    public static final Endpoint<Endpoint.None, ReplicatorStatus> STATUS =
            Endpoint.get("/api/v1/status", ReplicatorStatus.class);
    public static final Endpoint<SectionRequest, Section> STATUS_SECTION =
            Endpoint.get("/api/v1/status/section", SectionRequest.class, Section.class);
    public static final Endpoint<OnlineRequest, StateReply> ONLINE =
            Endpoint.post("/api/v1/online", OnlineRequest.class, StateReply.class);
    public static final Endpoint<OfflineRequest, StateReply> OFFLINE =
            Endpoint.post("/api/v1/offline", OfflineRequest.class, StateReply.class);
    public static final Endpoint<OfflineDeferredRequest, OfflineDeferredReply> OFFLINE_DEFERRED =
            Endpoint.post("/api/v1/offline-deferred", OfflineDeferredRequest.class, OfflineDeferredReply.class);
    public static final Endpoint<SetRoleRequest, RoleReply> SET_ROLE =
            Endpoint.post("/api/v1/setrole", SetRoleRequest.class, RoleReply.class);
    public static final Endpoint<FlushRequest, SeqnoReply> FLUSH =
            Endpoint.post("/api/v1/flush", FlushRequest.class, SeqnoReply.class);
    public static final Endpoint<HeartbeatRequest, SeqnoReply> HEARTBEAT =
            Endpoint.post("/api/v1/heartbeat", HeartbeatRequest.class, SeqnoReply.class);
    public static final Endpoint<ResetRequest, StateReply> RESET =
            Endpoint.post("/api/v1/reset", ResetRequest.class, StateReply.class);
    public static final Endpoint<Endpoint.None, PurgeReply> PURGE =
            Endpoint.post("/api/v1/purge", Endpoint.None.class, PurgeReply.class);
    public static final Endpoint<BinlogOnlyRequest, BinlogOnlyReply> BINLOG_ONLY =
            Endpoint.get("/api/v1/binlog-only", BinlogOnlyRequest.class, BinlogOnlyReply.class);
    /** Liveness for load balancers: no token, no secrets. */
    public static final Endpoint<Endpoint.None, StateReply> HEALTH = Endpoint.get("/health", StateReply.class);
    /** For load balancers that send writes to the master: 200 only on an ONLINE master. */
    public static final Endpoint<HealthRequest, HealthReply> HEALTH_MASTER =
            Endpoint.get("/health/master", HealthRequest.class, HealthReply.class);
    /** For load balancers that send reads to slaves: 200 only on an ONLINE slave, within {@code lag} seconds if given. */
    public static final Endpoint<HealthRequest, HealthReply> HEALTH_SLAVE =
            Endpoint.get("/health/slave", HealthRequest.class, HealthReply.class);


    /** Every endpoint that needs the token, for tests and docs. */
    public static final List<Endpoint<?, ?>> PROTECTED = List.of(SERVICES, STATUS, STATUS_SECTION, ONLINE, OFFLINE,
            OFFLINE_DEFERRED, SET_ROLE, FLUSH, HEARTBEAT, RESET, PURGE, BINLOG_ONLY);

    private ReplicatorApi() {}

    /** One replication service of a replicator, with its current role. */
    public record ServiceInfo(String name, String state, String role) {}

    public record ServicesReply(List<ServiceInfo> services) {}

    /** The replicator's state after a command, e.g. {@code ONLINE} or {@code OFFLINE:NORMAL}. */
    public record StateReply(String state) {}

    public record SectionRequest(String name) {}

    /** A status section ({@code tasks}, {@code stages}, {@code stores}): descriptive details, by name. */
    public static final class Section extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;
    }

    /**
     * A point in the replication stream: a seqno, an event id, a heartbeat name ({@code *} for any
     * heartbeat) or a commit time in epoch milliseconds; null fields are unset.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StopPoint(Long seqno, String event, String heartbeat, Long timeMillis) {
        public static final StopPoint NONE = new StopPoint(null, null, null, null);

        @JsonIgnore
        public boolean isEmpty() {
            return seqno == null && event == null && heartbeat == null && timeMillis == null;
        }
    }

    /**
     * {@code skipSeqno}: seqnos to skip once; {@code force}: skip the history check;
     * {@code forceDivergence}: a slave goes online although its binlog holds transactions written on
     * it that its THL never extracted (binlog-only); {@code until}: stop there.
     */
    public record OnlineRequest(List<Long> skipSeqno, boolean force, boolean forceDivergence, StopPoint until) {
        public OnlineRequest {
            skipSeqno = skipSeqno == null ? List.of() : List.copyOf(skipSeqno);
            until = until == null ? StopPoint.NONE : until;
        }

        /** Without {@code forceDivergence}. */
        public OnlineRequest(List<Long> skipSeqno, boolean force, StopPoint until) {
            this(skipSeqno, force, false, until);
        }
    }

    /** {@code sql}: also write the binlog-only transactions as a SQL script. */
    public record BinlogOnlyRequest(boolean sql) {}

    /**
     * The binlog-only transactions of a replicator's database (written there after the binlog
     * position its THL accounts for, never extracted).
     *
     * @param readFrom that position, as an event id: the end of the THL's last event when this host
     *     extracted it, or where its last master session started when that session extracted
     *     nothing; null when the THL accounts for none of the binlog (nothing to compare)
     * @param thlSeqno the THL's last seqno then, or -1
     * @param transactions one line each: GTID, binlog position, tables and rows changed
     * @param sql the SQL script, when asked for (else null)
     */
    public record BinlogOnlyReply(String readFrom, long thlSeqno, List<String> transactions, String sql) {}

    /** {@code immediate}: stop now, rolling back the transaction in progress. */
    public record OfflineRequest(boolean immediate) {}

    public record OfflineDeferredRequest(StopPoint at) {}

    public record OfflineDeferredReply(String state, String offlineRequests) {}

    /** {@code role}: master or slave (primary/replica accepted); {@code uri}: the master's THL (slaves). */
    public record SetRoleRequest(String role, String uri) {}

    public record RoleReply(String state, String role) {}

    public record FlushRequest(long timeoutMillis) {}

    public record HeartbeatRequest(String name) {}

    public record SeqnoReply(long seqno) {}

    /** Which stores to delete: the THL files, the catalog, or both. */
    public record ResetRequest(boolean thl, boolean db) {}

    public record PurgeReply(int killed) {}

    /** {@code lag}: the most seconds of apply latency a slave may have and still answer 200 (null: any). */
    public record HealthRequest(Double lag) {}

    /** Why a health endpoint answered as it did: the replicator's state, role and latency, and the reason. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HealthReply(String state, String role, double appliedLatency, long appliedLastSeqno, String reason) {}
}
