package io.tantalum.common;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The meters of one daemon, scraped by Prometheus from its admin API's {@code /metrics}: the
 * daemon's own ({@code tantalum_*}, registered by its component) and the process's (JVM memory,
 * GC, threads, CPU, uptime, open files, resident memory). Every series carries the tags
 * {@code service} and {@code host}. Names are documented in docs/metrics.md. Thread-safe.
 */
public final class DaemonMetrics implements AutoCloseable {
    private static final long PAGE_BYTES = 4096;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public DaemonMetrics(String service, String host) {
        registry.config().commonTags(Tags.of("service", service, "host", host));
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder("process.resident.memory", DaemonMetrics::residentBytes).baseUnit("bytes")
                .description("Resident set size of the daemon's process (RSS, from /proc/self/statm)")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in Prometheus' text exposition format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    /** The process's resident set size in bytes; NaN where /proc is not there. */
    static double residentBytes() {
        try {
            String[] f = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(f[1]) * PAGE_BYTES;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
