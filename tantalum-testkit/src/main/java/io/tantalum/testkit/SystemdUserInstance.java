package io.tantalum.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private, real systemd user instance ({@code systemd --user}) for tests of what tpm installs
 * as systemd units, on machines that were not booted with systemd (containers, CI). systemd
 * refuses to run unless {@code /run/systemd/system} exists, so the instance runs in a mount
 * namespace of its own with a private {@code /run}, and in control groups of its own (a user
 * instance started in the root control group would take the whole tree over and move every
 * process of the machine into its init.scope; two would fight over it). Its runtime and
 * configuration directories ({@code XDG_RUNTIME_DIR}, {@code XDG_CONFIG_HOME}) are under the
 * given directory; {@link #env()} points {@code systemctl --user} (and tpm) at it. Needs root
 * (for the mount namespace) and systemd installed.
 */
public final class SystemdUserInstance implements AutoCloseable {
    private static final Path SYSTEMD = Path.of("/lib/systemd/systemd");

    /** Moves the shell into control groups named $1 (every hierarchy), privatizes /run, then becomes systemd. */
    private static final String LAUNCH = "n=\"$1\"\n"
            + "if [ -f /sys/fs/cgroup/cgroup.procs ]; then dirs=/sys/fs/cgroup; else dirs=$(ls -d /sys/fs/cgroup/*/); fi\n"
            + "for h in $dirs; do [ -f \"$h/cgroup.procs\" ] || continue;"
            + " mkdir -p \"$h/$n\" && echo $$ > \"$h/$n/cgroup.procs\" 2>/dev/null || true; done\n"
            + "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec " + SYSTEMD + " --user\n";

    private final String cgroup;
    private final Path runtime;
    private final Path config;
    private final Process process;

    public SystemdUserInstance(Path dir) {
        if (!Files.isExecutable(SYSTEMD)) {
            throw new AssertionError(SYSTEMD + " is missing: install systemd (apt-get install -y systemd); the"
                    + " systemd install tests run a private systemd user instance");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("the systemd install tests need root: they run a private systemd user"
                    + " instance in a mount namespace of its own (unshare --mount)");
        }
        cgroup = "tantalum-it-" + ProcessHandle.current().pid() + "-" + dir.getFileName();
        runtime = dir.resolve("runtime");
        config = dir.resolve("config");
        try {
            Files.createDirectories(config);
            Files.createDirectories(runtime);
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
            ProcessBuilder pb = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", LAUNCH,
                    "launch", cgroup)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("systemd.log").toFile());
            pb.environment().putAll(env());
            pb.environment().remove("DBUS_SESSION_BUS_ADDRESS");
            process = pb.start();
            Files.writeString(dir.resolve("systemd.pid"), process.pid() + "\n");
        } catch (IOException e) {
            throw new AssertionError("cannot start systemd --user in " + dir + ": " + e, e);
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("systemd --user exited at start-up:\n" + log(dir));
            }
            if (Files.exists(runtime.resolve("systemd").resolve("private"))) {
                // not is-system-running: outside the namespace, systemctl sees no booted systemd and says "offline"
                Commands.Result r = Commands.run(env(), List.of("systemctl", "--user", "show", "-p", "SystemState",
                        "--value"));
                if (r.output().startsWith("running") || r.output().startsWith("degraded")) {
                    return;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                close();
                throw new AssertionError("systemd --user did not come up within 30s:\n" + log(dir));
            }
            Await.pause(100);
        }
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("systemd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The environment that makes {@code systemctl --user} (and tpm) talk to this instance. */
    public Map<String, String> env() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("XDG_RUNTIME_DIR", runtime.toString());
        env.put("XDG_CONFIG_HOME", config.toString());
        return env;
    }

    /** Where this instance's user units are installed. */
    public Path unitDirectory() {
        return config.resolve("systemd").resolve("user");
    }

    /** Runs {@code systemctl --user ARGS} against this instance; fails the test unless it exits with 0. */
    public String systemctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("systemctl", "--user"));
        cmd.addAll(List.of(args));
        return Commands.check(env(), cmd).trim();
    }

    /** One property of a unit, e.g. {@code MainPID}, {@code ActiveState}, {@code NRestarts}, {@code Result}. */
    public String property(String unit, String name) {
        return systemctl("show", "-p", name, "--value", unit);
    }

    /** Stops the instance (systemd stops its units first: SIGTERM starts exit.target) and removes its control groups. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Commands.run(Map.of(), List.of("sh", "-c", "for h in /sys/fs/cgroup /sys/fs/cgroup/*/; do"
                + " [ -d \"$h/$0\" ] && find \"$h/$0\" -depth -type d -exec rmdir {} \\; ; done; true", cgroup));
    }
}
