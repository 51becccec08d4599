package io.tantalum.manager;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ManagerApi;
import io.tantalum.api.ManagerApi.AuditRecord;
import io.tantalum.api.ManagerApi.Phase;
import io.tantalum.api.ManagerApi.ProcedureReply;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.Deadline;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.manager.Topology.Datasource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the elected coordinator does: each tick it finishes or rolls back a procedure that a dead
 * coordinator left, derives datasource states from the observations ({@link DatasourceAnalyzer})
 * and, in AUTOMATIC, asks failed slaves' replicators to go online again; on request it runs the
 * operators' commands (switch, policy, datasource, replicator, heartbeat). One procedure at a
 * time: {@link #lock} in this JVM, the procedure record in ZooKeeper across managers. Every change
 * goes to the topology by compare-and-set and to the audit trail. Thread-safe.
 */
final class Coordinator {
    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    private static final long RECOVER_EVERY_MS = 5_000;
    /** Why a datasource is shunned while {@code datasource <host> rebuild} replaces its data. */
    static final String REBUILDING = "REBUILDING";
    /** The longest a rebuild's copy may take. */
    private static final Duration COPY_LIMIT = Duration.ofHours(4);
    private static final long RESUME_EVERY_MS = 2_000;

    private final Dataservice ds;
    private final ZkStore store;
    private final Leadership leader;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean commandRunning = new AtomicBoolean();
    private final Map<String, Long> lastRecover = new ConcurrentHashMap<>();
    /**
     * When this coordinator last set a host's read_only to fence or unfence it: an observation taken
     * before shows the old value, and acting on it would fence (and audit) the same host twice.
     */
    private final Map<String, Long> readOnlySetAt = new ConcurrentHashMap<>();
    private long lastResume;
    /** Observations taken before this (the end of the last procedure) are not judged. */
    private volatile long quietUntil;
    private String lastResumedId;
    /** A blocked failover was logged and audited (once until the master is fine again). */
    private boolean blockedNoticed;
    /** The last refusal of an automatic failover, logged once until it changes or a failover is no longer called for. */
    private String lastRefusal;

    private final RollingMaintenance maintenance;
    /** The hosts whose rebuild is copying (between its two locked steps). */
    private final Set<String> rebuilding = ConcurrentHashMap.newKeySet();

    Coordinator(Dataservice ds, ZkStore store, Leadership leader) {
        this.ds = ds;
        this.store = store;
        this.leader = leader;
        this.maintenance = new RollingMaintenance(this, ds, store, leader);
    }

    /** {@code rolling-maintenance ...}. */
    ManagerApi.MaintenanceView maintenance(ManagerApi.MaintenanceRequest q) {
        leader.check();
        return maintenance.handle(q);
    }

    /**
     * A rolling maintenance takes {@code host} out of automatic management: shunned with
     * {@code reason}; a no-op when it already is. Refused for the master.
     */
    String shunForMaintenance(String host, String reason) {
        return exclusive("rolling maintenance", () -> {
            var t = ensureTopology();
            if (host.equals(t.value().master())) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot take " + host + " out of service"
                        + " for its maintenance: it is the master");
            }
            Datasource was = t.value().datasource(host);
            Datasource next = new Datasource(DatasourceState.SHUNNED, reason, true);
            if (was.equals(next)) {
                return host + " is " + next.display() + " already";
            }
            store.casTopology(t.value().with(host, next).stamped(leader.host(), System.currentTimeMillis()), t.version());
            return host + ": " + was.display() + " -> " + next.display();
        });
    }

    /** One round of the coordinator's duties; called about every observation interval while leading. */
    void tick() {
        if (!lock.tryLock()) {
            return; // a command's procedure is running
        }
        try {
            leader.check();
            ZkStore.Versioned<Topology> topo = ensureTopology();
            var inFlight = store.procedure();
            if (inFlight.isPresent()) {
                resume(inFlight.get());
                return;
            }
            Map<String, Observation> fresh = current();
            var a = DatasourceAnalyzer.analyze(topo.value(), fresh, unreachable(topo.value(), fresh),
                    ds.settings().lagLimitSeconds(), ds.settings().thlUri(topo.value().master()));
            if (a.changed()) {
                store.casTopology(a.topology().stamped(leader.host(), System.currentTimeMillis()), topo.version());
                for (String c : a.changes()) {
                    LOG.info("datasource state: {}", c);
                    audit("state", "detect", "ok", 0, c);
                }
            }
            for (String h : a.recover()) {
                recover(h);
            }
            for (String h : a.repoint()) {
                repoint(h, topo.value().master());
            }
            Topology now = store.topology().orElseThrow().value();
            fenceStrayMasters(now, fresh);
            unfenceMaster(now, fresh);
            failoverIfDead(now, fresh);
        } finally {
            lock.unlock();
        }
    }

    /** How long the coordinator waits for a database it probes itself. */
    static final int PROBE_TIMEOUT_MILLIS = 500;

    /**
     * The slaves without an observation whose database this coordinator cannot reach either (asked
     * in parallel, {@link #PROBE_TIMEOUT_MILLIS} at most): down, or cut off from this side. A slave
     * whose manager only restarts still answers.
     */
    private Set<String> unreachable(Topology t, Map<String, Observation> fresh) {
        Map<String, CompletableFuture<Boolean>> probes = new LinkedHashMap<>();
        for (String h : t.datasources().keySet()) {
            DatasourceState st = t.datasource(h).state();
            if (!h.equals(t.master()) && !fresh.containsKey(h) && st != DatasourceState.SHUNNED
                    && st != DatasourceState.FAILED) {
                probes.put(h, CompletableFuture.supplyAsync(() -> {
                    try (Connection c = ds.database(h, PROBE_TIMEOUT_MILLIS)) {
                        return true;
                    } catch (SQLException e) {
                        return false;
                    }
                }, Procedure.CONNECTOR_CALLS));
            }
        }
        Set<String> out = new HashSet<>();
        probes.forEach((h, f) -> {
            try {
                if (!f.get(2L * PROBE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                    out.add(h);
                }
            } catch (TimeoutException | ExecutionException e) {
                out.add(h);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return out;
    }

    /** The master, when this coordinator has seen its lease certainly run out. */
    private Set<String> leasesRunOut(Topology t) {
        return leader.leaseRunOut(t.master()) ? Set.of(t.master()) : Set.of();
    }

    /**
     * The observations to judge by: none older than a few observation intervals (a manager whose
     * observer stalled vouches for nothing), and none taken before the last procedure ended (a
     * replicator it took offline on purpose is not an operator's offline).
     */
    private Map<String, Observation> current() {
        long now = System.currentTimeMillis();
        long stale = Math.max(3000, 6 * ds.settings().observeInterval().toMillis());
        Map<String, Observation> obs = new LinkedHashMap<>(store.observations());
        obs.values().removeIf(o -> o.timeMillis() < quietUntil || now - o.timeMillis() > stale);
        return obs;
    }

    /**
     * Finishes or rolls back the procedure a dead coordinator left (or a rollback that failed);
     * a failed attempt is retried every {@link #RESUME_EVERY_MS}.
     */
    private void resume(ZkStore.Versioned<ProcedureRecord> r) {
        long now = System.currentTimeMillis();
        if (now - lastResume < RESUME_EVERY_MS) {
            return;
        }
        lastResume = now;
        boolean first = !r.value().id().equals(lastResumedId);
        lastResumedId = r.value().id();
        try {
            if (r.value().kind().equals(FailoverProcedure.KIND)) {
                new FailoverProcedure(ds, store, leader).resume(r.value(), r.version(), first);
            } else {
                new SwitchProcedure(ds, store, leader).resume(r.value(), r.version(), first);
            }
        } finally {
            quietUntil = System.currentTimeMillis();
        }
    }

    private void recover(String host) {
        long now = System.currentTimeMillis();
        if (now - lastRecover.getOrDefault(host, 0L) < RECOVER_EVERY_MS) {
            return;
        }
        lastRecover.put(host, now);
        try {
            ds.replicator(host).call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(List.of(), false, null));
            audit("recover", host, "ok", 0, host + ": database reachable again, replicator asked to go online");
        } catch (TantalumException e) {
            LOG.info("recover {}: the replicator did not go online yet: {}", host, e.getMessage());
        }
    }

    /**
     * A slave that follows another master than the topology's (it missed a failover's REPOINT, cut
     * off or down): pointed at the master and asked to go online, without waiting (the next rounds
     * judge it). An old master's history that diverged is refused by its replicator, which then
     * waits in OFFLINE:ERROR saying why.
     */
    private void repoint(String host, String master) {
        long now = System.currentTimeMillis();
        if (now - lastRecover.getOrDefault(host, 0L) < RECOVER_EVERY_MS) {
            return;
        }
        lastRecover.put(host, now);
        String uri = ds.settings().thlUri(master);
        try {
            AdminClient c = ds.replicator(host);
            if (!c.call(ReplicatorApi.STATUS).state().startsWith("OFFLINE")) {
                c.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
            }
            c.call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest("slave", uri));
            c.call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(List.of(), false, null));
            audit("repoint", host, "ok", 0, host + ": its replicator followed another master; now a slave of "
                    + master + " (" + uri + ")");
        } catch (TantalumException e) {
            LOG.info("repoint {}: not repointed yet: {}", host, e.getMessage());
        }
    }

    /** The topology; created from the observations (the replicator whose role is master) when there is none yet. */
    ZkStore.Versioned<Topology> ensureTopology() {
        var t = store.topology();
        if (t.isPresent()) {
            return t.get();
        }
        String master = store.observations().values().stream().filter(o -> "master".equals(o.replicatorRole()))
                .map(Observation::host).findFirst().orElse(ds.settings().master());
        if (store.createTopology(Topology.initial(ds.settings().service(), master, ds.settings().members().keySet(),
                leader.host(), System.currentTimeMillis()))) {
            audit("topology", "create", "ok", 0, "topology created with master " + master + ", policy AUTOMATIC");
        }
        return store.topology().orElseThrow();
    }

    /**
     * After a procedure, how long a slave's observation does not count as a witness against the
     * master: a procedure takes replicators offline and online, and a slave reconnects to its master
     * with a backoff of up to 2 s (the replicator's {@code ThlClient.MAX_BACKOFF_MILLIS}) and
     * reports within an observation interval. Without it, a switch rolled back while the master's
     * manager was down was failed over at once: its slaves were still reconnecting.
     */
    static final long SETTLE_MILLIS = 3000;

    /**
     * In AUTOMATIC, a master that {@link MasterAnalyzer} finds dead is failed over, unless an automatic
     * failover happened less than {@code failover-block-period} ago (anti-flapping: then it is logged
     * and audited once, and an operator decides, with {@code cctrl failover}).
     */
    private void failoverIfDead(Topology t, Map<String, Observation> fresh) {
        if (t.policy() != Policy.AUTOMATIC) {
            return;
        }
        Map<String, Observation> settled = new LinkedHashMap<>(fresh);
        settled.values().removeIf(o -> o.timeMillis() < quietUntil + SETTLE_MILLIS);
        MasterAnalyzer.Analysis a = MasterAnalyzer.analyze(t, store.liveMembers(), leasesRunOut(t), settled);
        if (!a.code().failover) {
            blockedNoticed = false;
            lastRefusal = null;
            return;
        }
        long last = lastFailoverMillis();
        long block = ds.settings().failoverBlock().toMillis();
        if (last > 0 && System.currentTimeMillis() - last < block) {
            if (!blockedNoticed) {
                blockedNoticed = true;
                String why = a.code() + ": " + a.detail() + "; not failed over: the last failover was "
                        + (System.currentTimeMillis() - last) / 1000 + " s ago (failover-block-period " + block / 1000
                        + " s). Run `cctrl failover` to fail over now.";
                LOG.warn("{}", why);
                audit("failover", "BLOCKED", "blocked", 0, why);
            }
            return;
        }
        try {
            observed("automatic failover", () -> new FailoverProcedure(ds, store, leader).run(a, fresh, null));
            quietUntil = System.currentTimeMillis();
        } catch (Refusal e) {
            // nothing changed, so the observations still count: asked again at the next tick, logged once
            if (!e.getMessage().equals(lastRefusal)) {
                lastRefusal = e.getMessage();
                LOG.warn("automatic failover: {}", e.getMessage());
            }
        } catch (TantalumException e) {
            LOG.warn("automatic failover: {}", e.getMessage());
            quietUntil = System.currentTimeMillis();
        }
    }

    /**
     * A database that is writable while the topology names another master (an old master restarted,
     * or made writable by hand) is set read-only at once, in every policy but MAINTENANCE (where an
     * operator may be moving the master by hand): never two writable masters.
     */
    private void fenceStrayMasters(Topology t, Map<String, Observation> fresh) {
        if (t.policy() == Policy.MAINTENANCE) {
            return;
        }
        fresh.forEach((host, o) -> {
            if (!host.equals(t.master()) && o.dbReachable() && Boolean.FALSE.equals(o.readOnly())
                    && !seenBeforeReadOnlySet(o)) {
                try {
                    ds.setReadOnly(host, true);
                    readOnlySetAt.put(host, System.currentTimeMillis());
                    String why = host + ": its database was writable (read_only=OFF) while " + t.master() + " is the"
                            + " master; set read_only=ON";
                    LOG.warn("{}", why);
                    audit("fence", "FENCE", "ok", 0, why);
                } catch (TantalumException e) {
                    LOG.warn("cannot fence {}: {}", host, e.getMessage());
                }
            }
        });
    }

    /**
     * The topology's master read-only while its replicator is an ONLINE master, outside any procedure:
     * its manager fenced it when it lost ZooKeeper ({@link MasterLease}) and publishes again, so no
     * failover happened; it is made writable again (every policy but MAINTENANCE).
     */
    private void unfenceMaster(Topology t, Map<String, Observation> fresh) {
        Observation o = fresh.get(t.master());
        if (t.policy() == Policy.MAINTENANCE || o == null || !o.dbReachable() || !Boolean.TRUE.equals(o.readOnly())
                || !o.replicatorOnline() || !"master".equals(o.replicatorRole()) || seenBeforeReadOnlySet(o)) {
            return;
        }
        try {
            ds.setReadOnly(t.master(), false);
            readOnlySetAt.put(t.master(), System.currentTimeMillis());
            String why = t.master() + ": the master was read-only (fenced while its manager had lost ZooKeeper) and"
                    + " is still the master; set read_only=OFF";
            LOG.warn("{}", why);
            audit("fence", "UNFENCE", "ok", 0, why);
        } catch (TantalumException e) {
            LOG.warn("cannot lift the fence on {}: {}", t.master(), e.getMessage());
        }
    }

    /** True when {@code o} was taken before this coordinator last set its host's read_only (it shows the old value). */
    private boolean seenBeforeReadOnlySet(Observation o) {
        return o.timeMillis() <= readOnlySetAt.getOrDefault(o.host(), Long.MIN_VALUE);
    }

    /** When the last failover promoted its candidate (0: never, as far as the audit trail goes). */
    private long lastFailoverMillis() {
        return store.history(2000).stream().filter(r -> r.procedure().equals(FailoverProcedure.KIND)
                && r.phase().equals("PROMOTE")).mapToLong(AuditRecord::timeMillis).max().orElse(0);
    }

    /**
     * {@code cctrl failover [to host]}: the same procedure by hand, not blocked by the block period.
     * Refused while the master's manager reaches its database (that is a `switch`) or still holds its
     * lease without reporting.
     */
    ProcedureReply failover(String to) {
        return exclusive("failover", () -> {
            Topology t = ensureTopology().value();
            Map<String, Observation> fresh = current();
            MasterAnalyzer.Analysis a = MasterAnalyzer.analyze(t, store.liveMembers(), leasesRunOut(t), fresh);
            if (a.code() == MasterAnalyzer.Code.MASTER_OK || a.code() == MasterAnalyzer.Code.MASTER_OBSERVATION_STALE) {
                throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot fail over: " + a.code() + ": "
                        + a.detail() + ". A failover replaces a dead master; use `switch` to move a live one. Nothing"
                        + " was changed.");
            }
            return new FailoverProcedure(ds, store, leader).run(a, fresh, to);
        });
    }

    ProcedureReply switchTo(String to) {
        return exclusive("switch", () -> new SwitchProcedure(ds, store, leader).run(to));
    }

    Topology setPolicy(Policy p) {
        exclusive("set policy", () -> {
            var t = ensureTopology();
            store.casTopology(t.value().withPolicy(p).stamped(leader.host(), System.currentTimeMillis()), t.version());
            audit("policy", "set", "ok", 0, "policy " + t.value().policy() + " -> " + p);
            return null;
        });
        return store.topology().orElseThrow().value();
    }

    ProcedureReply heartbeat() {
        return exclusive("heartbeat", () -> {
            long t0 = System.nanoTime();
            String master = ensureTopology().value().master();
            long seqno = ds.replicator(master).call(ReplicatorApi.HEARTBEAT,
                    new ReplicatorApi.HeartbeatRequest("cluster-heartbeat")).seqno();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            audit("heartbeat", "HEARTBEAT", "ok", ms, "heartbeat on " + master + " at seqno " + seqno);
            return new ProcedureReply("heartbeat", "ok", List.of(new Phase("HEARTBEAT", ms, master + ": seqno " + seqno)),
                    ms, master, "heartbeat written on " + master + " at seqno " + seqno);
        });
    }

    /** {@code replicator <host> online|offline}: the replicator's own command, recorded as operator intent. */
    ProcedureReply replicator(String host, String action) {
        member(host);
        AdminClient c = ds.replicator(host);
        return exclusive("replicator " + action, () -> {
            long t0 = System.nanoTime();
            String state = switch (action.toLowerCase(Locale.ROOT)) {
                case "online" -> c.call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(List.of(), false, null))
                        .state();
                case "offline" -> c.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false)).state();
                default -> throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown replicator action '"
                        + action + "': use online or offline");
            };
            long ms = (System.nanoTime() - t0) / 1_000_000;
            audit("replicator", action.toUpperCase(Locale.ROOT), "ok", ms, host + ": replicator " + action + " -> "
                    + state);
            return new ProcedureReply("replicator " + action, "ok", List.of(new Phase(action.toUpperCase(Locale.ROOT),
                    ms, host + ": " + state)), ms, null, host + ": replicator " + state);
        });
    }

    /** {@code datasource <host> shun|welcome|offline|online|recover}. */
    ProcedureReply datasource(String host, String action) {
        member(host);
        return exclusive("datasource " + action, () -> {
            long t0 = System.nanoTime();
            var t = ensureTopology();
            Topology topo = t.value();
            String a = action.toLowerCase(Locale.ROOT);
            Datasource next;
            switch (a) {
                case "shun" -> {
                    if (host.equals(topo.master())) {
                        throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot shun " + host + ": it is the"
                                + " master. Switch to another host first (`switch`), then shun it.");
                    }
                    next = new Datasource(DatasourceState.SHUNNED, "MANUALLY-SHUNNED", true);
                }
                case "offline" -> {
                    ds.replicator(host).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
                    next = new Datasource(DatasourceState.OFFLINE, DatasourceAnalyzer.OPERATOR_OFFLINE, true);
                }
                case "online", "welcome", "recover" -> {
                    bringBack(host, topo.master(), a.equals("recover"));
                    next = Datasource.ONLINE;
                }
                default -> throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown datasource action '"
                        + action + "': use shun, welcome, offline, online, recover or rebuild");
            }
            var now = store.topology().orElseThrow();
            store.casTopology(now.value().with(host, next).stamped(leader.host(), System.currentTimeMillis()),
                    now.version());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String detail = host + ": " + topo.datasource(host).display() + " -> " + next.display();
            audit("datasource", a.toUpperCase(Locale.ROOT), "ok", ms, detail);
            return new ProcedureReply("datasource " + a, "ok", List.of(new Phase(a.toUpperCase(Locale.ROOT), ms,
                    detail)), ms, topo.master(), detail);
        });
    }

    /**
     * {@code datasource <host> rebuild [from <source>]}: replaces the host's data with a copy of a
     * slave's, then brings it back as a slave of the master. In three steps, so that coordinator
     * rounds (failure detection, failover) go on during the copy: under the lock, the source is
     * chosen ({@link CandidatePolicy#rebuildSource}), the host shunned {@code REBUILDING}, its
     * replicator taken offline and its THL deleted; without it, the copy ({@link DatabaseCopy});
     * under the lock again, {@code recover}. A failure leaves the host shunned {@code REBUILDING}
     * (its replicator offline); running the command again starts over.
     */
    ProcedureReply rebuild(String host, String from) {
        member(host);
        if (!rebuilding.add(host)) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot rebuild " + host + ": a rebuild of it"
                    + " is copying now; wait for it to finish (`cctrl cluster history`).");
        }
        try {
            long t0 = System.nanoTime();
            Rebuild r = exclusive("datasource rebuild", () -> prepareRebuild(host, from, t0));
            DatabaseCopy.Copied copied;
            try {
                copied = DatabaseCopy.copy(ds, r.source(), host, COPY_LIMIT);
            } catch (RuntimeException e) {
                audit("rebuild", "COPY", "failed", (System.nanoTime() - t0) / 1_000_000, host + ": " + e.getMessage());
                throw new TantalumException(e instanceof TantalumException t ? t.code() : ErrorCode.UNAVAILABLE,
                        "Cannot rebuild " + host + ": " + e.getMessage() + " " + host + " stays SHUNNED(" + REBUILDING
                        + ") with its replicator offline; fix the cause and run `datasource " + host + " rebuild`"
                        + " again.", e);
            }
            String detail = host + ": " + copied.schemas().size() + " schema(s) copied from " + r.source() + " in "
                    + copied.millis() + " ms, at applied seqno " + copied.appliedSeqno() + " (replaced "
                    + copied.replaced().size() + " schema(s), and THL up to seqno " + r.discardedSeqno() + ")";
            audit("rebuild", "COPY", "ok", copied.millis(), detail);
            return exclusive("datasource rebuild", () -> finishRebuild(host, detail, t0));
        } finally {
            rebuilding.remove(host);
        }
    }

    /** What a rebuild's first step decided: the source, and the last seqno of the THL it deleted. */
    private record Rebuild(String source, long discardedSeqno) {}

    private Rebuild prepareRebuild(String host, String from, long t0) {
        Topology topo = ensureTopology().value();
        String source = CandidatePolicy.rebuildSource(topo, store.observations(), host, from,
                ds.settings().thlUri(topo.master()));
        var now = store.topology().orElseThrow();
        store.casTopology(now.value().with(host, new Datasource(DatasourceState.SHUNNED, REBUILDING, true))
                .stamped(leader.host(), System.currentTimeMillis()), now.version());
        AdminClient r = ds.replicator(host);
        ReplicatorStatus s = r.call(ReplicatorApi.STATUS);
        if (!"OFFLINE:NORMAL".equals(s.state())) {
            r.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(true));
            Deadline.in(ds.settings().phaseTimeout()).await(host + "'s replicator to be OFFLINE", 50,
                    () -> r.call(ReplicatorApi.STATUS).state().startsWith("OFFLINE"));
        }
        r.call(ReplicatorApi.RESET, new ReplicatorApi.ResetRequest(true, false));
        audit("rebuild", "PREPARE", "ok", (System.nanoTime() - t0) / 1_000_000, host + ": SHUNNED(" + REBUILDING
                + "), replicator offline, THL deleted (it ended at seqno " + s.maximumStoredSeqNo() + "); copying from "
                + source);
        return new Rebuild(source, s.maximumStoredSeqNo());
    }

    private ProcedureReply finishRebuild(String host, String detail, long t0) {
        Topology topo = ensureTopology().value();
        if (!REBUILDING.equals(topo.datasource(host).reason())) {
            throw new TantalumException(ErrorCode.ABORTED, "Cannot finish the rebuild of " + host + ": it is now "
                    + topo.datasource(host).display() + " (an operator changed it during the copy). The copy is done;"
                    + " run `datasource " + host + " recover` to bring it back.");
        }
        bringBack(host, topo.master(), true);
        var now = store.topology().orElseThrow();
        store.casTopology(now.value().with(host, Datasource.ONLINE).stamped(leader.host(), System.currentTimeMillis()),
                now.version());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String done = detail + "; ONLINE as a slave of " + topo.master();
        audit("rebuild", "RECOVER", "ok", ms, done);
        return new ProcedureReply("datasource rebuild", "ok", List.of(new Phase("REBUILD", ms, done)), ms, topo.master(),
                done);
    }

    /**
     * Brings {@code host} back into service: its database must answer; with {@code repoint} (recover)
     * a slave whose replicator follows another master is pointed at the current one; then its
     * replicator goes online and must reach ONLINE within the phase timeout.
     */
    private void bringBack(String host, String master, boolean repoint) {
        Observation o = store.observations().get(host);
        if (o != null && !o.dbReachable()) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot bring " + host + " back: its database"
                    + " is not reachable (" + o.dbError() + "). Start it first.");
        }
        AdminClient c = ds.replicator(host);
        ReplicatorStatus s = c.call(ReplicatorApi.STATUS);
        boolean online = "ONLINE".equals(s.state());
        if (repoint && !host.equals(master)) {
            String uri = ds.settings().thlUri(master);
            if (!"slave".equals(s.role()) || !uri.equals(s.masterConnectUri())) {
                if (!s.state().startsWith("OFFLINE")) {
                    c.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
                }
                c.call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest("slave", uri));
                online = false;
            }
        }
        // already ONLINE as a slave of the master (e.g. put online by hand with `trepctl online -force-divergence`)
        if (!online) {
            try {
                c.call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(List.of(), false, null));
            } catch (TantalumException e) {
                if (diverged(e.getMessage())) {
                    throw cannotBringBack(host, e.getMessage());
                }
                if (!e.getMessage().contains("already online")) {
                    throw e;
                }
                // its own auto-recovery put it online meanwhile (as the slave FENCE made it): checked below
            }
        }
        Deadline.in(ds.settings().phaseTimeout()).await(host + "'s replicator to be ONLINE", 50, () -> {
            ReplicatorStatus now = c.call(ReplicatorApi.STATUS);
            String error = now.pendingError();
            if ("OFFLINE:ERROR".equals(now.state()) && diverged(error)) {
                throw cannotBringBack(host, error);
            }
            return "ONLINE".equals(now.state());
        });
    }

    /**
     * A diverged history, refused by the replicator itself: an old master holding transactions the
     * master never received, in its THL (the master refused this slave at the handshake) or only in
     * its binlog (the slave refused to start). Its message lists them and the ways out.
     */
    private static boolean diverged(String replicatorError) {
        return replicatorError != null && (replicatorError.contains("refused this slave")
                || replicatorError.contains("binlog-only transaction(s)"));
    }

    /** Nothing changes in the topology: the datasource stays as it is, the operator chooses a way out. */
    private TantalumException cannotBringBack(String host, String replicatorError) {
        return new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot bring " + host + " back: "
                + replicatorError + " " + host + " stays " + store.topology().map(v -> v.value().datasource(host)
                        .display()).orElse("as it is") + ".");
    }

    private void member(String host) {
        if (!ds.settings().members().containsKey(host)) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown host '" + host + "': the members of "
                    + ds.settings().service() + " are " + String.join(", ", ds.settings().members().keySet()));
        }
    }

    /**
     * Runs an operator's command alone: a second command while one runs is refused at once; a
     * coordinator round in progress (a few milliseconds, or the finishing of a dead coordinator's
     * procedure) is waited for, up to the phase timeout.
     */
    /** What a coordinator reports of each command or procedure it ran (metrics). */
    interface ProcedureObserver {
        void ran(String what, boolean ok, long nanos);
    }

    private volatile ProcedureObserver observer = (what, ok, nanos) -> {};

    void onProcedure(ProcedureObserver o) {
        observer = o;
    }

    /** Runs {@code body} and tells the observer how it went. */
    private <T> T observed(String what, java.util.function.Supplier<T> body) {
        long start = System.nanoTime();
        boolean ok = false;
        try {
            T result = body.get();
            ok = true;
            return result;
        } finally {
            observer.ran(what, ok, System.nanoTime() - start);
        }
    }

    private <T> T exclusive(String what, java.util.function.Supplier<T> body) {
        if (!commandRunning.compareAndSet(false, true)) {
            throw busy(what);
        }
        try {
            if (!lock.tryLock(ds.settings().phaseTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw busy(what);
            }
        } catch (InterruptedException e) {
            commandRunning.set(false);
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        } catch (TantalumException e) {
            commandRunning.set(false);
            throw e;
        }
        boolean refused = false;
        try {
            leader.check();
            var inFlight = store.procedure();
            if (inFlight.isPresent()) {
                ProcedureRecord r = inFlight.get().value();
                throw new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot run " + what + ": " + r.id() + " ("
                        + r.from() + " -> " + r.to() + ", at " + r.phase() + ") is still in progress; the coordinator"
                        + " is finishing it. Nothing was changed.");
            }
            return observed(what, body);
        } catch (Refusal e) {
            refused = true;
            throw e;
        } finally {
            if (!refused) {
                quietUntil = System.currentTimeMillis();
            }
            lock.unlock();
            commandRunning.set(false);
        }
    }

    private static TantalumException busy(String what) {
        return new Refusal(ErrorCode.FAILED_PRECONDITION, "Cannot run " + what + ": the coordinator is busy"
                + " with another procedure; wait for it to finish (`cctrl ls`). Nothing was changed.");
    }

    void audit(String kind, String phase, String outcome, long millis, String detail) {
        store.audit(new AuditRecord(System.currentTimeMillis(), kind, kind, phase, outcome, leader.host(), millis,
                detail));
    }
}
