package io.tantalum.common;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every daemon's {@code main} does: {@code DAEMON CONFIG.properties [PIDFILE]}; start from the
 * configuration (a configuration error exits with its code, 2, before anything runs), write the pid
 * file, then run until SIGTERM, which closes the daemon and exits 0.
 */
public final class DaemonMain {
    private static final Logger LOG = LoggerFactory.getLogger(DaemonMain.class);

    private DaemonMain() {}

    /** Runs the daemon that {@code start} builds and starts from its configuration file. */
    public static void run(String name, String[] args, Function<Path, AutoCloseable> start) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: " + name + " CONFIG.properties [PIDFILE]");
            System.exit(2);
        }
        AutoCloseable daemon;
        try {
            daemon = start.apply(Path.of(args[0]));
        } catch (TantalumException e) {
            System.err.println("ERROR: " + e.getMessage());
            System.exit(e.code().exitCode());
            return;
        }
        if (args.length > 1) {
            // written whole or not at all: whoever waits for the file never reads it empty
            Path pidFile = Path.of(args[1]);
            Path written = pidFile.resolveSibling(pidFile.getFileName() + ".new");
            Files.writeString(written, Long.toString(ProcessHandle.current().pid()));
            Files.move(written, pidFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            try {
                daemon.close();
            } catch (Exception e) {
                LOG.warn("shutting down: {}", e.toString());
            }
            stopped.countDown();
        }, "tantalum-shutdown"));
        stopped.await();
    }
}
