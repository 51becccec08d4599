package io.tantalum.replicator;

import io.tantalum.api.ReplicatorStatus;
import io.tantalum.replicator.internal.Pipeline;
import io.tantalum.replicator.internal.SlavePipeline;
import io.tantalum.replicator.internal.apply.ApplyException;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import java.sql.SQLException;

/** Builds {@code trepctl status} ({@link ReplicatorStatus}) from one capture of the replicator's parts. */
final class StatusReport {
    /** Everything the report reads, captured once. */
    record Input(ReplicatorSettings settings, RoleStore.Assignment role, ReplicatorState state, long stateSince,
            long startMillis, RuntimeException error, OfflineTrigger offline, Pipeline pipeline,
            Pipeline.Applied lastApplied, RateSampler rate, AutoRecovery recovery) {}

    private StatusReport() {}

    static ReplicatorStatus build(Input in) {
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
        Pipeline.Status ps = p != null ? p.status() : new Pipeline.Status("NONE", null, null);
        RuntimeException err = in.error();
        AutoRecovery.Status recovery = in.recovery().status(now);
        double perSecond = in.rate().perSecond();
        long masterMax = ps.masterMaxSeqno() != null ? ps.masterMaxSeqno() : -1;
        long behind = master || masterMax < 0 || a == null ? 0 : Math.max(0, masterMax - a.seqno());
        return new ReplicatorStatus(
                a == null ? "NONE" : a.eventId(), // appliedLastEventId
                a == null ? -1 : a.seqno(), // appliedLastSeqno
                round(a == null ? 0 : a.latencySeconds()), // appliedLatency
                round(perSecond), // appliedRatePerSecond
                recovery.attempts(), recovery.enabled(), recovery.next(), recovery.total(),
                behind, // behindSeqnos
                1, // channels
                s.service(), // clusterName
                ps.connectedSlaves(), ps.currentEventId(), now,
                s.dbHost(), // dataServerHost
                behind == 0 ? 0 : perSecond > 0 ? round(behind / perSecond) : -1, // estimatedCatchupSeconds
                "", // extensions
                s.host(),
                lastRecord != null ? lastRecord.epoch() : -1, // latestEpochNumber
                master || in.role().masterUri() == null ? "" : in.role().masterUri().toString(), // masterConnectUri
                s.thlScheme() + "://" + s.bindAddress() + ":" + s.thlPort() + "/", // masterListenUri
                ps.masterMaxSeqno(),
                log != null ? log.maxSeqno() : -1, // maximumStoredSeqNo
                log != null ? log.minSeqno() : -1, // minimumStoredSeqNo
                in.offline() == null ? "NONE" : "Offline " + in.offline().describe(), // offlineRequests
                err == null ? "NONE" : err.getMessage(), // pendingError
                err == null ? "NONE" : errorCode(err), // pendingErrorCode
                err instanceof ApplyException ae ? ae.eventId() : "NONE", // pendingErrorEventId
                err instanceof ApplyException ae ? ae.seqno() : -1, // pendingErrorSeqno
                err == null ? "NONE" : rootMessage(err), // pendingExceptionMessage
                master ? "jdbc:mariadb://" + s.dbHost() + ":" + s.dbPort() + "/" // pipelineSource
                        : String.valueOf(in.role().masterUri()),
                a != null && a.sourceTstamp() > 0 ? round((now - a.sourceTstamp()) / 1000.0) : -1, // relativeLatency
                99, // resourcePrecedence
                s.adminPort(), // rmiPort
                in.role().role().display(), // role: the one RoleStore holds, as everywhere
                "java.lang.Long", // seqnoType
                s.service(), // serviceName
                "local", // serviceType
                s.service(), // simpleServiceName
                "default", // siteName
                s.host(), // sourceId
                in.state().display(), // state
                round((now - in.stateSince()) / 1000.0), // timeInStateSeconds
                "", // transitioningTo
                round((now - in.startMillis()) / 1000.0), // uptimeSeconds
                s.security().tlsContext() != null, // useSSLConnection
                Replicator.VERSION);
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
