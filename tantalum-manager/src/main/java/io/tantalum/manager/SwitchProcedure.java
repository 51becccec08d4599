package io.tantalum.manager;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ConnectorApi;
import io.tantalum.api.ManagerApi.AuditRecord;
import io.tantalum.api.ManagerApi.Phase;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
final class SwitchProcedure {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchProcedure.class);
    static final String KIND = "switch";
    /** Phases in order; {@link #PROMOTING} marks the point of no return. */
    static final List<String> PHASES = List.of("PREFLIGHT", "HOLD", "DEMOTE", "FLUSH", "CATCH_UP", "STOP",
            "PROMOTING", "PROMOTE", "REPOINT", "VERIFY");
    static final String PROMOTING = "PROMOTING";

    private final Dataservice ds;
    private final ZkStore store;
    private final Leadership leader;
    private final ManagerSettings settings;
    private final List<Phase> phases = new ArrayList<>();
    private ProcedureRecord record;
    private int version;
    private long phaseStart;
    private boolean resuming;
    /** A retry of a resume that failed before: its failure is not audited again. */
    private boolean retry;

    SwitchProcedure(Dataservice ds, ZkStore store, Leadership leader) {
        this.ds = ds;
        this.store = store;
        this.leader = leader;
        this.settings = ds.settings();
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
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot switch: " + other + " is in progress;"
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
        phaseStart = start;
        resuming = true;
        retry = !first;
        leader.check();
        // claim the record first: a late write by the coordinator that left it now fails its compare-and-set
        record = r.claimedBy(leader.host());
        version = store.updateProcedure(record, recordVersion);
        boolean forward = PHASES.indexOf(r.phase()) >= PHASES.indexOf(PROMOTING);
        if (first) {
            LOG.warn("switch {}: coordinator {} left it at phase {}; {} it", r.id(), r.coordinator(), r.phase(),
                    forward ? "finishing" : "rolling back");
            audit("RESUME", "resumed", 0, "coordinator " + r.coordinator() + " left " + r.id() + " at phase "
                    + r.phase() + (forward ? "; finishing it" : "; rolling it back"));
        }
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

    private void finishFromPromotion() {
        String to = record.to();
        if (PHASES.indexOf(record.phase()) < PHASES.indexOf(PROMOTING)) {
            done(PROMOTING, "point of no return: " + to + " becomes the master");
        }
        List<String> others = settings.members().keySet().stream().filter(h -> !h.equals(to)).toList();
        // operator intent as the topology recorded it before the switch (nothing is derived during one):
        // the replicator's own state cannot tell, since this procedure takes replicators offline too
        Topology before = store.topology().orElseThrow().value();
        java.util.Set<String> operatorOffline = new java.util.HashSet<>(others.stream().filter(h -> {
            Topology.Datasource d = before.datasource(h);
            return d.state() == DatasourceState.OFFLINE && d.operator();
        }).toList());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, others.size()),
                r -> new Thread(r, "tantalum-" + settings.service() + "-repoint"));
        try {
            // the other slaves are pointed at the candidate while it is promoted: they only wait to start
            Map<String, Future<String>> prepared = new LinkedHashMap<>();
            for (String h : others) {
                prepared.put(h, pool.submit(() -> prepare(h, to, operatorOffline.contains(h))));
            }
            promote(to);
            // the new master serves its THL: the slaves start while the topology is written
            Map<String, Future<String>> started = new LinkedHashMap<>();
            prepared.forEach((h, p) -> started.put(h, pool.submit(() -> {
                String left = join(p);
                return left != null ? left : start(h);
            })));
            ZkStore.Versioned<Topology> topo = store.topology().orElseThrow();
            Topology now = topo.value();
            if (!now.master().equals(to)) {
                now = now.withMaster(to).stamped(leader.host(), System.currentTimeMillis());
                store.casTopology(now, topo.version());
            }
            String released = releaseConnectors(now.generation());
            done("PROMOTE", to + ": master, online, writable; topology generation " + now.generation() + released);
            Map<String, String> outcome = new LinkedHashMap<>();
            started.forEach((h, f) -> outcome.put(h, join(f)));
            done("REPOINT", outcome.isEmpty() ? "no slave to repoint" : String.join("; ", outcome.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).toList()));
            verify(to, outcome.entrySet().stream().filter(e -> e.getValue().equals(ONLINE)).map(Map.Entry::getKey)
                    .toList());
        } finally {
            pool.shutdownNow();
        }
        store.endProcedure(version);
    }

    /** A heartbeat on the new master, which every slave put online must apply; late ones are reported. */
    private void verify(String to, List<String> online) {
        long hb = ds.replicator(to).call(ReplicatorApi.HEARTBEAT, new ReplicatorApi.HeartbeatRequest(record.id()))
                .seqno();
        Deadline d = deadline();
        List<String> late = new ArrayList<>();
        for (String h : online) {
            try {
                awaitApplied(h, hb, Deadline.in(Duration.ofMillis(Math.max(1, d.remainingMillis()))));
            } catch (TantalumException e) {
                late.add(h); // a slave that cannot keep up is the datasource states' business, not the switch's
            }
        }
        List<String> applied = online.stream().filter(h -> !late.contains(h)).toList();
        done("VERIFY", "heartbeat seqno " + hb + " applied on " + (applied.isEmpty() ? "no slave"
                : String.join(", ", applied)) + (late.isEmpty() ? "" : "; not yet on " + String.join(", ", late)));
    }

    /** Makes {@code to} an ONLINE master, whatever part of that is already done. */
    private void promote(String to) {
        AdminClient c = ds.replicator(to);
        ReplicatorStatus s = c.call(ReplicatorApi.STATUS);
        if (!"master".equals(s.role())) {
            if (!s.state().startsWith("OFFLINE")) {
                offline(c);
            }
            c.call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest("master", null));
        }
        online(c, to);
    }

    /** What REPOINT did with a slave: repointed and online. */
    static final String ONLINE = "replicating";

    private static String join(Future<String> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            return "not repointed: " + e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while repointing the slaves");
        }
    }

    /**
     * Points {@code h}'s replicator at {@code master} (offline, setrole). Returns null when it is to
     * be put online, else what became of it: left offline because an operator took it offline (its
     * datasource was OFFLINE by an operator when the switch began), or why it could not be reached
     * (then it is left to its datasource state and recovery: the switch is done once the new master
     * serves).
     */
    private String prepare(String h, String master, boolean operatorOffline) {
        AdminClient c = ds.replicator(h);
        ReplicatorStatus s;
        try {
            s = c.call(ReplicatorApi.STATUS);
        } catch (TantalumException e) {
            LOG.warn("switch {}: cannot repoint {}: {}", record.id(), h, e.getMessage());
            return "not repointed: " + e.getMessage();
        }
        String uri = settings.thlUri(master);
        if (!"slave".equals(s.role()) || !uri.equals(s.masterConnectUri())) {
            if (!s.state().startsWith("OFFLINE")) {
                offline(c);
            }
            c.call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest("slave", uri));
        }
        return operatorOffline ? "repointed, left offline (an operator took it offline)" : null;
    }

    /** Puts a repointed slave online. */
    private String start(String h) {
        online(ds.replicator(h), h);
        return ONLINE;
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
                online(master, from); // a master going online sets read_only=OFF
            } else {
                ds.setReadOnly(from, false);
            }
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

    /**
     * Asks every running connector to hold its sessions at their next transaction boundary (a
     * transaction still open after the grace period is rolled back) before the old master is
     * demoted. A connector that cannot be reached is reported, not waited for: its sessions see
     * the switch as errors.
     */
    private void holdConnectors(String from, String to) {
        List<ConnectorApi.Registration> connectors = store.connectors();
        Map<String, CompletableFuture<String>> replies = new LinkedHashMap<>();
        for (ConnectorApi.Registration c : connectors) {
            replies.put(c.name(), CompletableFuture.supplyAsync(() -> {
                ConnectorApi.HoldReply r = ds.connector(c).call(ConnectorApi.HOLD, new ConnectorApi.HoldRequest(
                        record.id(), from, to, settings.switchGrace().toMillis()));
                return r.held() + " session(s) held" + (r.ended() == 0 ? "" : ", " + r.ended()
                        + " transaction(s) rolled back at the end of the grace period");
            }, CONNECTOR_CALLS));
        }
        done("HOLD", connectors.isEmpty() ? "no connector" : "connector " + String.join("; connector ",
                outcomes(replies)));
    }

    /** Lets the connectors' held sessions go (to the new master once the topology names it); never fails the switch. */
    private String releaseConnectors(long generation) {
        List<ConnectorApi.Registration> connectors;
        try {
            connectors = store.connectors();
        } catch (TantalumException e) {
            return "; connectors not released (" + e.getMessage() + "): they release their sessions within 60 s";
        }
        Map<String, CompletableFuture<String>> replies = new LinkedHashMap<>();
        for (ConnectorApi.Registration c : connectors) {
            replies.put(c.name(), CompletableFuture.supplyAsync(() -> ds.connector(c).call(ConnectorApi.RELEASE,
                    new ConnectorApi.ReleaseRequest(record.id(), generation)).released() + " session(s) released",
                    CONNECTOR_CALLS));
        }
        return connectors.isEmpty() ? "" : "; connector " + String.join("; connector ", outcomes(replies));
    }

    private static List<String> outcomes(Map<String, CompletableFuture<String>> replies) {
        List<String> out = new ArrayList<>();
        replies.forEach((name, f) -> {
            try {
                out.add(name + ": " + f.get());
            } catch (ExecutionException e) {
                out.add(name + ": not reached (" + e.getCause().getMessage() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TantalumException(ErrorCode.ABORTED, "interrupted while calling the connectors");
            }
        });
        return out;
    }

    private static final ExecutorService CONNECTOR_CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tantalum-switch-connector-call");
        t.setDaemon(true);
        return t;
    });

    private void auditFailedUndo(TantalumException e, long t0) {
        audit("UNDO_DEMOTE", "failed", System.nanoTime() - t0, "could not roll back (" + e.getMessage() + "); "
                + record.from() + " may stay read-only; the coordinator retries the rollback every 2 s");
    }

    /** Puts the replicator online unless it is already, and waits until it is ONLINE. */
    private void online(AdminClient c, String host) {
        if ("ONLINE".equals(c.call(ReplicatorApi.STATUS).state()) || "ONLINE".equals(c.call(ReplicatorApi.ONLINE,
                new ReplicatorApi.OnlineRequest(List.of(), false, null)).state())) {
            return;
        }
        deadline().await(host + "'s replicator to be ONLINE", 20, () -> "ONLINE".equals(c.call(ReplicatorApi.STATUS)
                .state()));
    }

    private static void offline(AdminClient c) {
        c.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
    }

    private void awaitApplied(String host, long seqno, Deadline d) {
        AdminClient c = ds.replicator(host);
        d.await(host + " to apply seqno " + seqno, 20, () -> c.call(ReplicatorApi.STATUS).appliedLastSeqno() >= seqno);
    }

    private List<String> others(String from, String to) {
        return settings.members().keySet().stream().filter(h -> !h.equals(from) && !h.equals(to)).toList();
    }

    private Deadline deadline() {
        return Deadline.in(settings.phaseTimeout());
    }

    /** Ends a phase: records it in ZooKeeper and the audit trail, then re-checks leadership. */
    private void done(String phase, String detail) {
        leader.check();
        long now = System.nanoTime();
        long nanos = now - phaseStart;
        phaseStart = now;
        record = record.at(phase);
        version = store.recordPhase(record, version, new AuditRecord(System.currentTimeMillis(), record.id(), KIND,
                phase, "ok", leader.host(), nanos / 1_000_000, detail));
        phases.add(new Phase(phase, nanos / 1_000_000, detail));
        LOG.info("switch {}: {} done in {} ms: {}", record.id(), phase, nanos / 1_000_000, detail);
        if (!resuming && phase.equals(settings.haltAfterPhase())) {
            LOG.warn("manager.fault.halt.after.phase={}: halting now, as kill -9 would", phase);
            Runtime.getRuntime().halt(137);
        }
        leader.check();
    }

    private void audit(String phase, String outcome, long nanos, String detail) {
        store.audit(new AuditRecord(System.currentTimeMillis(), record.id(), KIND, phase, outcome, leader.host(),
                nanos / 1_000_000, detail));
    }

    private ProcedureReply reply(String outcome, long startNanos, String message) {
        String master = store.topology().map(v -> v.value().master()).orElse(null);
        return new ProcedureReply(record.id(), outcome, List.copyOf(phases), (System.nanoTime() - startNanos) / 1_000_000,
                master, message);
    }
}
