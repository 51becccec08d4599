package io.tantalum.manager;

import io.tantalum.common.ClassPreloader;
import io.tantalum.common.DaemonMain;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager daemon: {@code manager CONFIG.properties [PIDFILE]}. Exit codes: 0 after a clean
 * shutdown (SIGTERM), 2 for a configuration error, 4 when its admin port is unavailable.
 */
public final class ManagerMain {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerMain.class);

    private ManagerMain() {}

    public static void main(String[] args) throws Exception {
        DaemonMain.run("manager", args, config -> {
            ManagerSettings settings = ManagerSettings.load(config);
            Manager manager = new Manager(settings);
            ManagerAdmin admin = new ManagerAdmin(manager);
            manager.start();
            // a manager elected coordinator runs a switch for the first time
            ClassPreloader.start("manager", "io.tantalum.manager", "io.tantalum.api");
            LOG.info("manager service={} host={} admin={}:{} zookeeper={} pid={}", settings.service(), settings.host(),
                    settings.bindAddress(), settings.adminPort(), settings.zookeeperServers(),
                    ManagementFactory.getRuntimeMXBean().getPid());
            return () -> {
                admin.close();
                manager.close();
            };
        });
    }
}
