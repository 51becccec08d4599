package io.tantalum.cli.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The description of a sandbox dataservice, saved as {@code sandbox.json} in its directory: the
 * service, the accounts, and one entry per host. {@code complete} is false until deploy
 * finished. Immutable.
 */
public record SandboxLayout(String service, String directory, boolean complete, String replicatorUser,
        String replicatorPassword, String appUser, String appPassword, List<Host> hosts, int zookeeperMembers) {
    public static final String FILE = "sandbox.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Client port of the sandbox's ZooKeeper members and admin port of its managers. */
    public static final int ZOOKEEPER_PORT = 2181;
    public static final int MANAGER_PORT = 8090;
    /** The connector's read/write, read-only and admin ports (on the first host). */
    public static final int CONNECTOR_PORT = 9999;
    public static final int CONNECTOR_READONLY_PORT = 9998;
    public static final int CONNECTOR_ADMIN_PORT = 8095;
    public static final List<Integer> CONNECTOR_PORTS = List.of(CONNECTOR_PORT, CONNECTOR_READONLY_PORT,
            CONNECTOR_ADMIN_PORT);

    /** One host of the sandbox. */
    public record Host(String name, String address, int dbPort, int thlPort, int adminPort, String role, String home) {
        public Path homePath() {
            return Path.of(home);
        }
    }

    @Override
    public String toString() {
        return "SandboxLayout[" + service + " in " + directory + ", " + hosts.size() + " hosts, " + zookeeperMembers
                + " ZooKeeper members, passwords hidden]";
    }

    public SandboxLayout withComplete(boolean c) {
        return new SandboxLayout(service, directory, c, replicatorUser, replicatorPassword, appUser, appPassword, hosts,
                zookeeperMembers);
    }

    /** True when the sandbox runs managers over a ZooKeeper ensemble (not {@code --replicator-only}). */
    public boolean clustered() {
        return zookeeperMembers > 0;
    }

    /** The hosts that run a ZooKeeper member: the first 1, 3 or 5. */
    public List<Host> zookeeperHosts() {
        return hosts.subList(0, Math.min(zookeeperMembers, hosts.size()));
    }

    public Optional<Host> host(String name) {
        return hosts.stream().filter(h -> h.name().equals(name) || h.address().equals(name)).findFirst();
    }

    public Host master() {
        return hosts.stream().filter(h -> h.role().equals("master")).findFirst().orElse(hosts.get(0));
    }

    public void save() {
        try {
            // it holds the sandbox's database passwords
            io.tantalum.common.PrivateFiles.write(Path.of(directory).resolve(FILE), JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write " + directory + "/" + FILE + ": " + e, e);
        }
    }

    public static Optional<SandboxLayout> load(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(f.toFile(), SandboxLayout.class));
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot read the sandbox description " + f + ": "
                    + e.getMessage() + ". Fix or remove the file (`tpm sandbox destroy` removes the whole sandbox).", e);
        }
    }

    /**
     * The default sandbox directory: {@code $TANTALUM_SANDBOX}, else {@code sandbox/} under the
     * Tantalum home (the repository root when run through {@code ./bin}), else {@code ./sandbox}.
     */
    public static Path defaultDirectory() {
        String env = System.getenv("TANTALUM_SANDBOX");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath();
        }
        String home = System.getProperty("tantalum.home");
        return (home != null ? Path.of(home, "sandbox") : Path.of("sandbox")).toAbsolutePath();
    }
}
