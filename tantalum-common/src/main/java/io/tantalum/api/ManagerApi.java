package io.tantalum.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The manager's admin API, shared by the manager daemon and {@code cctrl}. Same conventions as
 * {@link ReplicatorApi}: reads are {@code GET}, actions {@code POST} with a JSON body, every request
 * but {@code /health} carries the service's admin token. Any manager answers; one that is not the
 * coordinator forwards actions to the coordinator, which alone changes the dataservice.
 * <pre>
 *   GET  /api/v1/cluster                    {@link ClusterView}: topology, observations, coordinator
 *   GET  /api/v1/cluster/history?limit=N    {@link History}: the audit trail, newest last
 *   POST /api/v1/cluster/switch             {@link SwitchRequest} -&gt; {@link ProcedureReply}
 *   POST /api/v1/cluster/failover           {@link SwitchRequest} -&gt; {@link ProcedureReply}: a dead master replaced
 *   POST /api/v1/cluster/policy             {@link PolicyRequest} -&gt; {@link ClusterView}
 *   POST /api/v1/cluster/datasource         {@link DatasourceRequest} -&gt; {@link ProcedureReply}
 *   POST /api/v1/cluster/replicator         {@link DatasourceRequest} -&gt; {@link ProcedureReply}
 *   POST /api/v1/cluster/heartbeat          -&gt; {@link ProcedureReply}
 *   POST /api/v1/cluster/maintenance        {@link MaintenanceRequest} -&gt; {@link MaintenanceView}: rolling maintenance
 *   POST /api/v1/host/maintenance           {@link HostJobRequest} -&gt; {@link HostJob}: this host's manager starts a
 *                                           maintenance script or a validation, or reports on one (not forwarded)
 *   GET  /health                            {@link ReplicatorApi.StateReply}: 200 while the manager runs
 * </pre>
 */
public final class ManagerApi {
    public static final Endpoint<Endpoint.None, ClusterView> CLUSTER = Endpoint.get("/api/v1/cluster", ClusterView.class);
    public static final Endpoint<HistoryRequest, History> HISTORY =
            Endpoint.get("/api/v1/cluster/history", HistoryRequest.class, History.class);
    public static final Endpoint<SwitchRequest, ProcedureReply> SWITCH =
            Endpoint.post("/api/v1/cluster/switch", SwitchRequest.class, ProcedureReply.class);
    public static final Endpoint<SwitchRequest, ProcedureReply> FAILOVER =
            Endpoint.post("/api/v1/cluster/failover", SwitchRequest.class, ProcedureReply.class);
    public static final Endpoint<PolicyRequest, ClusterView> POLICY =
            Endpoint.post("/api/v1/cluster/policy", PolicyRequest.class, ClusterView.class);
    public static final Endpoint<DatasourceRequest, ProcedureReply> DATASOURCE =
            Endpoint.post("/api/v1/cluster/datasource", DatasourceRequest.class, ProcedureReply.class);
    public static final Endpoint<DatasourceRequest, ProcedureReply> REPLICATOR =
            Endpoint.post("/api/v1/cluster/replicator", DatasourceRequest.class, ProcedureReply.class);
    public static final Endpoint<Endpoint.None, ProcedureReply> HEARTBEAT =
            Endpoint.post("/api/v1/cluster/heartbeat", Endpoint.None.class, ProcedureReply.class);
    public static final Endpoint<MaintenanceRequest, MaintenanceView> MAINTENANCE =
            Endpoint.post("/api/v1/cluster/maintenance", MaintenanceRequest.class, MaintenanceView.class);
    public static final Endpoint<HostJobRequest, HostJob> HOST_JOB =
            Endpoint.post("/api/v1/host/maintenance", HostJobRequest.class, HostJob.class);
    public static final Endpoint<Endpoint.None, ReplicatorApi.StateReply> HEALTH =
            Endpoint.get("/health", ReplicatorApi.StateReply.class);

