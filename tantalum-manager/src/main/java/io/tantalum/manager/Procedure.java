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
 * What the procedures that change the master ({@link SwitchProcedure}, {@link FailoverProcedure})
 * share: the procedure record and its phases (each written to ZooKeeper with its audit record, then
 * leadership re-checked), the connectors' hold and release, and everything from the point of no
 * return on (promote, repoint, verify). Not thread-safe: one procedure at a time, on the coordinator.
 */
abstract class Procedure {
    private static final Logger LOG = LoggerFactory.getLogger(Procedure.class);
    /** The phase that marks the point of no return in every procedure. */
    static final String PROMOTING = "PROMOTING";

    final Dataservice ds;
    final ZkStore store;
    final Leadership leader;
    final ManagerSettings settings;
    final List<Phase> phases = new ArrayList<>();
    ProcedureRecord record;
    int version;
    long phaseStart;
    boolean resuming;
    /** A retry of a resume that failed before: its failure is not audited again. */
    boolean retry;

    Procedure(Dataservice ds, ZkStore store, Leadership leader) {
        this.ds = ds;
        this.store = store;
        this.leader = leader;
        this.settings = ds.settings();
    }

    /** True when {@code phase} is at or past {@link #PROMOTING} in this procedure's phases. */
    abstract boolean pastPointOfNoReturn(String phase);

    /**
     * The next coordinator takes over the record a dead one left: it claims it first (a late write by
     * the coordinator that left it then fails its compare-and-set) and, on its first attempt (the one
     * audited as RESUME), says which way it goes. Returns true when the procedure is past the point of
     * no return (to be finished), false when it is to be undone ({@code backward} says how).
     */
    final boolean claim(ProcedureRecord r, int recordVersion, boolean first, String backward) {
        phaseStart = System.nanoTime();
        resuming = true;
        retry = !first;
        leader.check();
        record = r.claimedBy(leader.host());
        version = store.updateProcedure(record, recordVersion);
        boolean forward = pastPointOfNoReturn(r.phase());
        if (first) {
            String way = forward ? "finishing it" : backward;
            LOG.warn("{} {}: coordinator {} left it at phase {}; {}", r.kind(), r.id(), r.coordinator(), r.phase(), way);
            audit("RESUME", "resumed", 0, "coordinator " + r.coordinator() + " left " + r.id() + " at phase "
                    + r.phase() + "; " + way);
        }
        return forward;
    }

    /**
     * PROMOTING, PROMOTE, REPOINT, VERIFY: the part every procedure that changes the master shares,
     * idempotent (a re-run completes a partial one). A failover leaves the old master out (it is shunned
     * FAILED-OVER-TO-{@code to} in the same topology write that names the new master).
     */
    final void finishFromPromotion() {
        String to = record.to();
        boolean failover = record.kind().equals(FailoverProcedure.KIND);
        if (!pastPointOfNoReturn(record.phase())) {
            done(PROMOTING, "point of no return: " + to + " becomes the master");
        }
        List<String> others = settings.members().keySet().stream().filter(h -> !h.equals(to))
                .filter(h -> !(failover && h.equals(record.from()))).toList();
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
                now = now.withMaster(to);
                if (failover) {
                    now = now.with(record.from(), new Topology.Datasource(DatasourceState.SHUNNED, "FAILED-OVER-TO-" + to,
                            false));
                }
                now = now.stamped(leader.host(), System.currentTimeMillis());
                store.casTopology(now, topo.version());
            }
            String released = releaseConnectors(now);
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
        leader.check(); // still the coordinator, holding its lease, just before it opens a database
        ds.setReadOnly(to, false); // in a cluster only the coordinator makes a database writable
        if (!leader.holds()) {
            // the lease ran out meanwhile: a coordinator on the other side may judge this failover by the
            // candidate's lease, so the database it just opened is closed again, and this one stops
            ds.setReadOnly(to, true);
            leader.check();
        }
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
            LOG.warn("{} {}: cannot repoint {}: {}", record.kind(), record.id(), h, e.getMessage());
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

    /**
     * Asks every running connector to hold its sessions at their next transaction boundary (a
     * transaction still open after the grace period is rolled back) before the old master is
     * demoted. A connector that cannot be reached is reported, not waited for: its sessions see
     * the switch as errors.
     */
    final void holdConnectors(String from, String to) {
        holdConnectors(from, to, settings.switchGrace().toMillis());
    }

