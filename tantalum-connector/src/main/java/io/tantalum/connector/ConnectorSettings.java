package io.tantalum.connector;

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

/**
 * The connector's configuration, written by {@code tpm install} as
 * {@code conf/<service>-connector.properties}. Every problem is reported at once, naming the key.
 *
 * @param name this connector's name (shown by {@code cctrl ls})
 * @param members every database host of the service, host name to address
 * @param readOnlyMaxLatencySeconds a slave serves the read-only port while its applied latency is under this
 * @param dbUser the account that reads {@code mysql.user} on the master (password hashes only)
 */
public record ConnectorSettings(String service, String name, String bindAddress, int readWritePort, int readOnlyPort,
        int adminPort, String adminToken, String zookeeperServers, Duration sessionTimeout, Map<String, String> members,
        int dbPort, String dbUser, String dbPassword, double readOnlyMaxLatencySeconds) {

    @Override
    public String toString() {
        return "ConnectorSettings[service=" + service + ", name=" + name + ", ports=" + bindAddress + ":" + readWritePort
                + "/" + readOnlyPort + ", admin=" + adminPort + ", zookeeper=" + zookeeperServers + ", members="
                + members + ", secrets hidden]";
    }

    public String address(String member) {
        return members.getOrDefault(member, member);
    }

    public static ConnectorSettings load(Path file) {
        return from(PropertiesFile.load(file, "connector"), file.toString());
    }

    public static ConnectorSettings from(Properties p, String source) {
        List<String> errors = new ArrayList<>();
        Function<String, String> required = key -> {
            String v = p.getProperty(key, "").trim();
            if (v.isEmpty()) {
                errors.add(key + ": missing");
            }
            return v;
        };
        Map<String, String> members = PropertiesFile.members(required.apply("connector.members"), "connector.members",
                errors);
        String token = required.apply("connector.admin.token");
        if (!token.isEmpty() && token.length() < 16) {
            errors.add("connector.admin.token: shorter than 16 characters");
        }
        ConnectorSettings s = new ConnectorSettings(required.apply("service.name"), required.apply("connector.name"),
                p.getProperty("connector.bind.address", "127.0.0.1").trim(),
                number(p, errors, "connector.port", "9999", Integer::parseInt),
                number(p, errors, "connector.readonly.port", "9998", Integer::parseInt),
                number(p, errors, "connector.admin.port", "8095", Integer::parseInt), token,
                required.apply("connector.zookeeper.servers"),
                Duration.ofMillis(number(p, errors, "connector.zookeeper.session.timeout.ms", "5000", Long::parseLong)),
                members, number(p, errors, "db.port", "3306", Integer::parseInt), required.apply("db.user"),
                p.getProperty("db.password", ""),
                number(p, errors, "connector.readonly.max.latency.s", "5", Double::parseDouble));
        if (s.readWritePort() == s.readOnlyPort()) {
            errors.add("connector.port and connector.readonly.port: both " + s.readWritePort() + "; they must differ");
        }
        if (!errors.isEmpty()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "The connector configuration " + source + " has "
                    + errors.size() + " problem(s):\n  " + String.join("\n  ", errors) + "\nFix the INI and run"
                    + " `tpm update`.");
        }
        return s;
    }

    private static <T> T number(Properties p, List<String> errors, String key, String dflt, Function<String, T> parse) {
        String v = p.getProperty(key, dflt).trim();
        try {
            return parse.apply(v);
        } catch (NumberFormatException e) {
            errors.add(key + "=" + v + ": not a number");
            return parse.apply(dflt);
        }
    }
}
