package io.tantalum.replicator.internal.apply;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;

/**
 * The replicator's catalog schema {@code tantalum_<service>} on a slave database. Creating it is
 * not written to the binlog; position updates are, as part of each applied transaction.
 */
public final class Catalog {
    private final String schema;

    public Catalog(String service) {
        this.schema = "tantalum_" + service;
    }

    public String schema() {
        return schema;
    }

    public void create(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_log_bin=0");
            s.execute("CREATE DATABASE IF NOT EXISTS `" + schema + "`");
            s.execute("CREATE TABLE IF NOT EXISTS `" + schema + "`.trep_commit_seqno ("
                    + " task_id INT NOT NULL PRIMARY KEY, seqno BIGINT NOT NULL, fragno INT NOT NULL,"
                    + " last_frag TINYINT NOT NULL, source_id VARCHAR(128) NOT NULL, epoch_number BIGINT NOT NULL,"
                    + " eventid VARCHAR(1024) NOT NULL, applied_latency INT NOT NULL,"
                    + " update_timestamp TIMESTAMP(3) NULL, extract_timestamp TIMESTAMP(3) NULL) ENGINE=InnoDB");
            s.execute("CREATE TABLE IF NOT EXISTS `" + schema + "`.heartbeat ("
                    + " id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(128) NOT NULL, salt BIGINT NOT NULL,"
                    + " source_tstamp TIMESTAMP(3) NULL) ENGINE=InnoDB");
            s.execute("SET SESSION sql_log_bin=1");
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    public AppliedPosition read(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT seqno, epoch_number, eventid, source_id,"
                        + " extract_timestamp, update_timestamp FROM `" + schema + "`.trep_commit_seqno WHERE task_id=0")) {
            if (!rs.next()) {
                return AppliedPosition.NONE;
            }
            Timestamp src = rs.getTimestamp(5);
            Timestamp upd = rs.getTimestamp(6);
            return new AppliedPosition(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                    src == null ? 0 : src.getTime(), upd == null ? 0 : upd.getTime());
        }
    }

    /**
     * Writes a heartbeat row on a master (binlogged, so the extractor turns it into a THL
     * heartbeat event carrying {@code name}).
     */
    public void heartbeat(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO `" + schema + "`.heartbeat (id, name, salt,"
                + " source_tstamp) VALUES (1, ?, ?, NOW(3)) ON DUPLICATE KEY UPDATE name=VALUES(name),"
                + " salt=VALUES(salt), source_tstamp=VALUES(source_tstamp)")) {
            ps.setString(1, name);
            ps.setLong(2, System.nanoTime());
            ps.executeUpdate();
        }
        if (!c.getAutoCommit()) {
            c.commit();
        }
    }

    /** Drops the catalog schema (trepctl reset -db); not written to the binlog. */
    public void drop(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_log_bin=0");
            s.execute("DROP DATABASE IF EXISTS `" + schema + "`");
            s.execute("SET SESSION sql_log_bin=1");
        }
    }

    /** Records the position outside the binlog, e.g. when a former master becomes a slave. */
    public void writeUnlogged(Connection c, AppliedPosition p) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET SESSION sql_log_bin=0");
            write(c, p);
            if (!c.getAutoCommit()) {
                c.commit();
            }
            s.execute("SET SESSION sql_log_bin=1");
        }
    }

    /** Records the position inside the caller's open transaction. */
    public void write(Connection c, AppliedPosition p) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.executeUpdate(writeSql(p));
        }
    }

    /**
     * The statement that records the position, with the values written as literals as Connector/J
     * sends bound parameters (timestamps in this JVM's time zone): {@link #write} runs it, and the
     * serial applier sends it in a block's last batch.
     */
    public String writeSql(AppliedPosition p) {
        return upsert(Long.toString(p.seqno()), SqlLiterals.string(p.sourceId()), Long.toString(p.epoch()),
                SqlLiterals.string(p.eventId()), Integer.toString(latency(p)),
                SqlLiterals.string(new Timestamp(p.appliedTstamp()).toString()),
                SqlLiterals.string(new Timestamp(p.sourceTstamp()).toString()));
    }

    private String upsert(String seqno, String sourceId, String epoch, String eventId, String latency,
            String updated, String extracted) {
        return "INSERT INTO `" + schema + "`.trep_commit_seqno (task_id, seqno, fragno, last_frag, source_id,"
                + " epoch_number, eventid, applied_latency, update_timestamp, extract_timestamp) VALUES (0," + seqno
                + ",0,1," + sourceId + "," + epoch + "," + eventId + "," + latency + "," + updated + "," + extracted
                + ") ON DUPLICATE KEY UPDATE seqno=VALUES(seqno), source_id=VALUES(source_id),"
                + " epoch_number=VALUES(epoch_number), eventid=VALUES(eventid), applied_latency=VALUES(applied_latency),"
                + " update_timestamp=VALUES(update_timestamp), extract_timestamp=VALUES(extract_timestamp)";
    }

    private static int latency(AppliedPosition p) {
        return (int) Math.round(p.latencySeconds());
    }
}