    /** Every endpoint that needs the token. */
    public static final List<Endpoint<?, ?>> PROTECTED = List.of(CLUSTER, HISTORY, SWITCH, FAILOVER, POLICY, DATASOURCE,
            REPLICATOR, HEARTBEAT, MAINTENANCE, HOST_JOB);

    private ManagerApi() {}

    /** {@code switch}/{@code failover} ({@code to} null: the best slave) or {@code switch|failover to <host>}. */
    public record SwitchRequest(String to) {}

    /**
     * {@code rolling-maintenance}: {@code action} is {@code start}, {@code dry-run}, {@code status},
     * {@code continue}, {@code abort} or {@code resume}; the options matter to start and dry-run only.
     *
     * @param order the hosts in the order they are maintained (empty: the slaves, then the master)
     * @param script a script of each host's maintenance directory, or null: pause for the operator
     * @param scriptTimeoutSeconds the script's time limit on each host (0: the default)
     */
    public record MaintenanceRequest(String action, List<String> order, boolean noSwitchBack, String script,
            List<String> args, int scriptTimeoutSeconds) {
        public static MaintenanceRequest of(String action) {
            return new MaintenanceRequest(action, List.of(), false, null, List.of(), 0);
        }
    }

    /**
     * A rolling maintenance run (or a dry run's plan): its state ({@code PLANNED} for a dry run,
     * {@code RUNNING}, {@code PAUSED}, {@code FAILED}, {@code ABORTED}, {@code INTERRUPTED},
     * {@code DONE}), what it is doing or waiting for, and every step with its outcome.
     *
     * @param next the number of the step to run next (from 1; total + 1 when done)
     * @param table the plan as the seed table: step, action, host, command, every host after the step
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MaintenanceView(String id, String state, String detail, int next, int total, long startedMillis,
            long elapsedMillis, String runner, List<MaintenanceStep> steps, String table) {}

    /**
     * One step of a run: {@code outcome} is {@code pending}, {@code running}, {@code waiting} (a pause),
     * {@code ok}, {@code failed} or {@code skipped}; {@code detail} what it did (a script's last lines).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MaintenanceStep(int number, String action, String host, String command, String outcome,
            long millis, String detail) {}

    /**
     * To one host's manager: {@code start} a {@code script} (a name in its maintenance directory, with
     * {@code args}) or a {@code validate} ({@code tpm validate} of this host), or {@code poll} job
     * {@code id}.
     */
    public record HostJobRequest(String action, String kind, String script, List<String> args, int timeoutSeconds,
            String id) {}

    /**
     * A maintenance job on one host: {@code exitCode} is null while it runs; {@code output} its
     * standard output and error (the last 64 KiB).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HostJob(String id, String host, String kind, boolean running, Integer exitCode, String output,
            long millis) {}

    /** {@code set policy automatic|manual|maintenance}. */
    public record PolicyRequest(String policy) {}

    /**
     * {@code datasource <host> <action>} or {@code replicator <host> <action>}; {@code source}: the host
     * {@code rebuild} copies from (null: the best slave), unused by the other actions.
     */
    public record DatasourceRequest(String host, String action, String source) {
        public DatasourceRequest(String host, String action) {
            this(host, action, null);
        }
    }

    /** {@code cluster history}: the last {@code limit} audit records (0: 50). */
    public record HistoryRequest(int limit) {}

