package io.tantalum.replicator;

import io.tantalum.common.TantalumException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
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
        if (args.length < 1) {
            System.err.println("usage: replicator CONFIG.properties [PIDFILE]");
            System.exit(2);
        }
        ReplicatorSettings settings;
        Replicator replicator;
        AdminServer admin;
        try {
            settings = ReplicatorSettings.load(Path.of(args[0]));
            replicator = new Replicator(settings);
            admin = new AdminServer(replicator);
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
            replicator.close();
            admin.close();
            stopped.countDown();
        }, "tantalum-shutdown"));
        LOG.info("replicator {} service={} host={} role={} admin={}:{} thl={} pid={}", Replicator.VERSION,
                settings.service(), settings.host(), replicator.role().display(), settings.bindAddress(),
                settings.adminPort(), settings.thlDirectory(), ManagementFactory.getRuntimeMXBean().getPid());
        replicator.start();
        stopped.await();
    }
}
