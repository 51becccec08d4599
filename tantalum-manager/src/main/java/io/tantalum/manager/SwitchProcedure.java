package io.tantalum.manager;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ManagerApi.ProcedureReply;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.Deadline;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The planned switch of the master, as a linear procedure (vitess's planned reparent): each phase
 * has its own deadline, writes an audit record, and is followed by a re-check of the coordinator's
 * leadership and of the procedure record's version. The record in ZooKeeper says how far it got, so
 * that the next coordinator can finish or undo a switch whose coordinator died
 * ({@link #resume}). Invariants: docs/switchover-and-failover.md.
 * <pre>
 *   PREFLIGHT  choose the candidate (CandidatePolicy); create the procedure record (the lock)
 *   DEMOTE     old master: read_only=ON, client sessions ended (replicator purge)
 *   FLUSH      old master: heartbeat through the database, its seqno S
 *   CATCH_UP   candidate applied S (others: waited for within the same deadline, not required)
 *   STOP       old master's replicator offline; candidate applied all it stored; candidate offline
 *   ---------- point of no return: record PROMOTING ----------
 *   PROMOTE    candidate: setrole master, online (read_only=OFF); topology: master = candidate
 *   REPOINT    old master and other slaves: setrole slave -uri candidate, online
 *   VERIFY     heartbeat on the new master; every repointed slave applies it
 * </pre>
 * A failure before PROMOTING undoes the demotion under a fresh deadline (old master writable
 * again, candidate back online as a slave). A failure after it is finished by a re-run (the next
 * coordinator tick resumes the record). Not thread-safe: one procedure at a time, on the
 * coordinator.
 */
final class SwitchProcedure extends Procedure {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchProcedure.class);
    static final String KIND = "switch";
    /** Phases in order; {@link #PROMOTING} marks the point of no return. */
    static final List<String> PHASES = List.of("PREFLIGHT", "HOLD", "DEMOTE", "FLUSH", "CATCH_UP", "STOP",
            "PROMOTING", "PROMOTE", "REPOINT", "VERIFY");

    SwitchProcedure(Dataservice ds, ZkStore store, Leadership leader) {
        super(ds, store, leader);
    }

    @Override
    boolean pastPointOfNoReturn(String phase) {
        return PHASES.indexOf(phase) >= PHASES.indexOf(PROMOTING);
    }

    /** Runs a switch to {@code requested} (null: the best slave). */
    ProcedureReply run(String requested) {
        long start = System.nanoTime();
        phaseStart = start;
        leader.check();
        ZkStore.Versioned<Topology> topo = store.topology().orElseThrow(() -> new TantalumException(
                ErrorCode.FAILED_PRECONDITION, "There is no topology in ZooKeeper yet: wait for the coordinator."));
        Map<String, Observation> obs = store.observations();
        String from = topo.value().master();
        String to = CandidatePolicy.choose(topo.value(), obs, requested, settings.lagLimitSeconds(),
                settings.thlUri(from));
        String id = KIND + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        record = new ProcedureRecord(id, KIND, from, to, "BEGIN", -1, leader.host(), System.currentTimeMillis());
        if (!store.beginProcedure(record)) {
            String other = store.procedure().map(v -> v.value().id() + " (" + v.value().from() + " -> " + v.value().to()
                    + ", at " + v.value().phase() + ")").orElse("another procedure");
            throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot switch: " + other + " is in progress;"
                    + " wait for it to finish (`cctrl ls` shows it). Nothing was changed.");
        }
        version = 0;
        LOG.info("switch {}: {} -> {} (requested {})", id, from, to, requested == null ? "best slave" : requested);
        done("PREFLIGHT", "candidate " + to + (requested == null ? " (best slave)" : ""));
        try {
            holdConnectors(from, to);
            demoteAndCatchUp(from, to);
        } catch (TantalumException e) {
            if (e.code() == ErrorCode.ABORTED || !leader.holds()) {
                throw e; // leadership lost: the next coordinator undoes it from the record
            }
            undoDemote(e);
            throw new TantalumException(e.code(), "The switch from " + from + " to " + to + " failed before the"
                    + " promotion and was rolled back: " + from + " is the master again and writable. Cause: "
                    + e.getMessage(), e);
        }
        finishFromPromotion();
        return reply("ok", start, to + " is the master");
    }

    /**
     * The next coordinator's way to finish (after PROMOTING) or undo (before it) a switch that a dead
     * one left; {@code first}: this coordinator's first attempt at it (the one that is audited as RESUME).
     */
    ProcedureReply resume(ProcedureRecord r, int recordVersion, boolean first) {
        long start = System.nanoTime();
        boolean forward = claim(r, recordVersion, first, "rolling it back");
        if (!forward) {
            undoDemote(null);
            return reply("rolled-back", start, r.from() + " is the master again");
        }
        finishFromPromotion();
        return reply("ok", start, r.to() + " is the master");
    }

    private void demoteAndCatchUp(String from, String to) {
        AdminClient master = ds.replicator(from);
        AdminClient candidate = ds.replicator(to);
        int killed = master.call(ReplicatorApi.PURGE).killed();
        done("DEMOTE", from + ": read_only=ON, " + killed + " client session(s) ended");
        long s = master.call(ReplicatorApi.FLUSH, new ReplicatorApi.FlushRequest(deadline().remainingMillis()))
                .seqno();
        record = record.withFlushSeqno(s);
        done("FLUSH", from + ": flushed at seqno " + s);
        Deadline d = deadline();
        awaitApplied(to, s, d);
        List<String> behind = new ArrayList<>();
        for (String other : others(from, to)) {
            try {
                awaitApplied(other, s, Deadline.in(Duration.ofMillis(Math.min(2000, d.remainingMillis()))));
            } catch (TantalumException e) {
                behind.add(other);
            }
        }
        done("CATCH_UP", to + " applied seqno " + s + (behind.isEmpty() ? "" : "; still applying: " + behind));
        offline(master);
        // an offline master's last applied seqno is the last event it stored in its THL
        ReplicatorStatus stopped = master.call(ReplicatorApi.STATUS);
        long stored = Math.max(stopped.appliedLastSeqno(), stopped.maximumStoredSeqNo());
        awaitApplied(to, stored, deadline());
        offline(candidate);
        // the old master's replicator is a slave of the candidate from now on: restarted, it can no longer
        // go online as a master and make its database writable again
        master.call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest("slave", settings.thlUri(to)));
        done("STOP", from + " and " + to + " replicators offline; " + to + " applied everything " + from
                + " stored (seqno " + stored + "); " + from + " set to slave of " + to);
    }

    /** Undoes a demotion under a fresh deadline: the old master writable again, the candidate back online as a slave. */
    private void undoDemote(TantalumException cause) {
        long t0 = System.nanoTime();
        String from = record.from();
        String to = record.to();
        try {
            leader.check();
            // the old master first: the candidate, a slave again, reaches ONLINE only once its master serves
            AdminClient master = ds.replicator(from);
            ReplicatorStatus ms = master.call(ReplicatorApi.STATUS);
            if (ms.state().startsWith("OFFLINE")) {
                if (!"master".equals(ms.role())) {
                    master.call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest("master", null));
                }
                leader.check();
                online(master, from);
            }
            ds.setReadOnly(from, false); // in a cluster only the coordinator makes a database writable
            leader.check();
            AdminClient candidate = ds.replicator(to);
            if (candidate.call(ReplicatorApi.STATUS).state().startsWith("OFFLINE")) {
                online(candidate, to);
            }
            String released = releaseConnectors(0);
            LOG.warn("switch {}: rolled back; {} is the master again and writable{}", record.id(), from, released);
            audit("UNDO_DEMOTE", "rolled-back", System.nanoTime() - t0, from + " is the master again and writable"
                    + (cause == null ? "" : "; cause: " + cause.getMessage()));
            store.endProcedure(version);
        } catch (TantalumException e) {
            if (e.code() == ErrorCode.ABORTED) {
                throw e; // no longer the coordinator: the next one rolls back from the record
            }
            if (!retry) {
                auditFailedUndo(e, t0);
            }
            throw new TantalumException(e.code(), "The switch " + record.id() + " failed and its rollback failed too: "
                    + e.getMessage() + ". " + from + " may be read-only; the coordinator retries the rollback every"
                    + " 2 s (`cctrl ls` shows the procedure until it is done)." + (cause == null ? ""
                    : " First cause: " + cause.getMessage()), e);
        }
    }

    private void auditFailedUndo(TantalumException e, long t0) {
        audit("UNDO_DEMOTE", "failed", System.nanoTime() - t0, "could not roll back (" + e.getMessage() + "); "
                + record.from() + " may stay read-only; the coordinator retries the rollback every 2 s");
    }

    private List<String> others(String from, String to) {
        return settings.members().keySet().stream().filter(h -> !h.equals(from) && !h.equals(to)).toList();
    }
}
