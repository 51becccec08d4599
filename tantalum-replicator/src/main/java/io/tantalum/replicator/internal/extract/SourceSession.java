package io.tantalum.replicator.internal.extract;

import io.tantalum.thl.ThlEvent;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the source session's context, as the binlog records it (a QUERY event's status variables,
 * a rows event's flags), into the THL's session settings ({@link ThlEvent.SessionChange}), and a
 * statement's bytes into its text. Immutable, thread-safe.
 */
final class SourceSession {
    private static final Logger LOG = LoggerFactory.getLogger(SourceSession.class);

    private final Map<Integer, SourceCharsets.Collation> collations;
    private final String systemOffset;

    /**
     * @param collations the source's collations by id
     * @param systemOffset the source's SYSTEM time zone as an offset such as "+01:00"
     */
    SourceSession(Map<Integer, SourceCharsets.Collation> collations, String systemOffset) {
        this.collations = collations;
        this.systemOffset = systemOffset;
    }

    /** A statement's text and the settings it must run under. */
    record Statement(String text, Map<String, String> settings) {}

    /** The settings of a rows event: the checks its session turned off (none: empty). */
    static Map<String, String> ofRows(int f) {
        if ((f & (MariaDbRowDeserializers.NO_FOREIGN_KEY_CHECKS_F | MariaDbRowDeserializers.RELAXED_UNIQUE_CHECKS_F
                | MariaDbRowDeserializers.NO_CHECK_CONSTRAINT_CHECKS_F)) == 0) {
            return Map.of();
        }
        Map<String, String> m = new TreeMap<>();
        checksOff(m, (f & MariaDbRowDeserializers.NO_FOREIGN_KEY_CHECKS_F) != 0,
                (f & MariaDbRowDeserializers.RELAXED_UNIQUE_CHECKS_F) != 0,
                (f & MariaDbRowDeserializers.NO_CHECK_CONSTRAINT_CHECKS_F) != 0);
        return m;
    }

    /**
     * A statement: its text decoded from its client's character set, and its session's checks,
     * sql_mode, time zone (as an offset at the statement's time) and collations.
     */
    Statement ofStatement(SessionQueryDeserializer.Query q, long tstampMillis, String where) {
        SessionQueryDeserializer.Status st = q.status();
        SourceCharsets.Collation client = collation(st.charsetClient());
        Charset cs = client == null ? null : client.java();
        String text = cs != null && !cs.equals(StandardCharsets.UTF_8) ? new String(q.sqlBytes(), cs) : q.getSql();
        Map<String, String> m = new TreeMap<>();
        if (st.flags2() != null) {
            long f = st.flags2();
            checksOff(m, (f & SessionQueryDeserializer.OPTION_NO_FOREIGN_KEY_CHECKS) != 0,
                    (f & SessionQueryDeserializer.OPTION_RELAXED_UNIQUE_CHECKS) != 0,
                    (f & SessionQueryDeserializer.OPTION_NO_CHECK_CONSTRAINT_CHECKS) != 0);
        }
        if (st.sqlMode() != null) {
            m.put(ThlEvent.SessionChange.SQL_MODE, Long.toUnsignedString(st.sqlMode()));
        }
        if (st.timeZone() != null) {
            m.put(ThlEvent.SessionChange.TIME_ZONE, offset(st.timeZone(), tstampMillis, where));
        }
        collations(m, st, client, Arrays.equals(q.sqlBytes(), text.getBytes(StandardCharsets.UTF_8)));
        return new Statement(text, m);
    }

    private static void checksOff(Map<String, String> m, boolean fk, boolean unique, boolean check) {
        if (fk) {
            m.put(ThlEvent.SessionChange.FOREIGN_KEY_CHECKS, "0");
        }
        if (unique) {
            m.put(ThlEvent.SessionChange.UNIQUE_CHECKS, "0");
        }
        if (check) {
            m.put(ThlEvent.SessionChange.CHECK_CONSTRAINT_CHECKS, "0");
        }
    }

    /**
     * Adds the statement's collations (views, routines, triggers and databases record them). The
     * slave's client sends the statement as UTF-8, so the source's character_set_client is named
     * only when that UTF-8 text is byte for byte what the source sent; otherwise the slave reads it
     * as UTF-8, which keeps the text but records utf8mb4 as the object's client character set.
     */
    private void collations(Map<String, String> m, SessionQueryDeserializer.Status st,
            SourceCharsets.Collation client, boolean sameBytes) {
        if (client != null && sameBytes) {
            m.put(ThlEvent.SessionChange.CHARACTER_SET_CLIENT, client.charset());
        }
        SourceCharsets.Collation connection = collation(st.collationConnection());
        if (connection != null) {
            m.put(ThlEvent.SessionChange.COLLATION_CONNECTION, connection.name());
        }
        SourceCharsets.Collation server = collation(st.collationServer());
        if (server != null) {
            m.put(ThlEvent.SessionChange.COLLATION_SERVER, server.name());
        }
    }

    /** The source's collation with this id, or null (none given, or one the source did not list). */
    private SourceCharsets.Collation collation(Integer id) {
        return id == null ? null : collations.get(id);
    }

    /** A MariaDB time zone as a fixed offset at the event's time (the slave may have no time zone tables). */
    private String offset(String zone, long tstampMillis, String where) {
        if (zone.equalsIgnoreCase("SYSTEM")) {
            return systemOffset;
        }
        if (zone.startsWith("+") || zone.startsWith("-")) {
            return zone;
        }
        try {
            return ZoneId.of(zone).getRules().getOffset(Instant.ofEpochMilli(tstampMillis)).getId().replace("Z", "+00:00");
        } catch (DateTimeException e) {
            LOG.warn("time zone '{}' of the statement at {} is unknown to Java; applying it by name", zone, where);
            return zone;
        }
    }
}
