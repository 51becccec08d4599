package io.tantalum.replicator;

import io.tantalum.common.ClassPreloader;
import io.tantalum.common.DaemonMain;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicator daemon: {@code replicator CONFIG.properties [PIDFILE]}. Exit codes: 0 after a
 * clean shutdown (SIGTERM), 2 for a configuration error, 4 when a port or directory is
 * unavailable.
 */
public final class ReplicatorMain {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatorMain.class);

    private ReplicatorMain() {}

    public static void main(String[] args) throws Exception {
        DaemonMain.run("replicator", args, config -> {
            ReplicatorSettings settings = ReplicatorSettings.load(config);
            Replicator replicator = new Replicator(settings);
            AdminServer admin = new AdminServer(replicator);
            LOG.info("replicator {} service={} host={} role={} admin={}:{} thl={} pid={}", Replicator.VERSION,
                    settings.service(), settings.host(), replicator.role().display(), settings.bindAddress(),
                    settings.adminPort(), settings.thlDirectory(), ManagementFactory.getRuntimeMXBean().getPid());
            replicator.start();
            // a slave promoted to master runs the binlog extractor for the first time
            ClassPreloader.start("replicator", "io.tantalum.replicator", "io.tantalum.thl", "io.tantalum.api",
                    "com.github.shyiko.mysql.binlog");
            return () -> {
                replicator.close();
                admin.close();
            };
        });
    }
}
