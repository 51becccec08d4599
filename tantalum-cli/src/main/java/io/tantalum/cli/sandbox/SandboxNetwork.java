package io.tantalum.cli.sandbox;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Network partitions between the hosts of a sandbox, which all share the loopback interface.
 *
 * <p>Addresses cannot tell the hosts apart: a client that does not bind its host's address (the
 * ZooKeeper client, ZooKeeper's quorum connections, JDBC) sends from 127.0.0.1. So each sandbox
 * host's processes run in a cgroup (v2) of their own, {@code tantalum-<id>/<host>}, entered before
 * the process starts (a socket belongs to the cgroup of the process that created it). A partition
 * is one {@code nft} table: its output chain marks every packet with its sending host, its input
 * chain drops a marked packet when the socket it is delivered to belongs to a host on the other
 * side. Traffic from processes outside the sandbox's cgroups (an operator's {@code mariadb}, a
 * test's clients) is never dropped: the DBA's direct view of an isolated host stays open.
 *
 * <p>Needs root, a writable cgroup v2 hierarchy under /sys/fs/cgroup and Debian's {@code nftables};
 * without them the sandbox runs as before and {@code tpm sandbox isolate} says what is missing.
 */
public final class SandboxNetwork {
    /** Where nft looks for the cgroup paths of {@code socket cgroupv2} rules. */
    static final Path CGROUP_FS = Path.of("/sys/fs/cgroup");
    /** The high half of the packet marks; the low half is the host's number. */
    static final int MARK_BASE = 0x54410000;

    private final SandboxLayout layout;
    private final Optional<Path> cgroup2;

    private SandboxNetwork(SandboxLayout layout, Optional<Path> cgroup2) {
        this.layout = layout;
        this.cgroup2 = cgroup2;
    }

    public static SandboxNetwork of(SandboxLayout layout) {
        return new SandboxNetwork(layout, MariaDbServer.isRoot() ? cgroup2Mount() : Optional.empty());
    }

