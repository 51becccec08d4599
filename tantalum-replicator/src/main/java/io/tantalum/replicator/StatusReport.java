package io.tantalum.replicator;

import io.tantalum.replicator.internal.Pipeline;
import io.tantalum.replicator.internal.SlavePipeline;
import io.tantalum.replicator.internal.apply.ApplyException;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds {@code trepctl status}: Tungsten's field names, plus the figures {@code trepctl qs} uses. */
final class StatusReport {
    /** Everything the report reads, captured once. */
    record Input(ReplicatorSettings settings, RoleStore.Assignment role, ReplicatorState state, long stateSince,
            long startMillis, RuntimeException error, OfflineTrigger offline, Pipeline pipeline,
            Pipeline.Applied lastApplied, RateSampler rate, AutoRecovery recovery) {}

    private StatusReport() {}

    static Map<String, Object> build(Input in) {
        ReplicatorSettings s = in.settings();
        boolean master = in.role().role() == ReplicatorSettings.Role.MASTER;
        Pipeline p = in.pipeline();
        ThlLog log = p == null ? null : p.log();
        ThlRecord lastRecord = log == null ? null : log.lastRecord();
        Pipeline.Applied current = p == null ? null : p.applied();
        Pipeline.Applied a = current != null ? current : in.lastApplied();
        if (a == null && p == null && !master) {
            var pos = SlavePipeline.readApplied(s);
            a = new Pipeline.Applied(pos.seqno(), pos.seqno() < 0 ? "NONE" : pos.eventId(), pos.sourceTstamp(),
                    pos.latencySeconds());
        }
        long now = System.currentTimeMillis();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("appliedLastEventId", a == null ? "NONE" : a.eventId());
        m.put("appliedLastSeqno", a == null ? -1 : a.seqno());
        m.put("appliedLatency", round(a == null ? 0 : a.latencySeconds()));
        m.put("channels", 1);
        m.put("clusterName", s.service());
        m.put("currentEventId", "NONE");
        m.put("currentTimeMillis", now);
        m.put("dataServerHost", s.dbHost());
        m.put("extensions", "");
        m.put("host", s.host());
        m.put("latestEpochNumber", lastRecord != null ? lastRecord.epoch() : -1);
        m.put("masterConnectUri", master || in.role().masterUri() == null ? "" : in.role().masterUri().toString());
        m.put("masterListenUri", "thl://" + s.bindAddress() + ":" + s.thlPort() + "/");
        m.put("maximumStoredSeqNo", log != null ? log.maxSeqno() : -1);
        m.put("minimumStoredSeqNo", log != null ? log.minSeqno() : -1);
        m.put("offlineRequests", in.offline() == null ? "NONE" : "Offline " + in.offline().describe());
        putError(m, in.error());
        in.recovery().status(m, now);
        m.put("pipelineSource", master ? "jdbc:mariadb://" + s.dbHost() + ":" + s.dbPort() + "/"
                : String.valueOf(in.role().masterUri()));
        m.put("relativeLatency", a != null && a.sourceTstamp() > 0 ? round((now - a.sourceTstamp()) / 1000.0) : -1);
        m.put("resourcePrecedence", 99);
        m.put("rmiPort", s.adminPort());
        m.put("role", in.role().role().display());
        m.put("seqnoType", "java.lang.Long");
        m.put("serviceName", s.service());
        m.put("serviceType", "local");
        m.put("simpleServiceName", s.service());
        m.put("siteName", "default");
        m.put("sourceId", s.host());
        m.put("state", in.state().display());
        m.put("timeInStateSeconds", round((now - in.stateSince()) / 1000.0));
        m.put("transitioningTo", "");
        m.put("uptimeSeconds", round((now - in.startMillis()) / 1000.0));
        m.put("useSSLConnection", false);
        m.put("version", Replicator.VERSION);
        if (p != null) {
            p.status(m);
        }
        putProgress(m, master, a, in.rate());
        return m;
    }

    private static void putError(Map<String, Object> m, RuntimeException err) {
        m.put("pendingError", err == null ? "NONE" : err.getMessage());
        m.put("pendingErrorCode", err == null ? "NONE" : errorCode(err));
        m.put("pendingErrorEventId", err instanceof ApplyException ae ? ae.eventId() : "NONE");
        m.put("pendingErrorSeqno", err instanceof ApplyException ae ? ae.seqno() : -1);
        m.put("pendingExceptionMessage", err == null ? "NONE" : rootMessage(err));
    }

    /** How far behind a slave is and when it should catch up, for {@code trepctl qs}. */
    private static void putProgress(Map<String, Object> m, boolean master, Pipeline.Applied a, RateSampler rate) {
        double perSecond = rate.perSecond();
        m.put("appliedRatePerSecond", round(perSecond));
        long masterMax = m.get("masterMaxSeqno") instanceof Number n ? n.longValue() : -1;
        long behind = master || masterMax < 0 || a == null ? 0 : Math.max(0, masterMax - a.seqno());
        m.put("behindSeqnos", behind);
        m.put("estimatedCatchupSeconds", behind == 0 ? 0 : perSecond > 0 ? round(behind / perSecond) : -1);
    }

    private static String errorCode(RuntimeException e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SQLException s) {
            return s.getErrorCode() + " (SQLSTATE " + s.getSQLState() + ")";
        }
        return e instanceof io.tantalum.common.TantalumException te ? te.code().name() : e.getClass().getSimpleName();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
