package io.tantalum.cli.install;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A replicator run by systemd: the unit {@code tantalum-<service>.service} in
 * {@code /etc/systemd/system}, enabled and started with systemctl. Used by {@code tpm install}
 * where systemd runs (and tpm runs as root); otherwise replicators run as background processes.
 */
public record SystemdUnit(ReplicatorProcess process, String service, String host, Path unitDirectory) {
    public static final Path UNIT_DIRECTORY = Path.of("/etc/systemd/system");

    /** True where systemd is the init system and this user may install units. */
    public static boolean available() {
        return Files.isDirectory(Path.of("/run/systemd/system")) && "root".equals(System.getProperty("user.name"));
    }

    public String name() {
        return "tantalum-" + service + ".service";
    }

    public Path file() {
        return unitDirectory.resolve(name());
    }

    /** The unit file: restarts on failure, stops with SIGTERM (a clean stop at a transaction boundary). */
    public String text() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return "[Unit]\n"
                + "Description=Tantalum replicator (service " + service + " on " + host + ")\n"
                + "After=network-online.target mariadb.service\n"
                + "Wants=network-online.target\n\n"
                + "[Service]\n"
                + "Type=simple\n"
                + "User=" + System.getProperty("user.name") + "\n"
                + "ExecStart=" + java + " -Xms64m -Xmx256m -XX:+UseSerialGC -Dfile.encoding=UTF-8 -cp "
                + System.getProperty("java.class.path") + " io.tantalum.replicator.ReplicatorMain " + process.config()
                + " " + process.pidFile() + "\n"
                + "Restart=on-failure\n"
                + "RestartSec=5\n"
                + "TimeoutStopSec=40\n"
                + "StandardOutput=append:" + process.logFile() + "\n"
                + "StandardError=append:" + process.logFile() + "\n\n"
                + "[Install]\n"
                + "WantedBy=multi-user.target\n";
    }

    /** Writes the unit, reloads systemd, enables and starts it. */
    public void install() {
        try {
            Files.createDirectories(process.logFile().getParent());
            Files.createDirectories(process.pidFile().getParent());
            Files.writeString(file(), text());
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write " + file() + ": " + e, e);
        }
        systemctl("daemon-reload");
        systemctl("enable", "--now", name());
    }

    public void start() {
        systemctl("start", name());
    }

    public void stop() {
        systemctl("stop", name());
    }

    private static void systemctl(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("systemctl"));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, String.join(" ", cmd) + " failed: " + out.trim());
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot run systemctl: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        }
    }
}
