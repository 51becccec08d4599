package io.tantalum.connector;

import io.tantalum.api.AdminHttpServer;
import io.tantalum.api.ConnectorApi;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.common.ClassPreloader;
import io.tantalum.common.DaemonMain;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector daemon: {@code connector CONFIG.properties [PIDFILE]}. Exit codes: 0 after a clean
 * shutdown (SIGTERM), 2 for a configuration error, 4 when a port is unavailable.
 */
public final class ConnectorMain {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectorMain.class);

    private ConnectorMain() {}

    public static void main(String[] args) throws Exception {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Netty samples 1 buffer in 128 by default, building a stack trace for each: about 5 % of the
            // connector's CPU under load. -Dio.netty.leakDetection.level=paranoid brings it back for debugging.
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        DaemonMain.run("connector", args, config -> {
            ConnectorSettings s = ConnectorSettings.load(config);
            Connector connector = new Connector(s);
            connector.start();
            ConnectorMetrics metrics = new ConnectorMetrics(connector, s);
            AdminHttpServer admin = new AdminHttpServer(new AdminHttpServer.Options(s.service() + "-connector",
                    s.bindAddress(), s.adminPort(), s.adminToken(), null))
                    .onView(ConnectorApi.STATUS, q -> connector.status())
                    .on(ConnectorApi.HOLD, connector::hold)
                    .on(ConnectorApi.RELEASE, connector::release)
                    .onPublic(ConnectorApi.HEALTH, q -> connector.routing()
                            ? new AdminHttpServer.Response<>(200, new ReplicatorApi.StateReply("ONLINE"))
                            : new AdminHttpServer.Response<>(503, new ReplicatorApi.StateReply("NO-ROUTE")))
                    .onMetrics(metrics::scrape)
                    .start();
            LOG.info("connector {} service={} read/write={}:{} read-only={}:{} admin={} zookeeper={} pid={}", s.name(),
                    s.service(), s.bindAddress(), s.readWritePort(), s.bindAddress(), s.readOnlyPort(), s.adminPort(),
                    s.zookeeperServers(), ManagementFactory.getRuntimeMXBean().getPid());
            ClassPreloader.start("connector", "io.tantalum.connector", "io.netty.handler.codec");
            return () -> {
                admin.close();
                connector.close();
                metrics.close();
            };
        });
    }
}
