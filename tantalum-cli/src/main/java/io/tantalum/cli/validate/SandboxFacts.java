package io.tantalum.cli.validate;

import io.tantalum.cli.sandbox.Sandbox;
import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Gathers {@link HostFacts} from each host of a sandbox (its database, ports and replicator). */
public final class SandboxFacts {
    private SandboxFacts() {}

    public static HostFacts gather(Sandbox sandbox, SandboxLayout.Host h) {
        SandboxLayout l = sandbox.layout();
        Map<String, String> vars = null;
        String error = null;
        String grants = null;
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + h.address() + ":" + h.dbPort()
                + "/?connectTimeout=3000", l.replicatorUser(), l.replicatorPassword());
                Statement s = c.createStatement()) {
            vars = new HashMap<>();
            try (ResultSet rs = s.executeQuery("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin',"
                    + " 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', 'server_id', 'read_only')")) {
                while (rs.next()) {
                    vars.put(rs.getString(1), rs.getString(2));
                }
            }
            StringBuilder g = new StringBuilder();
            try (ResultSet rs = s.executeQuery("SHOW GRANTS FOR CURRENT_USER()")) {
                while (rs.next()) {
                    g.append(rs.getString(1)).append('\n');
                }
            }
            grants = g.toString();
        } catch (SQLException e) {
            error = e.getMessage();
        }
        return new HostFacts(h.name(), h.address() + ":" + h.dbPort(), role(sandbox, h), vars, error, grants,
                ports(sandbox, h));
    }

    private static String role(Sandbox sandbox, SandboxLayout.Host h) {
        try {
            return String.valueOf(sandbox.admin(h).get("status").get("role"));
        } catch (TantalumException e) {
            return sandbox.currentRole(h);
        }
    }

    private static Map<Integer, HostFacts.PortUse> ports(Sandbox sandbox, SandboxLayout.Host h) {
        Map<Integer, HostFacts.PortUse> m = new LinkedHashMap<>();
        boolean dbOurs = sandbox.db(h).isRunning();
        boolean replicatorOurs = sandbox.replicatorProcess(h).isPresent();
        m.put(h.dbPort(), use(h, h.dbPort(), dbOurs));
        m.put(h.thlPort(), use(h, h.thlPort(), replicatorOurs));
        m.put(h.adminPort(), use(h, h.adminPort(), replicatorOurs));
        return m;
    }

    private static HostFacts.PortUse use(SandboxLayout.Host h, int port, boolean ourProcessRuns) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(h.address()), port));
            return HostFacts.PortUse.FREE;
        } catch (IOException e) {
            return ourProcessRuns ? HostFacts.PortUse.OURS : HostFacts.PortUse.FOREIGN;
        }
    }
}
