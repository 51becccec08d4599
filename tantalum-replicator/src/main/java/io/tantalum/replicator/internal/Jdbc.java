package io.tantalum.replicator.internal;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.ReplicatorSettings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Connections to the replicator's local database. */
public final class Jdbc {
    private Jdbc() {}

    public static Connection connect(ReplicatorSettings s) {
        try {
            return connect(s.jdbcUrl(), s.dbUser(), s.dbPassword());
        } catch (SQLException e) {
            throw unavailable(s, e);
        }
    }

    /**
     * A connection with a 5 s connect timeout, without LOAD DATA LOCAL: the replicator never sends a
     * local file, and Connector/J, when it may, upper-cases every statement of a batch to look for
     * one: with the applier's BINLOG statements (kilobytes of base64 each) that was 30 % of a slave
     * replicator's CPU during a catch-up (JFR, 2026-12-03).
     */
    public static Connection connect(String url, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5000");
        p.setProperty("allowLocalInfile", "false");
        return DriverManager.getConnection(url, p);
    }

    public static TantalumException unavailable(ReplicatorSettings s, SQLException e) {
        return new TantalumException(ErrorCode.UNAVAILABLE, "Cannot use the database at " + s.dbHost() + ":"
                + s.dbPort() + " as " + s.dbUser() + ": " + e.getMessage() + " (error " + e.getErrorCode()
                + ", SQLSTATE " + e.getSQLState() + "). Check that it is running and that the user has all privileges.",
                e);
    }
}
