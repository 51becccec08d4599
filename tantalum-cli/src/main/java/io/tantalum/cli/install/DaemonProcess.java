package io.tantalum.cli.install;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.Processes;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A Tantalum daemon (replicator, manager or ZooKeeper member) run as a plain background process:
 * the Java that runs it, its configuration, pid file and log. Started detached with the classpath
 * of this JVM, stopped by pid (SIGTERM, then SIGKILL after 30 s).
 */
public record DaemonProcess(Daemon daemon, String label, JavaRuntime java, Path config, Path pidFile, Path logFile,
        List<String> launcher) implements Supervisor {
    /** The kinds of daemon: what operators call it, its main class, its heap limit and its systemd unit. */
    public enum Daemon {
        /** The replicator of one service: {@code tantalum-<service>.service}. */
        REPLICATOR("replicator", "io.tantalum.replicator.ReplicatorMain", "256m", ""),
        /** The manager of one service: {@code tantalum-<service>-manager.service}. */
        MANAGER("manager", "io.tantalum.manager.ManagerMain", "192m", "-manager"),
        /** A ZooKeeper ensemble member: {@code tantalum-<service>-zookeeper.service}. */
        ZOOKEEPER("ZooKeeper member", "io.tantalum.manager.ZooKeeperMember", "128m", "-zookeeper"),
        /** A connector of one service: {@code tantalum-<service>-connector.service}. */
        CONNECTOR("connector", "io.tantalum.connector.ConnectorMain", "256m", "-connector");

        public final String display;
        final String mainClass;
        final String heap;
        public final String unitSuffix;

        Daemon(String display, String mainClass, String heap, String unitSuffix) {
            this.display = display;
            this.mainClass = mainClass;
            this.heap = heap;
            this.unitSuffix = unitSuffix;
        }
    }

    /** A replicator. */
    public DaemonProcess(String label, JavaRuntime java, Path config, Path pidFile, Path logFile) {
        this(Daemon.REPLICATOR, label, java, config, pidFile, logFile);
    }

    /** A daemon started directly (no {@link #launcher}). */
    public DaemonProcess(Daemon daemon, String label, JavaRuntime java, Path config, Path pidFile, Path logFile) {
        this(daemon, label, java, config, pidFile, logFile, List.of());
    }

    /**
     * The same daemon, started through {@code launcher}: a command prefix that execs the rest
     * (the sandbox's runs each host's processes in the host's cgroup, see SandboxNetwork).
     */
    public DaemonProcess withLauncher(List<String> launcher) {
        return new DaemonProcess(daemon, label, java, config, pidFile, logFile, List.copyOf(launcher));
    }

    /** The daemon's command line (without the detaching {@code setsid}). */
    public List<String> command() {
        return List.of(java.executable().toString(), "-Xms32m", "-Xmx" + daemon.heap, "-XX:+UseSerialGC",
                "-Dfile.encoding=UTF-8", "-cp",
                System.getProperty("java.class.path"), daemon.mainClass, config.toString(), pidFile.toString());
    }

    public Optional<ProcessHandle> handle() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return Processes.running(pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean isRunning() {
        return handle().isPresent();
    }

    @Override
    public void install() {
        start();
    }

    /** The running daemon uses the configured Java (a process started before java-home changed does not). */
    @Override
    public boolean upToDate() {
        return handle().flatMap(h -> h.info().command()).map(running -> {
            try {
                return Path.of(running).equals(java.executable().toRealPath());
            } catch (IOException e) {
                return false;
            }
        }).orElse(true);
    }

    @Override
    public String uninstall() {
        stop();
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot remove " + pidFile + ": " + e, e);
        }
        return daemon.display + " stopped";
    }

    @Override
    public String describe() {
        return "background process (pid file " + pidFile + ", log " + logFile + ")";
    }

    @Override
    public void start() {
        if (isRunning()) {
            return;
        }
        List<String> cmd = new java.util.ArrayList<>(launcher);
        cmd.add("setsid");
        cmd.addAll(command());
        try {
            Files.createDirectories(pidFile.getParent());
            Files.createDirectories(logFile.getParent());
            Files.deleteIfExists(pidFile);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
            long deadline = System.currentTimeMillis() + 30_000;
            while (!Files.exists(pidFile)) {
                if (!p.isAlive()) {
                    throw new TantalumException(ErrorCode.UNAVAILABLE, label + ": the " + daemon.display + " exited at start-up"
                            + " (exit code " + p.exitValue() + "):\n" + tail(logFile, 15));
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, label + ": the " + daemon.display + " did not start"
                            + " within 30s; see " + logFile);
                }
                Threads.sleep(50);
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot start the " + daemon.display + " of " + label + ": " + e, e);
        }
    }

    /** SIGTERM (a replicator stops at a transaction boundary), SIGKILL after 30 s. */
    @Override
    public void stop() {
        handle().ifPresent(p -> {
            Processes.stop(p, Duration.ofSeconds(30));
            forget(p.pid());
        });
    }

    /** SIGKILL, as a crash would. */
    public void kill() {
        handle().ifPresent(p -> {
            Processes.kill(p);
            forget(p.pid());
        });
    }

    /**
     * Removes the pid file of a daemon that no longer runs, so that another process given the same
     * pid later (pids wrap) never passes for the daemon.
     */
    private void forget(long pid) {
        try {
            if (Processes.running(pid).isEmpty() && Files.readString(pidFile).trim().equals(Long.toString(pid))) {
                Files.deleteIfExists(pidFile);
            }
        } catch (IOException e) {
            // no pid file, or a new one being written: nothing to forget
        }
    }

    public static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
