package io.tantalum.cli.validate;

import io.tantalum.cli.config.IniKey;
import io.tantalum.cli.config.TantalumConfig;
import io.tantalum.cli.install.Installer;
import io.tantalum.cli.install.JavaRuntime;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.RoleStore;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Gathers {@link HostFacts} for one host of the INI configuration: its database, ports, files and replicator. */
public final class Facts {
    private static final String VARIABLES = "'log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata',"
            + " 'server_id', 'read_only', 'sync_binlog', 'innodb_flush_log_at_trx_commit', 'max_allowed_packet',"
            + " 'event_scheduler', 'binlog_cache_size'";

    private Facts() {}

    public static HostFacts gather(Installer installer, String host) {
        TantalumConfig c = installer.config();
        String service = installer.servicesOn(host).get(0);
        TantalumConfig.Service s = c.service(service);
        String address = c.address(host);
        int dbPort = s.intValue(IniKey.REPLICATION_PORT);
        Map<String, String> vars = null;
        String error = null;
        String grants = null;
        Boolean nativeRepl = null;
        List<String> myisam = null;
        List<String> triggers = null;
        List<String> events = null;
        Long skew = null;
        Properties p = new Properties();
        p.setProperty("user", s.string(IniKey.REPLICATION_USER));
        p.setProperty("password", s.string(IniKey.REPLICATION_PASSWORD));
        p.setProperty("connectTimeout", "3000");
        try (Connection conn = DriverManager.getConnection("jdbc:mariadb://" + address + ":" + dbPort + "/", p);
                Statement st = conn.createStatement()) {
            vars = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SHOW GLOBAL VARIABLES WHERE Variable_name IN (" + VARIABLES + ")")) {
                while (rs.next()) {
                    vars.put(rs.getString(1), rs.getString(2));
                }
            }
            grants = grants(st);
            nativeRepl = nativeReplication(st);  // null when the user may not look: ReplicatorPrivilegesCheck says so
            myisam = myisam(st);
            // replayed row events (apply-binlog, the default) do not fire slave triggers, as on a native slave
            triggers = Boolean.parseBoolean(s.string(IniKey.APPLY_BINLOG)) ? List.of() : unguardedTriggers(st);
            events = names(st, "SELECT CONCAT(EVENT_SCHEMA, '.', EVENT_NAME) FROM information_schema.EVENTS"
                    + " WHERE STATUS = 'ENABLED' ORDER BY 1 LIMIT 20");
            long before = System.currentTimeMillis();
            try (ResultSet rs = st.executeQuery("SELECT UNIX_TIMESTAMP(NOW(3)) * 1000")) {
                rs.next();
                skew = rs.getLong(1) - (before + System.currentTimeMillis()) / 2;
            }
        } catch (SQLException e) {
            error = e.getMessage();
        }
        boolean local = isLocal(address);
        Path thl = s.path(IniKey.THL_DIRECTORY, host);
        String thlProblem = local ? thlProblem(thl) : null;
        Long free = local ? freeBytes(thl) : null;
        HostFacts.Extra extra = new HostFacts.Extra(nativeRepl, myisam, skew, thlProblem, free,
                local ? java(installer.process(service, host).java()) : null, triggers, events,
                local && Boolean.TRUE.equals(s.values().get(IniKey.TLS)) ? Certificates.inspect(s, host) : null,
                local && c.clustered(service) ? zookeeper(installer, service, host) : null);
        return new HostFacts(host, address + ":" + dbPort, role(installer, service, host), vars, error, grants,
                local ? ports(installer, service, host, address, dbPort) : Map.of(), extra);
    }

    /** The ensemble as {@code host} sees it: each member probed from the host's own address. */
    private static HostFacts.ZooKeeper zookeeper(Installer installer, String service, String host) {
        TantalumConfig c = installer.config();
        List<String> servers = List.of(c.zookeeperConnect(service).split(","));
        Map<String, String> modes = new LinkedHashMap<>();
        for (String hp : servers) {
            int colon = hp.lastIndexOf(':');
            modes.put(hp, io.tantalum.manager.ZooKeeperProbe.mode(c.address(host), hp.substring(0, colon),
                    Integer.parseInt(hp.substring(colon + 1))));
        }
        Path conf = installer.managerProcess(service, host).config();
        String installed = null;
        if (Files.exists(conf)) {
            Properties p = new Properties();
            try (var r = Files.newBufferedReader(conf)) {
                p.load(r);
                installed = p.getProperty("manager.zookeeper.servers");
            } catch (IOException e) {
                installed = "(unreadable: " + e.getMessage() + ")";
            }
        }
        return new HostFacts.ZooKeeper(servers, installed == null && Boolean.TRUE.equals(c.service(service).values()
                .get(IniKey.ZOOKEEPER_INSTALL)), modes, installed);
    }

    /** What each Java said, once per tpm run: hosts on one machine usually share it. */
    private static final Map<Path, HostFacts.Java> JAVA = new java.util.concurrent.ConcurrentHashMap<>();

    private static HostFacts.Java java(JavaRuntime runtime) {
        return JAVA.computeIfAbsent(runtime.executable(), e -> probe(runtime));
    }

    private static HostFacts.Java probe(JavaRuntime runtime) {
        String executable = runtime.executable().toString();
        try {
            JavaRuntime.Version v = runtime.probe();
            return new HostFacts.Java(executable, v.text(), v.feature(), null);
        } catch (TantalumException e) {
            return new HostFacts.Java(executable, null, 0, e.getMessage());
        }
    }

    private static String grants(Statement st) throws SQLException {
        StringBuilder g = new StringBuilder();
        try (ResultSet rs = st.executeQuery("SHOW GRANTS FOR CURRENT_USER()")) {
            while (rs.next()) {
                g.append(rs.getString(1)).append('\n');
            }
        }
        return g.toString();
    }

    private static Boolean nativeReplication(Statement st) {
        try (ResultSet rs = st.executeQuery("SHOW ALL SLAVES STATUS")) {
            while (rs.next()) {
                if ("Yes".equalsIgnoreCase(rs.getString("Slave_IO_Running"))
                        || "Yes".equalsIgnoreCase(rs.getString("Slave_SQL_Running"))) {
                    return true;
                }
            }
            return false;
        } catch (SQLException e) {
            return null;
        }
    }

    /** User triggers that would fire again on slaves: their body does not test @tantalum_applier. */
    private static List<String> unguardedTriggers(Statement st) throws SQLException {
        return names(st, "SELECT CONCAT(TRIGGER_SCHEMA, '.', TRIGGER_NAME, ' ON ', EVENT_OBJECT_TABLE) FROM"
                + " information_schema.TRIGGERS WHERE TRIGGER_SCHEMA NOT IN ('mysql', 'sys', 'performance_schema')"
                + " AND TRIGGER_SCHEMA NOT LIKE 'tantalum\\_%' AND LOWER(ACTION_STATEMENT) NOT LIKE"
                + " '%@tantalum_applier%' ORDER BY 1 LIMIT 20");
    }

    /** The first column of every row of {@code query}. */
    private static List<String> names(Statement st, String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(query)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static List<String> myisam(Statement st) throws SQLException {
        return names(st, "SELECT CONCAT(table_schema, '.', table_name, ' ', engine) FROM information_schema.tables"
                + " WHERE engine IN ('MyISAM', 'Aria', 'MEMORY', 'CSV', 'ARCHIVE') AND table_type = 'BASE TABLE'"
                + " AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys') LIMIT 20");
    }

    private static String role(Installer installer, String service, String host) {
        try {
            return installer.admin(service, host).call(io.tantalum.api.ReplicatorApi.STATUS).role();
        } catch (TantalumException e) {
            Path thl = installer.config().service(service).path(IniKey.THL_DIRECTORY, host).resolve(service);
            return RoleStore.savedRole(thl).orElse(host.equals(installer.config().service(service).master())
                    ? "master" : "slave");
        }
    }

    /** True when {@code address} belongs to this machine (it can be bound). */
    public static boolean isLocal(String address) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String thlProblem(Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            return dir + " cannot be created: " + existing + " is not a directory";
        }
        if (!Files.isWritable(existing)) {
            return existing + " is not writable by " + System.getProperty("user.name");
        }
        return null;
    }

    private static Long freeBytes(Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            return existing == null ? null : Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            return null;
        }
    }

    private static Map<Integer, HostFacts.PortUse> ports(Installer installer, String service, String host,
            String address, int dbPort) {
        TantalumConfig.Service s = installer.config().service(service);
        boolean replicatorOurs = installer.process(service, host).isRunning();
        Map<Integer, HostFacts.PortUse> m = new LinkedHashMap<>();
        m.put(dbPort, use(address, dbPort, true));
        m.put(s.intValue(IniKey.THL_PORT), use(address, s.intValue(IniKey.THL_PORT), replicatorOurs));
        m.put(s.intValue(IniKey.ADMIN_PORT), use(address, s.intValue(IniKey.ADMIN_PORT), replicatorOurs));
        return m;
    }

    /** FREE when it can be bound; else OURS when our own process is expected there. The database port is always OURS. */
    private static HostFacts.PortUse use(String address, int port, boolean ourProcessRuns) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return HostFacts.PortUse.FREE;
        } catch (BindException e) {
            return ourProcessRuns ? HostFacts.PortUse.OURS : HostFacts.PortUse.FOREIGN;
        } catch (IOException e) {
            return HostFacts.PortUse.FOREIGN;
        }
    }
}
