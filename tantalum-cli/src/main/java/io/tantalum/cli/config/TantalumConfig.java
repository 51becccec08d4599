package io.tantalum.cli.config;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * A validated INI configuration: the host map ({@code [hosts]}: name = address) and one
 * {@link Service} per other section, each key resolved from the service's section, then
 * {@code [defaults]}, then its declared default. Every problem (syntax, unknown key, bad value,
 * contradiction) is reported at once, with file and line, before anything is changed.
 */
public final class TantalumConfig {
    /** One replication service: its resolved values. */
    public record Service(String name, Map<IniKey, Object> values) {
        public String master() {
            return (String) values.get(IniKey.MASTER);
        }

        @SuppressWarnings("unchecked")
        public List<String> zookeeperServers() {
            return (List<String>) values.get(IniKey.ZOOKEEPER_SERVERS);
        }

        @SuppressWarnings("unchecked")
        public List<String> connectors() {
            return (List<String>) values.get(IniKey.CONNECTORS);
        }

        @SuppressWarnings("unchecked")
        public List<String> members() {
            return (List<String>) values.get(IniKey.MEMBERS);
        }

        public int intValue(IniKey k) {
            return ((Number) values.get(k)).intValue();
        }

        public String string(IniKey k) {
            return String.valueOf(values.get(k));
        }

        /** The values, with every secret's hidden. */
        @Override
        public String toString() {
            Map<IniKey, Object> shown = new EnumMap<>(IniKey.class);
            values.forEach((k, v) -> shown.put(k, k.secret ? "(hidden)" : v));
            return "Service[" + name + ", " + shown + "]";
        }

        /** A path value with {@code {host}} and {@code {service}} filled in. */
        public Path path(IniKey k, String host) {
            return Path.of(values.get(k).toString().replace("{host}", host).replace("{service}", name));
        }
    }

    private final Path file;
    private final Map<String, String> hosts;
    private final Map<String, Service> services;

    private TantalumConfig(Path file, Map<String, String> hosts, Map<String, Service> services) {
        this.file = file;
        this.hosts = hosts;
        this.services = services;
    }

    public Path file() {
        return file;
    }

    public Map<String, Service> services() {
        return services;
    }

