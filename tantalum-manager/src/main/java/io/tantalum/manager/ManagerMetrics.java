package io.tantalum.manager;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tantalum.common.DaemonMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.state.ConnectionState;

/**
 * The manager's meters (docs/metrics.md): whether it is the coordinator, its ZooKeeper
 * connection's state, the policy and every datasource's role and state as the topology in
 * ZooKeeper has them (read once per scrape, by any manager), and the count and duration of the
 * commands and procedures this manager ran as coordinator. Thread-safe.
 */
final class ManagerMetrics implements AutoCloseable {
    private final DaemonMetrics daemon;
    private final Manager manager;
    private final MultiGauge datasources;
    private final MultiGauge policy;

    ManagerMetrics(Manager manager) {
        this.manager = manager;
        this.daemon = new DaemonMetrics(manager.settings().service(), manager.settings().host());
        MeterRegistry r = daemon.registry();
        Gauge.builder("tantalum.manager.coordinator", () -> manager.isCoordinator() ? 1 : 0)
                .description("1 while this manager is the dataservice's coordinator").register(r);
        for (ConnectionState s : ConnectionState.values()) {
            Gauge.builder("tantalum.manager.zookeeper.state", () -> manager.zookeeperState().equals(s.name()) ? 1 : 0)
                    .tag("state", s.name()).description("1 for the state of this manager's ZooKeeper connection")
                    .register(r);
        }
        datasources = MultiGauge.builder("tantalum.manager.datasource.state")
                .description("1 for each datasource's role and state in the topology (ONLINE, OFFLINE, SHUNNED, FAILED)")
                .register(r);
        policy = MultiGauge.builder("tantalum.manager.policy").description("1 for the dataservice's policy")
                .register(r);
        manager.coordinator().onProcedure(this::ran);
    }

    /** A command or procedure the coordinator ran: what, whether it succeeded, how long it took. */
    private void ran(String what, boolean ok, long nanos) {
        Timer.builder("tantalum.manager.procedures").description("Commands and procedures this manager ran as"
                        + " coordinator (switch, failover, automatic failover, datasource and replicator commands...)")
                .tags("procedure", what, "outcome", ok ? "ok" : "failed").register(daemon.registry())
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Every meter in Prometheus' text format; the topology's series only while ZooKeeper answers. */
    synchronized String scrape() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        List<MultiGauge.Row<?>> policies = new ArrayList<>();
        if (manager.connected()) {
            try {
                manager.store().topology().map(ZkStore.Versioned::value).ifPresent(t -> {
                    for (String h : manager.settings().members().keySet()) {
                        rows.add(MultiGauge.Row.of(Tags.of("datasource", h, "role", h.equals(t.master()) ? "master"
                                : "slave", "state", t.datasource(h).state().name()), 1));
                    }
                    policies.add(MultiGauge.Row.of(Tags.of("policy", t.policy().name().toLowerCase(Locale.ROOT)), 1));
                });
            } catch (RuntimeException e) {
                // ZooKeeper went away during the scrape: the process and connection meters still answer
            }
        }
        datasources.register(rows, true);
        policy.register(policies, true);
        return daemon.scrape();
    }

    @Override
    public void close() {
        daemon.close();
    }
}
