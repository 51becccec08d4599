package io.tantalum.manager;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ManagerApi.ProcedureReply;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failover of a master that {@link MasterAnalyzer} found dead, as a linear procedure with the
 * switch's guarantees (a deadline per phase, an audit record per phase, the record in ZooKeeper
 * that the next coordinator resumes). Invariants: docs/switchover-and-failover.md.
 * <pre>
 *   PREFLIGHT  the analysis; choose the candidate (most stored THL); create the procedure record
 *   FENCE      old master, as far as it answers: replicator offline and set to slave of the
 *              candidate (it stops serving THL and can no longer make its database writable),
 *              database read_only=ON and client sessions ended; then the candidate confirmed by
 *              asking every eligible slave how much it stored (another one if it stored more)
 *   HOLD       connectors hold their sessions (those on the dead master wait for the new one)
 *   CATCH_UP   the candidate applies everything it stored, then goes offline
 *   ---------- point of no return: record PROMOTING ----------
 *   PROMOTE    candidate: master, online, writable; topology: master = candidate, old master
 *              SHUNNED(FAILED-OVER-TO-candidate); connectors released
 *   REPOINT    the other slaves: setrole slave -uri candidate, online
 *   VERIFY     heartbeat on the new master; every repointed slave applies it
 * </pre>
 * A failure before PROMOTING abandons the failover (nothing was promoted; the old master stays
 * fenced as far as FENCE got) and the connectors are released; the next coordinator round analyses
 * again. From PROMOTING on it is only ever finished.
 */
final class FailoverProcedure extends Procedure {
    private static final Logger LOG = LoggerFactory.getLogger(FailoverProcedure.class);
    static final String KIND = "failover";
    static final List<String> PHASES = List.of("PREFLIGHT", "FENCE", "HOLD", "CATCH_UP", "PROMOTING", "PROMOTE",
            "REPOINT", "VERIFY");

    FailoverProcedure(Dataservice ds, ZkStore store, Leadership leader) {
        super(ds, store, leader);
    }

    @Override
    boolean pastPointOfNoReturn(String phase) {
        return PHASES.indexOf(phase) >= PHASES.indexOf(PROMOTING);
    }