    public Service service(String name) {
        Service s = services.get(name);
        if (s == null) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "No service '" + name + "' in " + file
                    + "; it defines " + String.join(", ", services.keySet()));
        }
        return s;
    }

    /** The address of a host: its [hosts] entry, else the name itself (resolved by DNS). */
    public String address(String host) {
        return hosts.getOrDefault(host, host);
    }

    /** Every host that is a member of some service, in order of appearance. */
    public List<String> allMembers() {
        List<String> out = new ArrayList<>();
        for (Service s : services.values()) {
            for (String m : s.members()) {
                if (!out.contains(m)) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    public static TantalumConfig load(Path file) {
        return from(file, IniFile.read(file));
    }

    public static TantalumConfig from(Path file, IniFile ini) {
        List<String> errors = new ArrayList<>(ini.syntaxErrors());
        Map<String, String> hosts = new LinkedHashMap<>();
        ini.sections().getOrDefault("hosts", Map.of()).forEach((name, e) -> {
            if (e.value().isBlank()) {
                errors.add(ini.at(e.line()) + "host " + name + " has no address");
            }
            hosts.put(name, e.value());
        });
        Map<String, IniFile.Entry> defaults = ini.sections().getOrDefault("defaults", Map.of());
        checkKeys(ini, "defaults", defaults, errors);
        Map<String, Service> services = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, IniFile.Entry>> sec : ini.sections().entrySet()) {
            String name = sec.getKey();
            if (name.equals("defaults") || name.equals("hosts")) {
                continue;
            }
            checkKeys(ini, name, sec.getValue(), errors);
            services.put(name, resolve(ini, name, defaults, sec.getValue(), errors));
        }
        if (services.isEmpty() && errors.isEmpty()) {
            errors.add(ini.source() + ": no service section: add one, e.g. [alpha] with master= and members=");
        }
        if (errors.isEmpty()) {
            checkPorts(ini, services, hosts, errors);
        }
        if (!errors.isEmpty()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "The configuration has " + errors.size()
                    + " problem(s); nothing was changed:\n  " + String.join("\n  ", errors));
        }
        return new TantalumConfig(file, hosts, services);
    }

    private static void checkKeys(IniFile ini, String section, Map<String, IniFile.Entry> entries, List<String> errors) {
        entries.forEach((key, e) -> {
            Optional<IniKey> k = IniKey.byName(key);
            if (k.isEmpty()) {
                errors.add(ini.at(e.line()) + "unknown key '" + key + "' in [" + section + "]; known keys: "
                        + String.join(", ", java.util.Arrays.stream(IniKey.values()).map(x -> x.key).toList()));
                return;
            }
            try {
                k.get().parse(e.value());
            } catch (IllegalArgumentException ex) {
                errors.add(ini.at(e.line()) + key + "=" + (k.get().secret ? "(hidden)" : e.value()) + ": "
                        + ex.getMessage());
            }
        });
    }

    private static Service resolve(IniFile ini, String name, Map<String, IniFile.Entry> defaults,
            Map<String, IniFile.Entry> own, List<String> errors) {
        Map<IniKey, Object> values = new EnumMap<>(IniKey.class);
        for (IniKey k : IniKey.values()) {
            IniFile.Entry e = own.containsKey(k.key) ? own.get(k.key) : defaults.get(k.key);
            String raw = e != null ? e.value() : k.defaultValue;
            if (raw == null) {
                errors.add(ini.at(ini.sectionLine(name)) + "[" + name + "] needs " + k.key + " (" + k.description + ")");
                continue;
            }
            try {
                values.put(k, k.parse(raw));
            } catch (IllegalArgumentException ex) {
                // reported by checkKeys with its line
            }
        }
        Service s = new Service(name, values);
        if (values.containsKey(IniKey.MASTER) && values.containsKey(IniKey.MEMBERS)) {
            if (s.members().isEmpty()) {
                errors.add(ini.at(line(ini, name, own, defaults, IniKey.MEMBERS)) + "[" + name + "] members is empty");
            } else if (!s.members().contains(s.master())) {
                errors.add(ini.at(line(ini, name, own, defaults, IniKey.MASTER)) + "[" + name + "] master " + s.master()
                        + " is not one of its members (" + String.join(", ", s.members()) + ")");
            }
        }
        if (values.containsKey(IniKey.CONNECTORS) && values.containsKey(IniKey.MEMBERS)) {
            for (String c : s.connectors()) {
                if (!s.members().contains(c)) {
                    errors.add(ini.at(line(ini, name, own, defaults, IniKey.CONNECTORS)) + "[" + name + "] connector host "
                            + c + " is not one of its members (" + String.join(", ", s.members()) + "); connectors run on"
                            + " members for now");
                }
            }
            if (!s.connectors().isEmpty() && values.containsKey(IniKey.ZOOKEEPER_SERVERS)
                    && s.zookeeperServers().isEmpty()) {
                errors.add(ini.at(line(ini, name, own, defaults, IniKey.CONNECTORS)) + "[" + name + "] connectors need"
                        + " zookeeper-servers: a connector follows the topology that the managers keep in ZooKeeper");
            }
        }
        return s;
    }

    private static int line(IniFile ini, String section, Map<String, IniFile.Entry> own,
            Map<String, IniFile.Entry> defaults, IniKey k) {
        IniFile.Entry e = own.containsKey(k.key) ? own.get(k.key) : defaults.get(k.key);
        return e != null ? e.line() : ini.sectionLine(section);
    }

    /** No two listeners on one address:port (a service's THL and admin ports, the database's port). */
    private static void checkPorts(IniFile ini, Map<String, Service> services, Map<String, String> hosts,
            List<String> errors) {
        Map<String, String> used = new LinkedHashMap<>();
        for (Service s : services.values()) {
            for (String m : s.members()) {
                String addr = hosts.getOrDefault(m, m);
                claim(used, addr + ":" + s.intValue(IniKey.THL_PORT), s.name() + " THL port on " + m, errors, ini, s);
                claim(used, addr + ":" + s.intValue(IniKey.ADMIN_PORT), s.name() + " admin port on " + m, errors, ini, s);
                if (!s.zookeeperServers().isEmpty()) {
                    claim(used, addr + ":" + s.intValue(IniKey.MANAGER_PORT), s.name() + " manager port on " + m, errors,
                            ini, s);
                }
                if (s.connectors().contains(m)) {
                    for (IniKey k : List.of(IniKey.CONNECTOR_PORT, IniKey.CONNECTOR_READONLY_PORT,
                            IniKey.CONNECTOR_ADMIN_PORT)) {
                        claim(used, addr + ":" + s.intValue(k), s.name() + " " + k.key + " on " + m, errors, ini, s);
                    }
                }
                String db = addr + ":" + s.intValue(IniKey.REPLICATION_PORT);
                String owner = used.get(db);
                if (owner != null && !owner.startsWith("database")) {
                    errors.add(ini.at(ini.sectionLine(s.name())) + db + " is both the database port of " + m + " and the "
                            + owner);
                }
                used.putIfAbsent(db, "database on " + m);
            }
        }
    }

    private static void claim(Map<String, String> used, String addrPort, String what, List<String> errors, IniFile ini,
            Service s) {
        String owner = used.putIfAbsent(addrPort, what);
        if (owner != null) {
            errors.add(ini.at(ini.sectionLine(s.name())) + addrPort + " would be used twice: by the " + owner
                    + " and by the " + what + "; give them different ports or addresses");
        }
    }

    /** TLS as a client of {@code host} sees it (the truststore only), or null when the service runs without TLS. */
    public io.tantalum.api.TlsSettings clientTls(String service, String host) {
        Service s = service(service);
        if (!Boolean.TRUE.equals(s.values().get(IniKey.TLS))) {
            return null;
        }
        return new io.tantalum.api.TlsSettings(null, null, s.path(IniKey.TLS_TRUSTSTORE, host),
                s.string(IniKey.TLS_TRUSTSTORE_PASSWORD));
    }

    /** True when the service has managers: its INI names a ZooKeeper ensemble. */
    public boolean clustered(String service) {
        return !service(service).zookeeperServers().isEmpty();
    }

    /** The ensemble's connect string, host names resolved through [hosts]: {@code 127.0.1.1:2181,...}. */
    public String zookeeperConnect(String service) {
        return String.join(",", service(service).zookeeperServers().stream().map(hp -> {
            int colon = hp.lastIndexOf(':');
            return colon < 0 ? address(hp) + ":2181" : address(hp.substring(0, colon)) + hp.substring(colon);
        }).toList());
    }

    /**
     * The ZooKeeper member configuration ({@code zoo.cfg}) of {@code host} when tpm install runs one
     * there ({@code zookeeper-install=true} and the host listed in {@code zookeeper-servers}), else null.
     * Members listen only on their own address; ids follow the list's order.
     */
    public ZooKeeperMember zookeeperMember(String service, String host, java.nio.file.Path dataDir) {
        Service s = service(service);
        if (!Boolean.TRUE.equals(s.values().get(IniKey.ZOOKEEPER_INSTALL))) {
            return null;
        }
        List<String> servers = s.zookeeperServers();
        String peers = s.string(IniKey.ZOOKEEPER_PEER_PORTS);
        StringBuilder sb = new StringBuilder("# written by tpm install from " + file + "\n");
        int mine = -1;
        for (int i = 0; i < servers.size(); i++) {
            String hp = servers.get(i);
            int colon = hp.lastIndexOf(':');
            String name = colon < 0 ? hp : hp.substring(0, colon);
            String port = colon < 0 ? "2181" : hp.substring(colon + 1);
            if (name.equals(host) || address(name).equals(address(host))) {
                mine = i + 1;
                sb.append("clientPortAddress=").append(address(name)).append("\nclientPort=").append(port).append('\n');
            }
        }
        if (mine < 0) {
            return null;
        }
        sb.append("dataDir=").append(dataDir).append('\n');
        // syncLimit x tickTime (3 s): how long members take to notice a leader cut off from them
        // (ManagerApi.FailoverTimings.LEADER_LOSS_MILLIS, part of the worst-case failover time);
        // cnxTimeout: election messages to a member cut off must not hold up those to the others
        // (ZooKeeper sends them one at a time; 5 s by default made re-elections take 10-15 s)
        sb.append("tickTime=500\ninitLimit=10\nsyncLimit=6\ncnxTimeout=1000\nmaxSessionTimeout=20000\n");
        // a follower that concludes the election before its leader does (the leader's own election
        // waits up to cnxTimeout on a member cut off) tries to connect 5 times, 100 ms apart by
        // default, then elects again, and the leader waits out initLimit for it: PartitionIT saw
        // 3 s re-elections take 13-14 s that way. 5 tries 1 s apart stay within initLimit (5 s).
        // An unknown key becomes the system property zookeeper.<key>, read when the Learner loads.
        sb.append("leaderConnectDelayDuringRetryMs=1000\n");
        sb.append("admin.enableServer=false\n4lw.commands.whitelist=srvr,ruok,mntr\n");
        sb.append("autopurge.snapRetainCount=3\nautopurge.purgeInterval=1\n");
        if (servers.size() > 1) {
            for (int i = 0; i < servers.size(); i++) {
                String hp = servers.get(i);
                int colon = hp.lastIndexOf(':');
                String name = colon < 0 ? hp : hp.substring(0, colon);
                sb.append("server.").append(i + 1).append('=').append(address(name)).append(':').append(peers)
                        .append('\n');
            }
        }
        return new ZooKeeperMember(mine, sb.toString());
    }

    /** A ZooKeeper member that tpm install runs: its id in the ensemble ({@code myid}) and its {@code zoo.cfg}. */
    public record ZooKeeperMember(int id, String config) {}

    /** The effective manager configuration of one service on one host, with the service's secrets. */
    public Properties managerProperties(String service, String host, ServiceSecrets secrets) {
        Service s = service(service);
        Properties r = replicatorProperties(service, host, secrets);
        Properties p = new Properties();
        p.setProperty("service.name", service);
        p.setProperty("manager.host", host);
        p.setProperty("manager.bind.address", address(host));
        p.setProperty("manager.admin.port", s.string(IniKey.MANAGER_PORT));
        p.setProperty("manager.zookeeper.servers", zookeeperConnect(service));
        p.setProperty("manager.zookeeper.session.timeout.ms", s.string(IniKey.ZOOKEEPER_SESSION_TIMEOUT_MS));
        p.setProperty("manager.members", String.join(",", s.members().stream().map(m -> m + "=" + address(m))
                .toList()));
        p.setProperty("manager.master", s.master());
        p.setProperty("manager.replicator.admin.port", s.string(IniKey.ADMIN_PORT));
        p.setProperty("manager.thl.port", s.string(IniKey.THL_PORT));
        p.setProperty("manager.switch.lag.limit.s", s.string(IniKey.SWITCH_LAG_LIMIT));
        p.setProperty("manager.phase.timeout.ms", s.string(IniKey.PHASE_TIMEOUT_MS));
        p.setProperty("manager.switch.grace.ms", s.string(IniKey.SWITCH_GRACE_MS));
        p.setProperty("manager.failover.block.s", s.string(IniKey.FAILOVER_BLOCK_PERIOD));
        p.setProperty("manager.maintenance.directory", s.path(IniKey.INSTALL_DIRECTORY, host).resolve("maintenance")
                .toAbsolutePath().toString());
        p.setProperty("manager.ini", file().toAbsolutePath().toString());
        for (String k : List.of("db.port", "db.user", "db.password")) {
            p.setProperty(k, r.getProperty(k));
        }
        if (r.getProperty("replicator.admin.token") != null) {
            p.setProperty("manager.admin.token", r.getProperty("replicator.admin.token"));
        }
        if (r.getProperty("replicator.tls") != null) {
            for (String k : List.of("tls", "tls.keystore", "tls.keystore.password", "tls.truststore",
                    "tls.truststore.password")) {
                p.setProperty("manager." + k, r.getProperty("replicator." + k));
            }
        }
        return p;
    }

    /** The effective connector configuration of one service on one host, with the service's secrets. */
    public Properties connectorProperties(String service, String host, ServiceSecrets secrets) {
        Service s = service(service);
        Properties m = managerProperties(service, host, secrets);
        Properties p = new Properties();
        p.setProperty("service.name", service);
        p.setProperty("connector.name", host);
        p.setProperty("connector.bind.address", address(host));
        p.setProperty("connector.port", s.string(IniKey.CONNECTOR_PORT));
        p.setProperty("connector.readonly.port", s.string(IniKey.CONNECTOR_READONLY_PORT));
        p.setProperty("connector.admin.port", s.string(IniKey.CONNECTOR_ADMIN_PORT));
        p.setProperty("connector.readonly.max.latency.s", s.string(IniKey.CONNECTOR_READONLY_MAX_LATENCY));
        p.setProperty("connector.zookeeper.servers", m.getProperty("manager.zookeeper.servers"));
        p.setProperty("connector.zookeeper.session.timeout.ms", m.getProperty("manager.zookeeper.session.timeout.ms"));
        p.setProperty("connector.members", m.getProperty("manager.members"));
        for (String k : List.of("db.port", "db.user", "db.password")) {
            p.setProperty(k, m.getProperty(k));
        }
        if (m.getProperty("manager.admin.token") != null) {
            p.setProperty("connector.admin.token", m.getProperty("manager.admin.token"));
        }
        return p;
    }

    /** The effective replicator configuration of one service on one host, with the service's secrets. */
    public Properties replicatorProperties(String service, String host, ServiceSecrets secrets) {
        Service s = service(service);
        if (!s.members().contains(host)) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Host '" + host + "' is not a member of service "
                    + service + " in " + file + " (members: " + String.join(", ", s.members()) + ")");
        }
        Properties p = new Properties();
        boolean master = host.equals(s.master());
        p.setProperty("service.name", service);
        p.setProperty("replicator.host", host);
        p.setProperty("replicator.role", master ? "master" : "slave");
        if (clustered(service)) {
            p.setProperty("replicator.master.writable", "false"); // the coordinator makes the master writable
        }
        p.setProperty("replicator.bind.address", address(host));
        p.setProperty("replicator.thl.port", s.string(IniKey.THL_PORT));
        p.setProperty("replicator.admin.port", s.string(IniKey.ADMIN_PORT));
        boolean tls = Boolean.TRUE.equals(s.values().get(IniKey.TLS));
        if (!master) {
            p.setProperty("replicator.master.uri", (tls ? "thls" : "thl") + "://" + address(s.master()) + ":"
                    + s.string(IniKey.THL_PORT) + "/");
        }
        if (tls) {
            p.setProperty("replicator.tls", "true");
            p.setProperty("replicator.tls.keystore", s.path(IniKey.TLS_KEYSTORE, host).toString());
            p.setProperty("replicator.tls.keystore.password", s.string(IniKey.TLS_KEYSTORE_PASSWORD));
            p.setProperty("replicator.tls.truststore", s.path(IniKey.TLS_TRUSTSTORE, host).toString());
            p.setProperty("replicator.tls.truststore.password", s.string(IniKey.TLS_TRUSTSTORE_PASSWORD));
        }
        p.setProperty("thl.directory", s.path(IniKey.THL_DIRECTORY, host).resolve(service).toString());
        p.setProperty("thl.segment.bytes", s.string(IniKey.THL_SEGMENT_BYTES));
        p.setProperty("thl.retention.ms", s.string(IniKey.THL_RETENTION_MS));
        p.setProperty("thl.retention.bytes", s.string(IniKey.THL_RETENTION_BYTES));
        p.setProperty("thl.fsync", s.string(IniKey.THL_FSYNC));
        p.setProperty("db.host", address(host));
        p.setProperty("db.port", s.string(IniKey.REPLICATION_PORT));
        p.setProperty("db.user", s.string(IniKey.REPLICATION_USER));
        p.setProperty("db.password", s.string(IniKey.REPLICATION_PASSWORD));
        p.setProperty("replicator.apply.block.size", s.string(IniKey.APPLY_BLOCK_SIZE));
        p.setProperty("replicator.apply.block.ms", s.string(IniKey.APPLY_BLOCK_MS));
        p.setProperty("replicator.apply.channels", s.string(IniKey.APPLY_CHANNELS));
        p.setProperty("replicator.extract.fragment.rows", s.string(IniKey.FRAGMENT_ROWS));
        p.setProperty("replicator.apply.binlog", s.string(IniKey.APPLY_BINLOG));
        // a service of one host has no slave that could acknowledge
        p.setProperty("replicator.semisync.timeout.ms", s.members().size() > 1 ? s.string(IniKey.SEMI_SYNC_TIMEOUT_MS)
                : "0");
        p.setProperty("replicator.auto.recovery.max.attempts", s.string(IniKey.AUTO_RECOVERY_MAX_ATTEMPTS));
        p.setProperty("replicator.auto.recovery.delay.ms", s.string(IniKey.AUTO_RECOVERY_DELAY_MS));
        p.setProperty("replicator.auto.recovery.reset.ms", s.string(IniKey.AUTO_RECOVERY_RESET_MS));
        if (secrets.adminToken() != null) {
            p.setProperty("replicator.admin.token", secrets.adminToken());
        }
        if (secrets.serviceSecret() != null) {
            p.setProperty("replicator.service.secret", secrets.serviceSecret());
        }
        return p;
    }
}