    /** As {@link #holdConnectors(String, String)}, with a grace period of {@code graceMillis}. */
    final void holdConnectors(String from, String to, long graceMillis) {
        List<ConnectorApi.Registration> connectors = store.connectors();
        Map<String, CompletableFuture<String>> replies = new LinkedHashMap<>();
        for (ConnectorApi.Registration c : connectors) {
            replies.put(c.name(), CompletableFuture.supplyAsync(() -> {
                ConnectorApi.HoldReply r = ds.connector(c).call(ConnectorApi.HOLD, new ConnectorApi.HoldRequest(
                        record.id(), from, to, graceMillis));
                return r.held() + " session(s) held" + (r.ended() == 0 ? "" : ", " + r.ended()
                        + " transaction(s) rolled back at the end of the grace period");
            }, CONNECTOR_CALLS));
        }
        done("HOLD", connectors.isEmpty() ? "no connector" : "connector " + String.join("; connector ",
                outcomes(replies)));
    }

    /** Lets the connectors' held sessions go (to the new master once the topology names it); never fails the switch. */
    final String releaseConnectors(long generation) {
        return releaseConnectors(new ConnectorApi.ReleaseRequest(record.id(), generation));
    }

    /** As {@link #releaseConnectors(long)}, handing the connectors the topology just written. */
    final String releaseConnectors(Topology written) {
        String json;
        try {
            json = ZkStore.JSON.writeValueAsString(written);
        } catch (java.io.IOException e) {
            json = null; // the connectors read it from ZooKeeper
        }
        return releaseConnectors(new ConnectorApi.ReleaseRequest(record.id(), written.generation(), json));
    }

    private String releaseConnectors(ConnectorApi.ReleaseRequest release) {
        List<ConnectorApi.Registration> connectors;
        try {
            connectors = store.connectors();
        } catch (TantalumException e) {
            return "; connectors not released (" + e.getMessage() + "): they release their sessions within 60 s";
        }
        Map<String, CompletableFuture<String>> replies = new LinkedHashMap<>();
        for (ConnectorApi.Registration c : connectors) {
            replies.put(c.name(), CompletableFuture.supplyAsync(() -> ds.connector(c).call(ConnectorApi.RELEASE,
                    release).released() + " session(s) released", CONNECTOR_CALLS));
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

    /** Threads for calls to other hosts that run in parallel (connectors, the fenced old master). */
    static final ExecutorService CONNECTOR_CALLS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "tantalum-switch-connector-call");
        t.setDaemon(true);
        return t;
    });

    /** Puts the replicator online unless it is already, and waits until it is ONLINE. */
    final void online(AdminClient c, String host) {
        if ("ONLINE".equals(c.call(ReplicatorApi.STATUS).state()) || "ONLINE".equals(c.call(ReplicatorApi.ONLINE,
                new ReplicatorApi.OnlineRequest(List.of(), false, null)).state())) {
            return;
        }
        deadline().await(host + "'s replicator to be ONLINE", 20, () -> "ONLINE".equals(c.call(ReplicatorApi.STATUS)
                .state()));
    }

    static void offline(AdminClient c) {
        c.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
    }

    final void awaitApplied(String host, long seqno, Deadline d) {
        AdminClient c = ds.replicator(host);
        d.await(host + " to apply seqno " + seqno, 20, () -> c.call(ReplicatorApi.STATUS).appliedLastSeqno() >= seqno);
    }

    final Deadline deadline() {
        return Deadline.in(settings.phaseTimeout());
    }

    /** Ends a phase: records it in ZooKeeper and the audit trail, then re-checks leadership. */
    final void done(String phase, String detail) {
        leader.check();
        long now = System.nanoTime();
        long nanos = now - phaseStart;
        phaseStart = now;
        record = record.at(phase);
        version = store.recordPhase(record, version, new AuditRecord(System.currentTimeMillis(), record.id(), record.kind(),
                phase, "ok", leader.host(), nanos / 1_000_000, detail));
        phases.add(new Phase(phase, nanos / 1_000_000, detail));
        LOG.info("{} {}: {} done in {} ms: {}", record.kind(), record.id(), phase, nanos / 1_000_000, detail);
        if (!resuming && phase.equals(settings.haltAfterPhase())) {
            LOG.warn("manager.fault.halt.after.phase={}: halting now, as kill -9 would", phase);
            Runtime.getRuntime().halt(137);
        }
        String pause = settings.pauseAfterPhase();
        if (!resuming && pause.startsWith(phase + ":")) {
            long millis = Long.parseLong(pause.substring(phase.length() + 1));
            LOG.warn("manager.fault.pause.after.phase={}: stalling {} ms, as a long GC pause would", pause, millis);
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TantalumException(ErrorCode.ABORTED, "interrupted while stalling (fault injection)");
            }
        }
        leader.check();
    }

    final void audit(String phase, String outcome, long nanos, String detail) {
        store.audit(new AuditRecord(System.currentTimeMillis(), record.id(), record.kind(), phase, outcome, leader.host(),
                nanos / 1_000_000, detail));
    }

    final ProcedureReply reply(String outcome, long startNanos, String message) {
        String master = store.topology().map(v -> v.value().master()).orElse(null);
        return new ProcedureReply(record.id(), outcome, List.copyOf(phases), (System.nanoTime() - startNanos) / 1_000_000,
                master, message);
    }
}
