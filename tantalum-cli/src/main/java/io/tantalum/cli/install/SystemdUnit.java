package io.tantalum.cli.install;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A replicator run by systemd: the unit {@code tantalum-<service>.service}, enabled and started
 * with systemctl. {@link Scope#SYSTEM} units live in {@code /etc/systemd/system} (tpm runs as
 * root); {@link Scope#USER} units belong to the installing user's own systemd instance
 * ({@code systemctl --user}, units in {@code $XDG_CONFIG_HOME/systemd/user}), for installs
 * without root.
 */
public record SystemdUnit(DaemonProcess process, String service, String host, Scope scope, Path unitDirectory)
        implements Supervisor {
    /** Which systemd instance runs the unit. */
    public enum Scope {
        SYSTEM, USER
    }

    /** Seconds systemd waits before it starts a failed replicator again. */
    public static final int RESTART_SEC = 5;

    public SystemdUnit(DaemonProcess process, String service, String host, Scope scope) {
        this(process, service, host, scope, scope == Scope.SYSTEM ? Path.of("/etc/systemd/system") : userUnitDirectory());
    }

    /** True where this machine was booted with systemd (what {@code sd_booted()} checks). */
    public static boolean booted() {
        return Files.isDirectory(Path.of("/run/systemd/system"));
    }

    static Path userUnitDirectory() {
        String config = System.getenv("XDG_CONFIG_HOME");
        Path base = config != null && !config.isEmpty() ? Path.of(config)
                : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("systemd").resolve("user");
    }

    public String name() {
        return "tantalum-" + service + process.daemon().unitSuffix + ".service";
    }

    public Path file() {
        return unitDirectory.resolve(name());
    }

    /**
     * The unit file: restarts on failure but not after a configuration error (exit code 2, which
     * restarting cannot fix), stops with SIGTERM (a clean stop at a transaction boundary, after
     * which the JVM exits with 143, a success here).
     */
    public String text() {
        boolean system = scope == Scope.SYSTEM;
        return "[Unit]\n"
                + "Description=Tantalum " + process.daemon().display + " (service " + service + " on " + host + ")\n"
                + (system ? "After=network-online.target mariadb.service\nWants=network-online.target\n" : "")
                + "\n[Service]\n"
                + "Type=simple\n"
                + (system ? "User=" + System.getProperty("user.name") + "\n" : "")
                + "ExecStart=" + String.join(" ", process.command()) + "\n"
                + "SuccessExitStatus=143\n"
                + "Restart=on-failure\n"
                + "RestartPreventExitStatus=2\n"
                + "RestartSec=" + RESTART_SEC + "\n"
                + "TimeoutStopSec=40\n"
                + "StandardOutput=append:" + process.logFile() + "\n"
                + "StandardError=append:" + process.logFile() + "\n\n"
                + "[Install]\n"
                + "WantedBy=" + (system ? "multi-user.target" : "default.target") + "\n";
    }

    /** Writes the unit, reloads systemd, enables and starts it. */
    @Override
    public void install() {
        writeUnit();
        clearStalePidFile();
        systemctl("enable", "--now", name());
        awaitStarted();
    }

    private void clearStalePidFile() {
        if (!isRunning()) {
            try {
                Files.deleteIfExists(process.pidFile());
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot remove " + process.pidFile() + ": " + e, e);
            }
        }
    }

    /**
     * Waits until the replicator has written its pid file; systemctl start returns as soon as the
     * process is forked, before a configuration error could show.
     */
    private void awaitStarted() {
        long deadline = System.currentTimeMillis() + 30_000;
        while (!process.isRunning()) {
            Map<String, String> s = show();
            if ("failed".equals(s.get("ActiveState")) || "auto-restart".equals(s.get("SubState"))) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, process.label() + ": the replicator of " + name()
                        + " exited at start-up (" + s.get("ActiveState") + ", " + s.get("Result") + "):\n"
                        + DaemonProcess.tail(process.logFile(), 15));
            }
            if (System.currentTimeMillis() > deadline) {
                throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, process.label() + ": the replicator of "
                        + name() + " did not start within 30s; see " + process.logFile());
            }
            io.tantalum.common.Threads.sleep(100);
        }
    }

    private void writeUnit() {
        try {
            Files.createDirectories(process.logFile().getParent());
            Files.createDirectories(process.pidFile().getParent());
            Files.createDirectories(unitDirectory);
            Files.writeString(file(), text());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write " + file() + ": " + e, e);
        }
        systemctl("daemon-reload");
    }

    /** Starts the unit, rewriting it first when what install would write has changed (e.g. java-home). */
    @Override
    public void start() {
        if (!upToDate()) {
            writeUnit();
        }
        clearStalePidFile();
        systemctl("start", name());
        awaitStarted();
    }

    @Override
    public void stop() {
        systemctl("stop", name());
    }

    /** Stops and disables the unit, removes its file and reloads systemd. */
    @Override
    public String uninstall() {
        if (!Files.exists(file())) {
            return "no unit " + file();
        }
        systemctl("disable", "--now", name());
        try {
            Files.delete(file());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot remove " + file() + ": " + e, e);
        }
        systemctl("daemon-reload");
        return "systemd unit " + name() + " stopped, disabled and removed";
    }

    @Override
    public boolean isRunning() {
        return List.of("active", "activating", "reloading").contains(show().get("ActiveState"));
    }

    @Override
    public boolean upToDate() {
        try {
            return Files.readString(file()).equals(text());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String describe() {
        Map<String, String> s = show();
        return "systemd" + (scope == Scope.USER ? " --user" : "") + " unit " + name() + " " + s.get("ActiveState")
                + " (" + s.get("SubState") + ", main pid " + s.get("MainPID") + ", restarts " + s.get("NRestarts")
                + ", log " + process.logFile() + ")";
    }

    /** The unit's ActiveState, SubState, MainPID, NRestarts and Result as systemd reports them. */
    public Map<String, String> show() {
        String out = systemctl("show", "-p", "ActiveState,SubState,MainPID,NRestarts,Result", name());
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                m.put(line.substring(0, eq), line.substring(eq + 1).trim());
            }
        }
        return m;
    }

    private String systemctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("systemctl"));
        if (scope == Scope.USER) {
            cmd.add("--user");
        }
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, String.join(" ", cmd) + " failed: " + out.trim()
                        + (scope == Scope.USER && out.contains("bus") ? ". systemctl --user needs the user's own"
                        + " systemd instance: log in with a session, or run `loginctl enable-linger "
                        + System.getProperty("user.name") + "` and set XDG_RUNTIME_DIR=/run/user/<uid>" : ""));
            }
            return out;
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot run systemctl: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        }
    }
}
