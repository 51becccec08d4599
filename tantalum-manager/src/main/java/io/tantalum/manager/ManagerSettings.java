package io.tantalum.manager;

import io.tantalum.api.TlsSettings;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.PropertiesFile;
import io.tantalum.common.TantalumException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * The manager's configuration, written by {@code tpm install} as {@code conf/<service>-manager.properties}.
 * Every problem is reported at once, naming the key, before anything starts. Immutable;
 * {@link #toString()} hides the secrets.
 *
 * @param members every member of the service, host name to address, in the INI's order
 * @param master the master at installation (the topology's first master; ZooKeeper's topology wins after)
 * @param zookeeperServers the ensemble's connect string, {@code host:port,...}
 * @param lagLimitSeconds a switch candidate must be this close to the master; a FAILED slave must be
 *     this close before AUTOMATIC recovers it
 * @param phaseTimeout the deadline of each phase of a procedure
 * @param haltAfterPhase testing only: the manager halts (as kill -9) right after this switch phase
 * @param pauseAfterPhase testing only, {@code PHASE:millis}: a procedure's coordinator stalls that long
 *     right after recording this phase (as a long GC pause would), then goes on
 * @param switchGrace how long a switch lets the connectors' sessions finish their open transactions
 * @param failoverBlock after an automatic failover, no other automatic one for this long
 * @param maintenanceDirectory the scripts a rolling maintenance may run on this host (only those), or
 *     null when none is configured
 * @param ini the INI file this host was installed from ({@code tpm validate} of a rolling maintenance),
 *     or null
 */
public record ManagerSettings(String service, String host, String bindAddress, int adminPort, String adminToken,
        String zookeeperServers, Duration sessionTimeout, Duration observeInterval, Map<String, String> members,
        String master, int replicatorAdminPort, int thlPort, int dbPort, String dbUser, String dbPassword,
        double lagLimitSeconds, Duration phaseTimeout, TlsSettings tls, String haltAfterPhase, String pauseAfterPhase,
        Duration switchGrace, Duration failoverBlock, Path maintenanceDirectory, Path ini) {

    @Override
    public String toString() {
        return "ManagerSettings[service=" + service + ", host=" + host + ", admin=" + bindAddress + ":" + adminPort
                + ", zookeeper=" + zookeeperServers + ", sessionTimeout=" + sessionTimeout + ", members=" + members
                + ", master=" + master + ", tls=" + (tls != null) + ", secrets hidden]";
    }

    public String address(String member) {
        return members.getOrDefault(member, member);
    }

    /** The THL URI of {@code member}, the way its slaves connect to it. */
    public String thlUri(String member) {
        return (tls != null ? "thls" : "thl") + "://" + address(member) + ":" + thlPort + "/";
    }

    public SSLContext tlsContext() {
        return tls == null ? null : tls.context();
    }

    public static ManagerSettings load(Path file) {
        return from(PropertiesFile.load(file, "manager"), file.toString());
    }

    public static ManagerSettings from(Properties p, String source) {
        List<String> errors = new ArrayList<>();
        Keys r = new Keys(p, errors);
        String service = r.required("service.name");
        String host = r.required("manager.host");
        Map<String, String> members = PropertiesFile.members(r.required("manager.members"), "manager.members", errors);
        String master = r.required("manager.master");
        if (!members.isEmpty() && !members.containsKey(master)) {
            errors.add("manager.master: " + master + " is not one of manager.members");
        }
        if (!members.isEmpty() && !host.isEmpty() && !members.containsKey(host)) {
            errors.add("manager.host: " + host + " is not one of manager.members");
        }
        String token = r.required("manager.admin.token");
        if (!token.isEmpty() && token.length() < 16) {
            errors.add("manager.admin.token: shorter than 16 characters");
        }
        TlsSettings tls = null;
        if (Boolean.parseBoolean(p.getProperty("manager.tls", "false"))) {
            tls = new TlsSettings(Path.of(r.required("manager.tls.keystore")), p.getProperty(
                    "manager.tls.keystore.password", ""), Path.of(r.required("manager.tls.truststore")),
                    p.getProperty("manager.tls.truststore.password", ""));
        }
        ManagerSettings s = new ManagerSettings(service, host, p.getProperty("manager.bind.address", "127.0.0.1"),
                r.number("manager.admin.port", "8090", Integer::parseInt), token, r.required("manager.zookeeper.servers"),
                Duration.ofMillis(r.number("manager.zookeeper.session.timeout.ms", "5000", Long::parseLong)),
                Duration.ofMillis(r.number("manager.observe.interval.ms", "500", Long::parseLong)), members, master,
                r.number("manager.replicator.admin.port", "10000", Integer::parseInt),
                r.number("manager.thl.port", "2112", Integer::parseInt), r.number("db.port", "3306", Integer::parseInt),
                r.required("db.user"), p.getProperty("db.password", ""),
                r.number("manager.switch.lag.limit.s", "30", Double::parseDouble),
                Duration.ofMillis(r.number("manager.phase.timeout.ms", "20000", Long::parseLong)), tls,
                p.getProperty("manager.fault.halt.after.phase", ""),
                p.getProperty("manager.fault.pause.after.phase", ""),
                Duration.ofMillis(r.number("manager.switch.grace.ms", "3000", Long::parseLong)),
                Duration.ofSeconds(r.number("manager.failover.block.s", "600", Long::parseLong)),
                optionalPath(p, "manager.maintenance.directory"), optionalPath(p, "manager.ini"));
        if (!s.pauseAfterPhase().isEmpty() && !s.pauseAfterPhase().matches("[A-Z_]+:[0-9]{1,6}")) {
            errors.add("manager.fault.pause.after.phase: PHASE:millis (for example PROMOTING:4000), not '"
                    + s.pauseAfterPhase() + "'");
        }
        if (s.sessionTimeout().toMillis() < 1000) {
            errors.add("manager.zookeeper.session.timeout.ms: at least 1000 (ZooKeeper's minimum is 2 ticks)");
        }
        if (!errors.isEmpty()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "The manager configuration " + source + " has "
                    + errors.size() + " problem(s):\n  " + String.join("\n  ", errors) + "\nFix the INI and run"
                    + " `tpm update`.");
        }
        return s;
    }

    private static Path optionalPath(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        return v.isEmpty() ? null : Path.of(v);
    }

    private record Keys(Properties p, List<String> errors) {
        String required(String key) {
            String v = p.getProperty(key, "").trim();
            if (v.isEmpty()) {
                errors.add(key + ": missing");
            }
            return v;
        }

        <T> T number(String key, String dflt, Function<String, T> parse) {
            String v = p.getProperty(key, dflt).trim();
            try {
                return parse.apply(v);
            } catch (NumberFormatException e) {
                errors.add(key + "=" + v + ": not a number");
                return parse.apply(dflt);
            }
        }
    }
}
