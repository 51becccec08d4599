package io.tantalum.manager;

import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.TantalumException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Takes one {@link Observation} of the local host: its database over JDBC ({@code @@read_only},
 * {@code @@gtid_binlog_pos}) and its replicator through the admin API. Keeps one database
 * connection open between observations and reopens it after a failure. Used by one thread.
 */
final class Observer implements AutoCloseable {
    private final Dataservice members;
    private final String host;
    private Connection db;

    Observer(Dataservice members) {
        this.members = members;
        this.host = members.settings().host();
    }

    Observation observe(long now) {
        boolean dbUp = false;
        Boolean readOnly = null;
        String gtid = null;
        String dbError = null;
        try {
            if (db == null || !db.isValid(1)) {
                closeDb();
                db = members.database(host, 1000);
            }
            try (Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery("SELECT @@read_only, @@gtid_binlog_pos")) {
                rs.next();
                readOnly = rs.getBoolean(1);
                gtid = rs.getString(2);
                dbUp = true;
            }
        } catch (SQLException e) {
            closeDb();
            dbError = e.getMessage();
        }
        try {
            ReplicatorStatus s = members.replicator(host).call(ReplicatorApi.STATUS);
            return new Observation(host, now, dbUp, readOnly, gtid, dbError, s.state(), s.role(), s.appliedLastSeqno(),
                    s.maximumStoredSeqNo(), s.appliedLatency(), s.relativeLatency(), "NONE".equals(s.pendingError()) ? null : s.pendingError(), s.masterConnectUri(), null);
        } catch (TantalumException e) {
            return new Observation(host, now, dbUp, readOnly, gtid, dbError, Observation.STOPPED, null, -1, -1, -1,
                    -1, null, null, e.getMessage());
        }
    }

    private void closeDb() {
        if (db != null) {
            try {
                db.close();
            } catch (SQLException e) {
                // a broken connection: nothing to release
            }
            db = null;
        }
    }

    @Override
    public void close() {
        closeDb();
    }
}
