package io.tantalum.cli;

import io.tantalum.api.ManagerApi.AuditRecord;
import io.tantalum.api.ConnectorApi;
import io.tantalum.api.ManagerApi;
import io.tantalum.api.ManagerApi.ClusterView;
import io.tantalum.api.ManagerApi.ConnectorView;
import io.tantalum.api.ManagerApi.DatasourceView;
import io.tantalum.api.ManagerApi.Phase;
import io.tantalum.api.ManagerApi.ProcedureReply;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** How {@code cctrl} prints replies, in the layout Tungsten's operators know. Pure. */
final class CctrlFormat {
    private static final int WIDTH = 100;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    private CctrlFormat() {}

    static String ls(ClusterView v, boolean longFormat) {
        StringBuilder sb = new StringBuilder();
        sb.append("COORDINATOR[").append(v.coordinator() == null ? "NONE" : v.coordinator()).append(':')
                .append(v.policy() == null ? "UNKNOWN" : v.policy()).append(':')
                .append(v.coordinator() == null ? "NO-COORDINATOR" : "ONLINE").append("]\n");
        if (v.procedure() != null) {
            sb.append("PROCEDURE IN PROGRESS: ").append(v.procedure()).append('\n');
        }
        if (longFormat) {
            sb.append("ZOOKEEPER[").append(v.zookeeper()).append("] TOPOLOGY[version=").append(v.topologyVersion())
                    .append("] ANSWERED-BY[").append(v.answeredBy()).append("]\n");
            if (v.failover() != null) {
                sb.append(failoverTimings(v.failover())).append('\n');
            }
        }
        String rule = "+" + "-".repeat(WIDTH - 2) + "+\n";
        if (v.connectors() != null && !v.connectors().isEmpty()) {
            sb.append("\nROUTERS:\n").append(rule);
            for (ConnectorView c : v.connectors()) {
                sb.append(row(connector(c, longFormat)));
            }
            sb.append(rule);
        }
        sb.append("\nDATASOURCES:\n");
        sb.append(rule);
        for (DatasourceView d : v.datasources()) {
            String state = d.reason() == null ? d.state() : d.state() + "(" + d.reason() + ")";
            sb.append(row(String.format(Locale.ROOT, "%s(%s:%s, progress=%d, latency=%.3f)", d.host(), d.role(), state,
                    d.appliedSeqno(), Math.max(0, d.appliedLatency()))));
            sb.append(row("STATUS [" + status(d) + "]"));
            sb.append(rule);
            sb.append(row("  MANAGER(state=" + d.manager() + (d.observedMillisAgo() > 2000 ? ", observed "
                    + d.observedMillisAgo() / 1000 + "s ago" : "") + ")"));
            sb.append(row("  REPLICATOR(role=" + (d.replicatorRole() == null ? "?" : d.replicatorRole()) + ", state="
                    + d.replicator() + (longFormat && d.masterUri() != null ? ", master=" + d.masterUri() : "") + ")"));
            if (d.pendingError() != null) {
                sb.append(row("    pendingError: " + d.pendingError()));
            }
            sb.append(row("  DATASERVER(state=" + d.dataserver() + (d.readOnly() == null ? ""
                    : ", read_only=" + (d.readOnly() ? "ON" : "OFF")) + (longFormat && d.gtidPosition() != null
                    ? ", gtid=" + d.gtidPosition() : "") + ")"));
            if (d.dataserverError() != null) {
                sb.append(row("    error: " + d.dataserverError()));
            }
            sb.append(rule);
        }
        return sb.toString();
    }

    /** The worst case the timing settings give, with the settings named (INI keys). */
    static String failoverTimings(ManagerApi.FailoverTimings f) {
        return String.format(Locale.ROOT, "FAILOVER[a dead database is detected within %.1f s, a dead or isolated"
                + " master host within %.1f s (its lease, %.1f s from zookeeper-session-timeout-ms=%d, + %.1f s with no"
                + " renewal committed, or %.1f s for the ZooKeeper members to elect a new leader if it held theirs,"
                + " whichever is longer; + 2 observations of %d ms); then about 1 s of phases, each bounded by"
                + " phase-timeout-ms=%d; no automatic failover for %d s after one (failover-block-period)]",
                f.databaseDetectionMillis() / 1000.0, f.hostDetectionMillis() / 1000.0, f.leaseMillis() / 1000.0,
                f.sessionTimeoutMillis(), (ManagerApi.FailoverTimings.RENEW_TIMEOUT_MILLIS
                        + ManagerApi.FailoverTimings.LEASE_MARGIN_MILLIS) / 1000.0,
                (ManagerApi.FailoverTimings.LEADER_LOSS_MILLIS + ManagerApi.FailoverTimings.ELECTION_MILLIS) / 1000.0,
                f.observeMillis(), f.phaseTimeoutMillis(), f.blockSeconds());
    }