    /** The sandbox's own name for its cgroup and nft table: derived from its directory. */
    String id() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(layout.directory().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String table() {
        return "tantalum_sandbox_" + id();
    }

    /** Why partitions cannot be made here, or empty when they can. */
    public Optional<String> unavailable() {
        if (!MariaDbServer.isRoot()) {
            return Optional.of("network partitions need root (cgroups and nft rules)");
        }
        if (cgroup2.isEmpty()) {
            return Optional.of("no writable cgroup v2 hierarchy is mounted under " + CGROUP_FS);
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/nft"))) {
            return Optional.of("nft is not installed (Debian package nftables: apt-get install nftables)");
        }
        return Optional.empty();
    }

    /** The cgroup v2 mount point under /sys/fs/cgroup (the mount itself or, on hybrid systems, unified/). */
    static Optional<Path> cgroup2Mount() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                Optional<Path> p = cgroup2MountIn(line);
                if (p.isPresent() && Files.isWritable(p.get())) {
                    return p;
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The mount point of a mountinfo line that mounts the root of a cgroup2 hierarchy under /sys/fs/cgroup. */
    static Optional<Path> cgroup2MountIn(String mountinfoLine) {
        String[] halves = mountinfoLine.split(" - ", 2);
        if (halves.length < 2 || !halves[1].startsWith("cgroup2 ")) {
            return Optional.empty();
        }
        String[] f = halves[0].split(" ");
        if (f.length < 5 || !f[3].equals("/")) {
            return Optional.empty();
        }
        Path mount = Path.of(f[4]);
        return mount.startsWith(CGROUP_FS) ? Optional.of(mount) : Optional.empty();
    }

    private Path cgroupDir() {
        return cgroup2.orElseThrow().resolve("tantalum-" + id());
    }

    /**
     * The command prefix that starts a process of {@code host} inside the host's cgroup (created
     * on first use), or an empty list when partitions are unavailable here.
     */
    public List<String> launcher(String host) {
        if (unavailable().isPresent()) {
            return List.of();
        }
        // the cgroup is made when a process starts in it, not when a launcher is asked for (a sandbox that
        // was destroyed must not get its cgroups back from someone who only looks at it)
        Path dir = cgroupDir().resolve(host);
        return List.of("/bin/sh", "-c", "mkdir -p \"$0\" && echo $$ > \"$0/cgroup.procs\" && exec \"$@\"",
                dir.toString());
    }

    /** Isolates {@code side} from the other hosts of the sandbox (replacing any earlier partition). */
    public void isolate(Set<String> side) {
        unavailable().ifPresent(why -> {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot partition the sandbox: " + why + ".");
        });
        List<String> names = layout.hosts().stream().map(SandboxLayout.Host::name).toList();
        for (String h : side) {
            if (!names.contains(h)) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown host '" + h + "': the sandbox has"
                        + " hosts " + String.join(", ", names));
            }
        }
        if (side.isEmpty() || side.containsAll(names)) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "A partition needs hosts on both sides: name"
                    + " some of " + String.join(", ", names) + ", not all.");
        }
        for (String h : names) {
            launcher(h); // the cgroups exist, so nft can resolve their paths
        }
        heal();
        // the level is the host cgroups' depth in the cgroup v2 hierarchy (tantalum-<id>/<host>: 2)
        nft(List.of("-f", "-"), rules(table(), CGROUP_FS.relativize(cgroupDir()).toString(), 2, names, side));
        write(String.join(",", new TreeSet<>(side)));
    }

    /** Removes the partition, if any: every host reaches every other again. */
    public void heal() {
        if (unavailable().isEmpty() && nft(List.of("list", "table", "inet", table()), null) == 0) {
            if (nft(List.of("delete", "table", "inet", table()), null) != 0) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot remove nft table inet " + table()
                        + "; remove it by hand: nft delete table inet " + table());
            }
        }
        write(null);
    }

    /** The hosts isolated from the others, if a partition is in place. */
    public Optional<Set<String>> partition() {
        try {
            Path f = stateFile();
            return Files.exists(f) ? Optional.of(new TreeSet<>(List.of(Files.readString(f).trim().split(","))))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Heals and removes the sandbox's cgroups (once its processes have stopped). */
    public void remove() {
        heal();
        if (cgroup2.isPresent() && Files.isDirectory(cgroupDir())) {
            for (SandboxLayout.Host h : layout.hosts()) {
                cgroupDir().resolve(h.name()).toFile().delete(); // rmdir: refused while a process is inside
            }
            cgroupDir().toFile().delete();
        }
    }

    /**
     * The nft table that cuts {@code side} off from the other hosts: packets are marked with their
     * sending host in output, and dropped in input when the receiving socket is on the other side.
     * {@code cgroupPath}: the sandbox's cgroup as nft names it (relative to /sys/fs/cgroup);
     * {@code level}: the depth of the host cgroups in the cgroup v2 hierarchy.
     */
    static String rules(String table, String cgroupPath, int level, List<String> hosts, Set<String> side) {
        StringBuilder out = new StringBuilder();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++) {
            out.append(String.format("    socket cgroupv2 level %d \"%s/%s\" meta mark set 0x%08x%n", level, cgroupPath,
                    hosts.get(i), MARK_BASE + i + 1));
            for (int j = 0; j < hosts.size(); j++) {
                if (side.contains(hosts.get(i)) != side.contains(hosts.get(j))) {
                    in.append(String.format("    meta mark 0x%08x socket cgroupv2 level %d \"%s/%s\" drop%n",
                            MARK_BASE + i + 1, level, cgroupPath, hosts.get(j)));
                }
            }
        }
        return "table inet " + table + " {\n"
                + "  chain out {\n    type filter hook output priority 0; policy accept;\n" + out + "  }\n"
                + "  chain in {\n    type filter hook input priority 0; policy accept;\n" + in + "  }\n"
                + "}\n";
    }

    private Path stateFile() {
        return Path.of(layout.directory()).resolve("partition");
    }

    private void write(String side) {
        try {
            if (side == null) {
                Files.deleteIfExists(stateFile());
            } else {
                Files.writeString(stateFile(), side + "\n");
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write " + stateFile() + ": " + e, e);
        }
    }

    /** Runs nft; with {@code input}, fails with nft's own words when it refuses. */
    private static int nft(List<String> args, String input) {
        List<String> cmd = new ArrayList<>(List.of("/usr/sbin/nft"));
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            if (input != null) {
                p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "nft did not answer within 30 s");
            }
            if (input != null && p.exitValue() != 0) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "nft refused the partition rules: " + said.strip()
                        + "\nRules:\n" + input);
            }
            return p.exitValue();
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot run nft: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while running nft");
        }
    }
}
