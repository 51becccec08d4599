package io.tantalum.connector;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.tantalum.common.DaemonMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The connector's meters (docs/metrics.md): open sessions by port and backend, sessions held by a
 * switch, how long holds lasted, sessions served, bytes relayed each way, and sessions it ended
 * with an error, by cause. Thread-safe.
 */
public final class ConnectorMetrics implements AutoCloseable {
    /** Every cause of {@code tantalum_connector_session_errors_total}, served from the start at 0. */
    static final List<String> CAUSES = List.of("bad_handshake", "access_denied", "malformed_packets", "no_backend",
            "backend_lost", "backend_refused", "rolled_back_at_switch", "other");

    private final DaemonMetrics daemon;
    private final Connector connector;
    private final MultiGauge sessions;
    private volatile Connector.Counters counters;

    public ConnectorMetrics(Connector connector, ConnectorSettings settings) {
        this.connector = connector;
        this.daemon = new DaemonMetrics(settings.service(), settings.name());
        MeterRegistry r = daemon.registry();
        sessions = MultiGauge.builder("tantalum.connector.sessions")
                .description("Open client sessions by port (read-write, read-only) and backend host").register(r);
        Gauge.builder("tantalum.connector.sessions.held", connector::heldSessions)
                .description("Sessions a switch holds now").register(r);
        Gauge.builder("tantalum.connector.routing", () -> connector.routing() ? 1 : 0)
                .description("1 while the connector can route read/write sessions to a master").register(r);
        FunctionCounter.builder("tantalum.connector.sessions.served", this, m -> m.counters().sessionsServed())
                .description("Client sessions opened since the connector started").register(r);
        FunctionCounter.builder("tantalum.connector.bytes", this, m -> m.counters().bytesFromClients())
                .tag("direction", "from_clients").baseUnit("bytes")
                .description("Bytes relayed between clients and databases").register(r);
        FunctionCounter.builder("tantalum.connector.bytes", this, m -> m.counters().bytesToClients())
                .tag("direction", "to_clients").baseUnit("bytes")
                .description("Bytes relayed between clients and databases").register(r);
        for (String cause : CAUSES) {
            FunctionCounter.builder("tantalum.connector.session.errors", this,
                    m -> m.counters().errors().getOrDefault(cause, 0L)).tag("cause", cause)
                    .description("Sessions the connector ended with an error, by cause").register(r);
        }
        Timer hold = Timer.builder("tantalum.connector.hold").description("How long a switch held sessions, from"
                        + " its hold to its release")
                .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
                        Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10))
                .register(r);
        connector.onHoldEnded(nanos -> hold.record(nanos, TimeUnit.NANOSECONDS));
    }

    private Connector.Counters counters() {
        Connector.Counters c = counters;
        return c != null ? c : connector.counters();
    }

    /** Every meter in Prometheus' text format. */
    public synchronized String scrape() {
        counters = connector.counters();
        try {
            sessions.register(connector.sessionsByPortAndBackend().entrySet().stream().map(e -> MultiGauge.Row.of(
                    Tags.of("port", e.getKey().get(0), "backend", e.getKey().get(1)), e.getValue())).toList(), true);
            return daemon.scrape();
        } finally {
            counters = null;
        }
    }

    @Override
    public void close() {
        daemon.close();
    }
}
