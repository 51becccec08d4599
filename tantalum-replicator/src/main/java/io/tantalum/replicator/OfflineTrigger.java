package io.tantalum.replicator;

import io.tantalum.thl.ThlEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a deferred offline ({@code offline-deferred}, {@code online -until-*}) takes effect:
 * after the first transaction that reaches any of the given points. Null fields are unset.
 * Immutable.
 *
 * @param atSeqno after applying (slave) or storing (master) this seqno
 * @param atEventId after the transaction whose binlog position is at or past this event id
 * @param atTimeMillis after the first transaction committed at the source at or after this time
 * @param atHeartbeat after the heartbeat of this name ({@code *} for any heartbeat)
 */
public record OfflineTrigger(Long atSeqno, String atEventId, Long atTimeMillis, String atHeartbeat) {
    public boolean isEmpty() {
        return atSeqno == null && atEventId == null && atTimeMillis == null && atHeartbeat == null;
    }

    /** True when the pipeline must stop after this (last-fragment) event. */
    public boolean matches(ThlEvent e) {
        if (atSeqno != null && e.seqno() >= atSeqno) {
            return true;
        }
        if (atEventId != null && position(e.eventId()).compareTo(position(atEventId)) >= 0) {
            return true;
        }
        if (atTimeMillis != null && e.sourceTstamp() >= atTimeMillis) {
            return true;
        }
        String hb = e.metadata().get("heartbeat");
        return atHeartbeat != null && hb != null && (atHeartbeat.equals("*") || atHeartbeat.equals(hb));
    }

    private static String position(String eventId) {
        return eventId.split(";", 2)[0];
    }

    /** How {@code trepctl status} shows the pending request, e.g. {@code at seqno 42}. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        if (atSeqno != null) {
            parts.add("at seqno " + atSeqno);
        }
        if (atEventId != null) {
            parts.add("at event " + atEventId);
        }
        if (atTimeMillis != null) {
            parts.add("at time " + Instant.ofEpochMilli(atTimeMillis));
        }
        if (atHeartbeat != null) {
            parts.add("at heartbeat " + atHeartbeat);
        }
        return parts.isEmpty() ? "NONE" : String.join(", ", parts);
    }
}
