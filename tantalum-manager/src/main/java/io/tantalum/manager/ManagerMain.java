package io.tantalum.manager;

import io.tantalum.common.TantalumException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
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
        if (args.length < 1) {
            System.err.println("usage: manager CONFIG.properties [PIDFILE]");
            System.exit(2);
        }
        ManagerSettings settings;
        Manager manager;
        ManagerAdmin admin;
        try {
            settings = ManagerSettings.load(Path.of(args[0]));
            manager = new Manager(settings);
            admin = new ManagerAdmin(manager);
            manager.start();
        } catch (TantalumException e) {
            System.err.println("ERROR: " + e.getMessage());
            System.exit(e.code().exitCode());
            return;
        }
        if (args.length > 1) {
            Files.writeString(Path.of(args[1]), Long.toString(ProcessHandle.current().pid()));
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            admin.close();
            manager.close();
            stopped.countDown();
        }, "tantalum-shutdown"));
        LOG.info("manager service={} host={} admin={}:{} zookeeper={} pid={}", settings.service(), settings.host(),
                settings.bindAddress(), settings.adminPort(), settings.zookeeperServers(),
                ManagementFactory.getRuntimeMXBean().getPid());
        stopped.await();
    }
}