    /**
     * What {@code cctrl ls} shows: the coordinator, the policy, the topology's version and one
     * {@link DatasourceView} per member, master first. {@code procedure}: a procedure that is in
     * progress (or was interrupted and is being finished), else null.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ClusterView(String service, String coordinator, String policy, int topologyVersion, String master,
            String zookeeper, String answeredBy, String procedure, List<DatasourceView> datasources,
            List<ConnectorView> connectors, FailoverTimings failover) {}

    /**
     * The settings that bound a failover's time ({@code ls -l} prints the worst case they give):
     * the managers' ZooKeeper session timeout, their observation interval, each phase's deadline,
     * and the block period after an automatic failover.
     */
    public record FailoverTimings(long sessionTimeoutMillis, long observeMillis, long phaseTimeoutMillis,
            long blockSeconds) {
        /** A dead database is seen within two observations (its manager's, then the slaves' lost streams). */
        public long databaseDetectionMillis() {
            return 2 * observeMillis;
        }

        /**
         * How long the other ZooKeeper members take to notice that the leader is gone (syncLimit x
         * tickTime as tpm writes them: 6 x 500 ms); the new leader then gives every session a fresh
         * timeout.
         */
        public static final long LEADER_LOSS_MILLIS = 3000;

        /** A manager's lease, as a fraction of its ZooKeeper session timeout. */
        public static final double LEASE_FRACTION = 0.6;
        /** A lease renewal counts only when a quorum commits it within this long of its start. */
        public static final long RENEW_TIMEOUT_MILLIS = 1000;
        /** What the coordinator adds to a lease before it counts it run out (the fence's own time, clock rates). */
        public static final long LEASE_MARGIN_MILLIS = 500;
        /** Allowance for the ZooKeeper members' election once they noticed their leader gone. */
        public static final long ELECTION_MILLIS = 1000;

        public long leaseMillis() {
            return (long) (sessionTimeoutMillis * LEASE_FRACTION);
        }

        /**
         * A dead or isolated host once the coordinator has seen no renewal of its manager's lease for
         * the lease, the renewal timeout and the margin (the coordinator must itself renew meanwhile:
         * when the host held the ZooKeeper leader, not before the others have noticed and elected a
         * new one), or once its session expired if that comes first; then two observations.
         */
        public long hostDetectionMillis() {
            long leaseRunOut = leaseMillis() + RENEW_TIMEOUT_MILLIS + LEASE_MARGIN_MILLIS;
            return Math.min(Math.max(LEADER_LOSS_MILLIS + ELECTION_MILLIS, leaseRunOut),
                    LEADER_LOSS_MILLIS + sessionTimeoutMillis) + 2 * observeMillis;
        }
    }

    /**
     * A running connector as {@code ls} shows it: {@code state} ONLINE (it routes read/write
     * sessions), NO-ROUTE (it runs but has no master to route to) or UNREACHABLE (registered in
     * ZooKeeper but its admin API does not answer; {@code status} is then null and {@code error}
     * says why).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ConnectorView(String name, String address, String state, ConnectorApi.ConnectorStatus status,
            String error) {}

    /**
     * One datasource as {@code ls} shows it: its role and state in the topology (with the reason of
     * a non-ONLINE state), and what its manager last observed ({@code manager}: RUNNING or
     * UNREACHABLE; {@code replicator}: its state or STOPPED/UNREACHABLE; {@code dataserver}: ONLINE
     * or STOPPED).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DatasourceView(String host, String role, String state, String reason, String manager,
            String replicator, String replicatorRole, String masterUri, long appliedSeqno, double appliedLatency,
            String pendingError, String dataserver, Boolean readOnly, String gtidPosition, String dataserverError,
            long observedMillisAgo) {}

    /** The outcome of an action: what was done, phase by phase, and how long it took. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ProcedureReply(String procedure, String outcome, List<Phase> phases, long totalMillis,
            String master, String message) {}

    /** One phase of a procedure: its name, how long it took, and what it did. */
    public record Phase(String name, long millis, String detail) {}

    /** The audit trail, oldest first. */
    public record History(List<AuditRecord> records) {}

    /**
     * One audit record: when, which procedure (id and kind), which phase, its outcome
     * ({@code ok}, {@code failed}, {@code rolled-back}, {@code resumed}...), by which coordinator,
     * and what happened.
     */
    public record AuditRecord(long timeMillis, String procedureId, String procedure, String phase, String outcome,
            String coordinator, long millis, String detail) {}
}
