package io.tantalum.manager;

import io.tantalum.api.AdminClient;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The members as the manager reaches them: each replicator through its admin API (the same
 * client as {@code trepctl}, with the service's token) and each database over JDBC as the
 * replication user. Thread-safe.
 */
public final class Dataservice {
    private final ManagerSettings settings;
    private final Map<String, AdminClient> replicators = new ConcurrentHashMap<>();
    private final AdminClient.Credentials credentials;

    public Dataservice(ManagerSettings settings) {
        this.settings = settings;
        this.credentials = new AdminClient.Credentials(settings.adminToken(), "the manager's configuration",
                settings.tlsContext());
    }

    public ManagerSettings settings() {
        return settings;
    }

    /** The admin API client of {@code host}'s replicator. */
    public AdminClient replicator(String host) {
        return replicators.computeIfAbsent(host, h -> new AdminClient("the replicator of " + h, settings.address(h),
                settings.replicatorAdminPort(), credentials));
    }

    /** The admin API client of {@code host}'s manager. */
    public AdminClient manager(String host) {
        return new AdminClient("the manager of " + host, settings.address(host), settings.adminPort(), credentials);
    }

    /** The admin API client of a running connector, as it registered itself in ZooKeeper. */
    public AdminClient connector(io.tantalum.api.ConnectorApi.Registration r) {
        return new AdminClient("the connector " + r.name(), r.address(), r.adminPort(), new AdminClient.Credentials(
                settings.adminToken(), "the manager's configuration", null));
    }

    /** A JDBC connection to {@code host}'s database; connect and socket timeouts keep a dead server from hanging us. */
    public Connection database(String host, int timeoutMillis) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", settings.dbUser());
        p.setProperty("password", settings.dbPassword());
        p.setProperty("connectTimeout", Integer.toString(timeoutMillis));
        p.setProperty("socketTimeout", Integer.toString(Math.max(timeoutMillis, 2000)));
        return DriverManager.getConnection("jdbc:mariadb://" + settings.address(host) + ":" + settings.dbPort() + "/", p);
    }

    /** Sets read_only on {@code host}'s database. */
    public void setReadOnly(String host, boolean on) {
        try (Connection c = database(host, 3000); var st = c.createStatement()) {
            st.execute("SET GLOBAL read_only=" + (on ? "ON" : "OFF"));
        } catch (SQLException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot set read_only=" + (on ? "ON" : "OFF") + " on the"
                    + " database of " + host + " (" + settings.address(host) + ":" + settings.dbPort() + "): "
                    + e.getMessage(), e);
        }
    }
}