    /** Fails over from the master in {@code analysis} to {@code requested} (null: the best slave). */
    ProcedureReply run(MasterAnalyzer.Analysis analysis, Map<String, Observation> fresh, String requested) {
        long start = System.nanoTime();
        phaseStart = start;
        leader.check();
        Topology t = store.topology().orElseThrow().value();
        String from = t.master();
        String to = CandidatePolicy.forFailover(t, fresh, requested);
        String id = KIND + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        record = new ProcedureRecord(id, KIND, from, to, "BEGIN", -1, leader.host(), System.currentTimeMillis());
        if (!store.beginProcedure(record)) {
            throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot fail over: another procedure is in"
                    + " progress; wait for it to finish (`cctrl ls` shows it). Nothing was changed.");
        }
        version = 0;
        LOG.warn("failover {}: {} -> {}: {}", id, from, to, analysis.detail());
        done("PREFLIGHT", analysis.code() + ": " + analysis.detail() + "; candidate " + to
                + (requested == null ? " (most stored THL)" : ""));
        try {
            to = fenceAndConfirm(t, fresh, requested, from, to);
            // no grace: a transaction open on the old master can never commit in the new history
            holdConnectors(from, to, 0);
            catchUp(to);
        } catch (TantalumException e) {
            if (e.code() == ErrorCode.ABORTED || !leader.holds()) {
                throw e; // leadership lost: the next coordinator abandons it from the record
            }
            abandon(e);
            throw new TantalumException(e.code(), "The failover from " + from + " to " + to + " failed before the"
                    + " promotion and was abandoned: nothing was promoted, " + from + " stays fenced. Cause: "
                    + e.getMessage(), e);
        }
        finishFromPromotion();
        return reply("ok", start, to + " is the master");
    }

    /** The next coordinator's way to finish (after PROMOTING) or abandon (before it) a failover a dead one left. */
    ProcedureReply resume(ProcedureRecord r, int recordVersion, boolean first) {
        long start = System.nanoTime();
        boolean forward = claim(r, recordVersion, first, "abandoning it");
        if (!forward) {
            abandon(null);
            return reply("abandoned", start, "failover abandoned before the promotion");
        }
        String gone = candidateGone(r);
        if (gone != null) {
            abandon(new TantalumException(ErrorCode.UNAVAILABLE, gone));
            return reply("abandoned", start, "failover abandoned after the point of no return: " + gone);
        }
        finishFromPromotion();
        return reply("ok", start, r.to() + " is the master");
    }

    /**
     * Why a failover left past PROMOTING can no longer be finished, or null: its candidate is not the
     * topology's master yet, does not answer, and its manager's lease has certainly run out (or its
     * session ended), so that manager keeps its database read-only even if the coordinator that began
     * to promote it had opened it. Then nothing can be writable there, and the failover is abandoned
     * for a new one to another candidate; otherwise only the candidate can finish it, and the next
     * round retries.
     */
    private String candidateGone(ProcedureRecord r) {
        String to = r.to();
        if (to.equals(store.topology().orElseThrow().value().master())) {
            return null;
        }
        if (!leader.leaseRunOut(to) && store.liveMembers().contains(to)) {
            return null;
        }
        try {
            ds.replicator(to).call(ReplicatorApi.STATUS);
            return null; // it answers: finish the promotion
        } catch (TantalumException e) {
            return "the candidate " + to + " does not answer (" + e.getMessage() + ") and its lease has run out, so"
                    + " its manager keeps its database read-only";
        }
    }

    /** How long FENCE waits for the old master's parts to answer: they may be cut off, not refusing. */
    static final long FENCE_WAIT_MILLIS = 500;

    /**
     * Makes sure the old master cannot serve writes or THL, as far as any part of it answers within
     * {@link #FENCE_WAIT_MILLIS} (both parts are asked at once). A part that does not answer is
     * reported, not waited for: the analysis already established that it is dead (its database
     * refuses connections) or cut off (its manager's session, hence its lease, has ended, so it
     * fenced its database itself); a late answer only repeats what FENCE asked.
     */
    private String fenceAndConfirm(Topology t, Map<String, Observation> fresh, String requested, String from,
            String chosen) {
        String fenced = fence(from, chosen);
        Map<String, Long> stored = storedNow(t, fresh);
        String to = CandidatePolicy.confirmForFailover(chosen, requested, stored);
        String detail = "; stored THL now: " + stored + ", candidate " + to;
        if (!to.equals(chosen)) {
            record = record.withTo(to);
            detail += " (not " + chosen + ", chosen by older observations)" + repointFenced(from, to);
        }
        done("FENCE", from + ": " + fenced + detail);
        return to;
    }

    /**
     * Each eligible slave's highest stored seqno, asked of its replicator at once (those that do not
     * answer within {@link #FENCE_WAIT_MILLIS} are left out), in the members' order.
     */
    private Map<String, Long> storedNow(Topology t, Map<String, Observation> fresh) {
        Map<String, CompletableFuture<Long>> asks = new LinkedHashMap<>();
        for (String h : t.datasources().keySet()) {
            if (!h.equals(t.master()) && CandidatePolicy.failoverProblem(t, fresh, h) == null) {
                asks.put(h, CompletableFuture.supplyAsync(() -> {
                    ReplicatorStatus s = ds.replicator(h).call(ReplicatorApi.STATUS);
                    return Math.max(s.maximumStoredSeqNo(), s.appliedLastSeqno());
                }, CONNECTOR_CALLS));
            }
        }
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FENCE_WAIT_MILLIS);
        Map<String, Long> stored = new LinkedHashMap<>();
        asks.forEach((h, f) -> {
            try {
                stored.put(h, f.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("failover {}: {} did not say how much THL it stored: {}", record.id(), h, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TantalumException(ErrorCode.ABORTED, "interrupted while asking the slaves");
            }
        });
        return stored;
    }

    /** Whether FENCE's calls to the old master's replicator all answered in time. */
    private boolean replicatorFenced;

    /** The fenced old master's replicator follows the confirmed candidate (when it answered FENCE). */
    private String repointFenced(String from, String to) {
        if (!replicatorFenced) {
            return "; " + from + "'s replicator did not answer FENCE (`datasource " + from + " recover` repoints it)";
        }
        try {
            CompletableFuture.runAsync(() -> ds.replicator(from).call(ReplicatorApi.SET_ROLE,
                    new ReplicatorApi.SetRoleRequest("slave", settings.thlUri(to))), CONNECTOR_CALLS)
                    .get(FENCE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            return "; " + from + " set to slave of " + to;
        } catch (ExecutionException | TimeoutException e) {
            return "; " + from + " not set to slave of " + to + " (`datasource " + from + " recover` does it)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while fencing");
        }
    }

    /** FENCE proper; returns what it did, for the FENCE record. */
    private String fence(String from, String to) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FENCE_WAIT_MILLIS);
        CompletableFuture<String> replicator = CompletableFuture.supplyAsync(() -> {
            AdminClient c = ds.replicator(from);
            ReplicatorStatus s = c.call(ReplicatorApi.STATUS);
            // a step past the deadline is dropped: a call that reaches a cut-off host only after the heal
            // would take its replicator offline again after an operator's `recover` had put it online
            if (!s.state().startsWith("OFFLINE")) {
                notLate(until);
                offline(c);
            }
            notLate(until);
            c.call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest("slave", settings.thlUri(to)));
            return "replicator offline, set to slave of " + to;
        }, CONNECTOR_CALLS);
        CompletableFuture<String> database = CompletableFuture.supplyAsync(() -> {
            ds.setReadOnly(from, true);
            return "database read_only=ON";
        }, CONNECTOR_CALLS);
        List<String> done = new ArrayList<>();
        replicatorFenced = false;
        done.add(outcome(replicator, "replicator", until));
        replicatorFenced = replicator.isDone() && !replicator.isCompletedExceptionally();
        done.add(outcome(database, "database", until));
        return String.join("; ", done);
    }

    private static void notLate(long untilNanos) {
        if (System.nanoTime() - untilNanos > 0) {
            throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "answered after FENCE's " + FENCE_WAIT_MILLIS
                    + " ms; the rest of FENCE was dropped");
        }
    }

    private static String outcome(CompletableFuture<String> f, String part, long untilNanos) {
        try {
            return f.get(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return part + " not reached (" + e.getCause().getMessage() + ")";
        } catch (TimeoutException e) {
            return part + " did not answer within " + FENCE_WAIT_MILLIS + " ms (cut off, or hanging)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while fencing");
        }
    }

    /** The candidate applies everything it stored (its THL is all that survives of the old master), then stops. */
    private void catchUp(String to) {
        AdminClient candidate = ds.replicator(to);
        ReplicatorStatus s = candidate.call(ReplicatorApi.STATUS);
        long stored = Math.max(s.maximumStoredSeqNo(), s.appliedLastSeqno());
        awaitApplied(to, stored, deadline());
        offline(candidate);
        ReplicatorStatus stopped = candidate.call(ReplicatorApi.STATUS);
        long last = Math.max(stopped.maximumStoredSeqNo(), stopped.appliedLastSeqno());
        awaitApplied(to, last, deadline());
        done("CATCH_UP", to + " applied everything it stored (seqno " + last + ") and is offline");
    }

    /** Before the promotion: nothing to undo but the candidate's offline; connectors released; the record ends. */
    private void abandon(TantalumException cause) {
        long t0 = System.nanoTime();
        try {
            leader.check();
            AdminClient candidate = ds.replicator(record.to());
            if (candidate.call(ReplicatorApi.STATUS).state().startsWith("OFFLINE")) {
                // asked, not waited for: its master is the one that failed, so reconnecting is all it can do
                // (waiting for ONLINE held the abandon 20 s, and the connectors' sessions with it)
                candidate.call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(List.of(), false, null));
            }
        } catch (TantalumException e) {
            if (e.code() == ErrorCode.ABORTED) {
                throw e;
            }
            LOG.warn("failover {}: candidate {} not put back online: {}", record.id(), record.to(), e.getMessage());
        }
        String released = releaseConnectors(0);
        boolean late = pastPointOfNoReturn(record.phase());
        audit("ABANDON", "abandoned", System.nanoTime() - t0, (late ? "the promotion of " + record.to()
                + " was not finished (it stays read-only)" : "nothing was promoted") + "; " + record.from()
                + " stays fenced" + released + (cause == null ? "" : "; cause: " + cause.getMessage()));
        store.endProcedure(version);
    }
}