    /** Tungsten's router line: {@code connector@NAME[PID](STATE, created=N, active=N)}, with where it routes. */
    private static String connector(ConnectorView c, boolean longFormat) {
        ConnectorApi.ConnectorStatus s = c.status();
        if (s == null) {
            return "connector@" + c.name() + "(UNREACHABLE at " + c.address() + ": " + c.error() + ")";
        }
        return "connector@" + c.name() + "[" + s.pid() + "](" + c.state() + ", created=" + s.sessionsServed()
                + ", active=" + (s.readWriteSessions() + s.readOnlySessions()) + ": read/write=" + s.readWriteSessions()
                + ", read-only=" + s.readOnlySessions() + ", master=" + (s.master() == null ? "NONE" : s.master())
                + (longFormat ? ", ports=" + s.readWriteAddress() + " read/write, " + s.readOnlyAddress()
                        + " read-only, zookeeper=" + s.zookeeper() : s.routing() ? "" : ", zookeeper=" + s.zookeeper())
                + ")";
    }

    private static String status(DatasourceView d) {
        if (d.state().equals("ONLINE") && "ONLINE".equals(d.replicator()) && "ONLINE".equals(d.dataserver())) {
            return "OK";
        }
        if (d.state().equals("FAILED")) {
            return "CRITICAL";
        }
        return d.state().equals("SHUNNED") || d.state().equals("OFFLINE") ? "SHUNNED/OFFLINE BY OPERATOR" : "WARNING";
    }

    /** Lines of at most WIDTH characters between bars; a long text wraps. */
    private static String row(String text) {
        StringBuilder sb = new StringBuilder();
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < text.length(); i += WIDTH - 2) {
            parts.add(text.substring(i, Math.min(text.length(), i + WIDTH - 2)));
        }
        for (String p : parts) {
            sb.append('|').append(p).append(" ".repeat(WIDTH - 2 - p.length())).append("|\n");
        }
        return sb.toString();
    }

    static String procedure(ProcedureReply r) {
        StringBuilder sb = new StringBuilder();
        int width = r.phases().stream().mapToInt(p -> p.name().length()).max().orElse(5);
        for (Phase p : r.phases()) {
            sb.append(String.format(Locale.ROOT, "  %-" + width + "s %6d ms  %s%n", p.name(), p.millis(), p.detail()));
        }
        sb.append(String.format(Locale.ROOT, "%s %s in %d ms%s%n", r.procedure(), r.outcome().toUpperCase(Locale.ROOT),
                r.totalMillis(), r.message() == null ? "" : ": " + r.message()));
        return sb.toString();
    }

    static String history(List<AuditRecord> records) {
        StringBuilder sb = new StringBuilder();
        for (AuditRecord r : records) {
            sb.append(String.format(Locale.ROOT, "%s  %-28s %-12s %-11s %-7s %6d ms  %s%n",
                    TIME.format(Instant.ofEpochMilli(r.timeMillis())), r.procedureId(), r.phase(), r.outcome(),
                    r.coordinator(), r.millis(), r.detail()));
        }
        return sb.toString();
    }

    /** A rolling maintenance: state, where it is, and what is left. */
    static String maintenance(ManagerApi.MaintenanceView v) {
        StringBuilder sb = new StringBuilder();
        if (v.id() == null) {
            sb.append(v.detail()).append('\n');
            return sb.toString();
        }
        sb.append(String.format(java.util.Locale.ROOT, "rolling maintenance %s: %s, step %d of %d, %d s elapsed%n",
                v.id(), v.state(), Math.min(v.next(), v.total()), v.total(), v.elapsedMillis() / 1000));
        sb.append("  ").append(v.detail()).append('\n');
        List<ManagerApi.MaintenanceStep> left = v.steps().stream().filter(s -> !List.of("ok", "skipped").contains(
                s.outcome())).toList();
        if (!left.isEmpty()) {
            sb.append("  left:\n");
            for (ManagerApi.MaintenanceStep s : left.subList(0, Math.min(left.size(), 8))) {
                sb.append(String.format(java.util.Locale.ROOT, "    %3d %-8s %-9s %-7s %s%n", s.number(), s.action(),
                        s.host(), s.outcome(), s.command()));
            }
            if (left.size() > 8) {
                sb.append("    ... and ").append(left.size() - 8).append(" more (`cctrl -json -e \"rolling-maintenance"
                        + " status\"` lists them all)\n");
            }
        }
        return sb.toString();
    }

    /** One finished step of a rolling maintenance, as cctrl follows the run. */
    static String maintenanceStep(ManagerApi.MaintenanceStep s, int total) {
        String detail = s.detail() == null ? "" : s.detail().replace("\n", "\n      ");
        return String.format(java.util.Locale.ROOT, "step %d/%d %s %s: %s (%d ms) %s%n", s.number(), total, s.action(),
                s.host(), s.outcome(), s.millis(), detail);
    }
}
