package io.tantalum.manager;

import io.tantalum.api.AdminHttpServer;
import io.tantalum.api.ConnectorApi;
import io.tantalum.api.Endpoint;
import io.tantalum.api.ManagerApi;
import io.tantalum.api.ManagerApi.ClusterView;
import io.tantalum.api.ManagerApi.ConnectorView;
import io.tantalum.api.ManagerApi.DatasourceView;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Serves {@link ManagerApi} for one manager. Reads are answered from ZooKeeper by any manager;
 * actions are run by the coordinator: a manager that is not the coordinator forwards them to it
 * (with the same token), and without a quorum refuses them with the reason.
 */
public final class ManagerAdmin implements AutoCloseable {
    private final Manager manager;
    private final AdminHttpServer http;
    private final ManagerMetrics metrics;

    public ManagerAdmin(Manager manager) {
        this.manager = manager;
        ManagerSettings s = manager.settings();
        Coordinator c = manager.coordinator();
        http = new AdminHttpServer(new AdminHttpServer.Options(s.service() + "-manager", s.bindAddress(),
                s.adminPort(), s.adminToken(), s.tlsContext()));
        metrics = new ManagerMetrics(manager);
        http.onView(ManagerApi.CLUSTER, q -> cluster())
                .onView(ManagerApi.HISTORY, q -> new ManagerApi.History(zk(() -> manager.store().history(
                        q.limit() > 0 ? q.limit() : 50))))
                .on(ManagerApi.SWITCH, coordinated(ManagerApi.SWITCH, q -> c.switchTo(blankToNull(q.to()))))
                .on(ManagerApi.FAILOVER, coordinated(ManagerApi.FAILOVER, q -> c.failover(blankToNull(q.to()))))
                .on(ManagerApi.POLICY, coordinated(ManagerApi.POLICY, q -> {
                    c.setPolicy(Policy.parse(q.policy()));
                    return cluster();
                }))
                .on(ManagerApi.DATASOURCE, coordinated(ManagerApi.DATASOURCE, q -> "rebuild".equalsIgnoreCase(
                        q.action()) ? c.rebuild(q.host(), blankToNull(q.source())) : c.datasource(q.host(), q.action())))
                .on(ManagerApi.REPLICATOR, coordinated(ManagerApi.REPLICATOR, q -> c.replicator(q.host(), q.action())))
                .on(ManagerApi.HEARTBEAT, coordinated(ManagerApi.HEARTBEAT, q -> c.heartbeat()))
                .on(ManagerApi.MAINTENANCE, coordinated(ManagerApi.MAINTENANCE, c::maintenance))
                .on(ManagerApi.HOST_JOB, q -> manager.hostJobs().handle(q))
                .onPublic(ManagerApi.HEALTH, q -> new AdminHttpServer.Response<>(200,
                        new ReplicatorApi.StateReply(manager.connected() ? "ONLINE" : "ZOOKEEPER-" + manager
                                .zookeeperState())))
                .onMetrics(metrics::scrape)
                .onStatic("/ui/", "io/tantalum/manager/ui/");
        http.start();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    /** Runs {@code local} on the coordinator: here when this manager leads, else forwarded to the leader. */
    private <Q, R> Function<Q, R> coordinated(Endpoint<Q, R> endpoint, Function<Q, R> local) {
        return q -> {
            awaitCoordinator();
            if (manager.isCoordinator()) {
                return local.apply(q);
            }
            String leader = manager.coordinatorHost().orElseThrow(() -> noQuorum());
            if (leader.equals(manager.settings().host())) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "This manager is being elected coordinator; retry in"
                        + " a moment.");
            }
            return manager.dataservice().manager(leader).call(endpoint, q);
        };
    }

    /**
     * A command that arrives while this manager's ZooKeeper member has just died, or while the
     * managers elect a coordinator, waits for them (a few seconds at most) instead of failing.
     */
    private void awaitCoordinator() {
        java.time.Duration limit = settleLimit();
        long deadline = System.nanoTime() + limit.toNanos();
        manager.awaitConnected(limit);
        while (manager.connected() && !manager.isCoordinator() && manager.coordinatorHost().filter(h -> !h.equals(
                manager.settings().host())).isEmpty() && System.nanoTime() - deadline < 0) {
            if (!io.tantalum.common.Threads.sleep(50)) {
                return;
            }
        }
    }

    /** How long a command waits for ZooKeeper or the election to settle: half a session, at most 3 s. */
    private java.time.Duration settleLimit() {
        java.time.Duration half = manager.settings().sessionTimeout().dividedBy(2);
        return half.compareTo(java.time.Duration.ofSeconds(3)) < 0 ? half : java.time.Duration.ofSeconds(3);
    }

    private TantalumException noQuorum() {
        return new TantalumException(ErrorCode.UNAVAILABLE, "No coordinator: " + manager.settings().host() + "'s"
                + " manager cannot reach a ZooKeeper quorum (" + manager.settings().zookeeperServers() + ", connection "
                + manager.zookeeperState() + "). Nothing was changed. Replication keeps running and managers keep"
                + " observing; the master's database is read-only until its manager reaches the quorum again"
                + " (fencing). Bring a majority of the ZooKeeper members back (`tpm sandbox status` shows them).");
    }

    private <T> T zk(java.util.function.Supplier<T> read) {
        if (!manager.awaitConnected(settleLimit())) {
            throw noQuorum();
        }
        return read.get();
    }

    /** What {@code cctrl ls} shows, from the topology and the members' observations. */
    ClusterView cluster() {
        return zk(() -> {
            var read = manager.store().topology();
            Topology t = read.map(ZkStore.Versioned::value).orElse(null);
            int version = read.map(ZkStore.Versioned::version).orElse(-1);
            Map<String, Observation> obs = manager.store().observations();
            String procedure = manager.store().procedure().map(v -> v.value().id() + " " + v.value().from() + " -> "
                    + v.value().to() + " at " + v.value().phase()).orElse(null);
            ManagerSettings s = manager.settings();
            List<DatasourceView> views = new ArrayList<>();
            List<String> order = new ArrayList<>(s.members().keySet());
            if (t != null) {
                order.remove(t.master());
                order.add(0, t.master());
            }
            long now = System.currentTimeMillis();
            for (String h : order) {
                views.add(view(h, t, obs.get(h), now));
            }
            return new ClusterView(s.service(), manager.coordinatorHost().orElse(null), t == null ? null
                    : t.policy().name(), version, t == null ? null : t.master(), s.zookeeperServers(), s.host(),
                    procedure, views, connectors(), new ManagerApi.FailoverTimings(s.sessionTimeout().toMillis(),
                            s.observeInterval().toMillis(), s.phaseTimeout().toMillis(),
                            s.failoverBlock().toSeconds()));
        });
    }

    /** Every registered connector with its own status, asked in parallel (one that does not answer in 2 s is UNREACHABLE). */
    private List<ConnectorView> connectors() {
        List<ConnectorApi.Registration> registered = manager.store().connectors();
        List<java.util.concurrent.CompletableFuture<ConnectorApi.ConnectorStatus>> asked = registered.stream()
                .map(r -> java.util.concurrent.CompletableFuture.supplyAsync(() -> manager.dataservice().connector(r)
                        .call(ConnectorApi.STATUS)).orTimeout(2, java.util.concurrent.TimeUnit.SECONDS)).toList();
        List<ConnectorView> out = new ArrayList<>();
        for (int i = 0; i < registered.size(); i++) {
            ConnectorApi.Registration r = registered.get(i);
            String address = r.address() + ":" + r.readWritePort();
            try {
                ConnectorApi.ConnectorStatus st = asked.get(i).join();
                out.add(new ConnectorView(r.name(), address, st.routing() ? "ONLINE" : "NO-ROUTE", st, null));
            } catch (java.util.concurrent.CompletionException e) {
                Throwable cause = e.getCause() instanceof java.util.concurrent.TimeoutException
                        ? new IllegalStateException("no answer within 2 s") : e.getCause();
                out.add(new ConnectorView(r.name(), address, "UNREACHABLE", null, cause.getMessage()));
            }
        }
        out.sort(java.util.Comparator.comparing(ConnectorView::name));
        return out;
    }

    private static DatasourceView view(String h, Topology t, Observation o, long now) {
        Topology.Datasource d = t == null ? Topology.Datasource.ONLINE : t.datasource(h);
        String role = t == null ? "?" : t.role(h);
        if (o == null) {
            return new DatasourceView(h, role, d.state().name(), d.reason(), "UNREACHABLE", "UNKNOWN", null, null, -1,
                    -1, null, "UNKNOWN", null, null, null, -1);
        }
        return new DatasourceView(h, role, d.state().name(), d.reason(), "RUNNING", o.replicatorState(),
                o.replicatorRole(), o.masterUri(), o.appliedSeqno(), o.appliedLatency(), o.pendingError(),
                o.dbReachable() ? "ONLINE" : "STOPPED", o.readOnly(), o.gtidPosition(), o.dbError(),
                now - o.timeMillis());
    }

    @Override
    public void close() {
        http.close();
        metrics.close();
    }
}
