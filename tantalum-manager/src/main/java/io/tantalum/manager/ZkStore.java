package io.tantalum.manager;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tantalum.api.ManagerApi.AuditRecord;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.BackgroundCallback;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * The dataservice's persistent state in ZooKeeper: the topology (compare-and-set only), the
 * record of a procedure in progress (created only if absent: the procedure lock) and the audit
 * trail. Every ZooKeeper failure becomes a {@link TantalumException}: UNAVAILABLE when the
 * ensemble cannot be reached (no quorum), ABORTED when a compare-and-set lost. Thread-safe.
 */
public final class ZkStore {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
            false);
    /** Audit records kept; older ones are deleted as new ones come. */
    static final int AUDIT_KEPT = 2000;

    /** A value with the znode version it was read at. */
    public record Versioned<T>(T value, int version) {}

    private final CuratorFramework zk;
    private final ZkLayout layout;

    public ZkStore(CuratorFramework zk, ZkLayout layout) {
        this.zk = zk;
        this.layout = layout;
    }

    /**
     * Serializes and reads back one record of each kind a procedure writes, so that a new
     * coordinator's first switch does not pay for Jackson's introspection (about 100 ms cold).
     */
    static void warmUp() {
        try {
            ProcedureRecord r = new ProcedureRecord("warm-up", "switch", "a", "b", "BEGIN", -1, "a", 0);
            JSON.readValue(JSON.writeValueAsBytes(r), ProcedureRecord.class);
            AuditRecord a = new AuditRecord(0, "warm-up", "switch", "BEGIN", "ok", "a", 0, "");
            JSON.readValue(JSON.writeValueAsBytes(a), AuditRecord.class);
            Topology t = Topology.initial("warm-up", "a", List.of("a", "b"), "a", 0);
            JSON.readValue(JSON.writeValueAsBytes(t), Topology.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the manager's own records", e);
        }
    }

    public ZkLayout layout() {
        return layout;
    }

    public Optional<Versioned<Topology>> topology() {
        return read(layout.topology(), Topology.class);
    }

    /** Creates the topology if there is none yet; false when another manager was first. */
    public boolean createTopology(Topology t) {
        return createIfAbsent(layout.topology(), t);
    }

    /** Writes {@code t} if the topology is still at {@code version}; else ABORTED (someone else changed it). */
    public int casTopology(Topology t, int version) {
        return compareAndSet(layout.topology(), t, version, "write the topology", "The topology of "
                + layout.service() + " changed while this change was being made (expected version " + version
                + "); nothing was written. Look at `cctrl ls` and retry.");
    }

    /** The last rolling maintenance run, if any. */
    public Optional<Versioned<MaintenanceRun>> maintenance() {
        return read(layout.maintenance(), MaintenanceRun.class);
    }

    /**
     * Writes a rolling maintenance run: creates the record when {@code version} is -1 (false when one
     * exists already), else compare-and-set (ABORTED when it changed meanwhile).
     */
    public int writeMaintenance(MaintenanceRun r, int version) {
        if (version < 0) {
            if (!createIfAbsent(layout.maintenance(), r)) {
                throw new TantalumException(ErrorCode.ABORTED, "Another rolling maintenance was recorded meanwhile;"
                        + " see `cctrl -e \"rolling-maintenance status\"`.");
            }
            return 0;
        }
        return compareAndSet(layout.maintenance(), r, version, "record the rolling maintenance", "The record of the"
                + " rolling maintenance " + r.id() + " changed meanwhile (aborted, or another coordinator resumed it).");
    }

    public Optional<Versioned<ProcedureRecord>> procedure() {
        return read(layout.procedure(), ProcedureRecord.class);
    }

    /** Takes the procedure lock by creating the record; false when a procedure is already recorded. */
    public boolean beginProcedure(ProcedureRecord r) {
        if (createIfAbsent(layout.procedure(), r)) {
            return true;
        }
        // a create retried after a lost connection finds its own record: it did take the lock
        return procedure().map(v -> v.value().equals(r)).orElse(false);
    }

    /** Records the procedure's progress; ABORTED when the record changed or vanished under it. */
    public int updateProcedure(ProcedureRecord r, int version) {
        return compareAndSet(layout.procedure(), r, version, "record the procedure's progress", lostRecord(r));
    }

    /**
     * Records a procedure's phase and its audit record in one ZooKeeper transaction (one round trip,
     * one fsync on the ensemble); ABORTED when the record changed or vanished under it.
     */
    public int recordPhase(ProcedureRecord r, int version, AuditRecord a) {
        try {
            return recordPhaseOnce(r, version, a);
        } catch (KeeperException.NoNodeException e) {
            if (procedure().isEmpty()) {
                throw new TantalumException(ErrorCode.ABORTED, lostRecord(r), e);
            }
            try {
                zk.createContainers(layout.audit()); // the audit trail's parent was never created, or was emptied
                return recordPhaseOnce(r, version, a);
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException again) {
                return retried(layout.procedure(), r, version, lostRecord(r), again);
            } catch (Exception again) {
                throw failure("record the procedure's progress", again);
            }
        } catch (KeeperException.BadVersionException e) {
            return retried(layout.procedure(), r, version, lostRecord(r), e);
        } catch (Exception e) {
            throw failure("record the procedure's progress", e);
        }
    }

    private int recordPhaseOnce(ProcedureRecord r, int version, AuditRecord a) throws Exception {
        List<CuratorTransactionResult> results = zk.transaction().forOperations(
                zk.transactionOp().setData().withVersion(version).forPath(layout.procedure(), JSON.writeValueAsBytes(r)),
                zk.transactionOp().create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                        .forPath(layout.audit() + "/entry-", JSON.writeValueAsBytes(a)));
        trimAuditAfter(results.get(1).getResultPath());
        return results.get(0).getResultStat().getVersion();
    }

    private static String lostRecord(ProcedureRecord r) {
        return "The record of procedure " + r.id() + " changed under this coordinator (another coordinator took"
                + " over?); stopping here.";
    }

    /** Writes {@code value} at {@code path} if it is still at {@code version}; ABORTED with {@code lost} otherwise. */
    private <T> int compareAndSet(String path, T value, int version, String what, String lost) {
        try {
            return zk.setData().withVersion(version).forPath(path, JSON.writeValueAsBytes(value)).getVersion();
        } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
            return retried(path, value, version, lost, e);
        } catch (Exception e) {
            throw failure(what, e);
        }
    }

    /** A write retried after a lost connection may have landed the first time: then it is ours, else ABORTED. */
    private <T> int retried(String path, T value, int version, String lost, KeeperException e) {
        @SuppressWarnings("unchecked")
        Optional<Versioned<T>> now = read(path, (Class<T>) value.getClass());
        if (now.isPresent() && now.get().value().equals(value) && now.get().version() == version + 1) {
            return now.get().version();
        }
        throw new TantalumException(ErrorCode.ABORTED, lost, e);
    }

    public void endProcedure(int version) {
        try {
            zk.delete().withVersion(version).forPath(layout.procedure());
        } catch (KeeperException.NoNodeException e) {
            // already gone: a delete retried after a lost connection, which landed the first time
        } catch (KeeperException.BadVersionException e) {
            throw new TantalumException(ErrorCode.ABORTED, "The procedure record changed under this coordinator.", e);
        } catch (Exception e) {
            throw failure("end the procedure", e);
        }
    }

    public void audit(AuditRecord r) {
        try {
            String entry = zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(layout.audit() + "/entry-", JSON.writeValueAsBytes(r));
            trimAuditAfter(entry);
        } catch (Exception e) {
            throw failure("write the audit record " + r.procedure() + "/" + r.phase(), e);
        }
    }

    /** Housekeeping every 100 entries, not on every record: listing 2,000 entries is not free. */
    private void trimAuditAfter(String entry) {
        if (entry != null && entry.endsWith("00")) {
            trimAudit();
        }
    }

    /** The last {@code limit} audit records, oldest first. */
    public List<AuditRecord> history(int limit) {
        List<AuditRecord> out = new ArrayList<>();
        List<String> names = auditNames();
        for (String n : names.subList(Math.max(0, names.size() - limit), names.size())) {
            read(layout.audit() + "/" + n, AuditRecord.class).ifPresent(v -> out.add(v.value()));
        }
        return out;
    }

    private void trimAudit() {
        try {
            List<String> names = auditNames();
            for (String n : names.subList(0, Math.max(0, names.size() - AUDIT_KEPT))) {
                zk.delete().quietly().forPath(layout.audit() + "/" + n);
            }
        } catch (Exception e) {
            // trimming is housekeeping: the next audit record retries it
        }
    }

    private List<String> auditNames() {
        try {
            List<String> names = new ArrayList<>(zk.getChildren().forPath(layout.audit()));
            names.sort(Comparator.naturalOrder());
            return names;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw failure("read the audit trail", e);
        }
    }

    /** The connectors that are running now (each registers itself with an ephemeral node). */
    public List<io.tantalum.api.ConnectorApi.Registration> connectors() {
        List<io.tantalum.api.ConnectorApi.Registration> out = new ArrayList<>();
        try {
            for (String name : zk.getChildren().forPath(layout.connectors())) {
                read(layout.connector(name), io.tantalum.api.ConnectorApi.Registration.class)
                        .ifPresent(v -> out.add(v.value()));
            }
        } catch (KeeperException.NoNodeException e) {
            return out;
        } catch (Exception e) {
            throw failure("read the connectors", e);
        }
        return out;
    }

    /**
     * Renews {@code host}'s lease: a write of {@code data} to its lease node, which only a quorum of
     * the ensemble can commit. Returns the write's zxid when it was committed within {@code
     * timeoutMillis}, so that a quorum still counted this session alive when the call was made; -1
     * otherwise. (Reads and {@code sync} prove nothing: a member, even the leader, cut off from the
     * others answers them until it notices, syncLimit ticks later.)
     */
    public long renewLease(String host, long timeoutMillis, byte[] data) {
        CountDownLatch answered = new CountDownLatch(1);
        AtomicInteger rc = new AtomicInteger(-1);
        AtomicLong zxid = new AtomicLong(-1);
        BackgroundCallback done = (client, event) -> {
            rc.set(event.getResultCode());
            if (event.getStat() != null) {
                zxid.set(event.getStat().getMzxid());
            }
            answered.countDown();
        };
        try {
            zk.setData().inBackground(done).forPath(layout.lease(host), data);
            if (!answered.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
                return -1;
            }
            if (rc.get() == KeeperException.Code.NONODE.intValue()) {
                zk.create().creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                        .forPath(layout.lease(host));
                return -1; // renewed by the next round
            }
            return rc.get() == KeeperException.Code.OK.intValue() ? Math.max(0, zxid.get()) : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** {@code host}'s lease node: the zxid of its last write (its last committed renewal) and its data. */
    public record LeaseNode(long mzxid, byte[] data) {
        static final LeaseNode NONE = new LeaseNode(-1, new byte[0]);
    }

    /** {@code host}'s lease node, or {@link LeaseNode#NONE} when it has none. */
    public LeaseNode lease(String host) {
        try {
            Stat s = new Stat();
            byte[] data = zk.getData().storingStatIn(s).forPath(layout.lease(host));
            return new LeaseNode(s.getMzxid(), data == null ? new byte[0] : data);
        } catch (KeeperException.NoNodeException e) {
            return LeaseNode.NONE;
        } catch (Exception e) {
            throw failure("read the lease of " + host, e);
        }
    }

    /** The hosts whose manager holds a ZooKeeper session now (its ephemeral member node exists). */
    public Set<String> liveMembers() {
        try {
            return new HashSet<>(zk.getChildren().forPath(layout.members()));
        } catch (KeeperException.NoNodeException e) {
            return Set.of();
        } catch (Exception e) {
            throw failure("list the members", e);
        }
    }

    /** Every member's latest observation (a member whose manager is not running has none). */
    public Map<String, Observation> observations() {
        Map<String, Observation> out = new LinkedHashMap<>();
        try {
            for (String host : zk.getChildren().forPath(layout.members())) {
                read(layout.member(host), Observation.class).ifPresent(v -> out.put(host, v.value()));
            }
        } catch (KeeperException.NoNodeException e) {
            return out;
        } catch (Exception e) {
            throw failure("read the members' observations", e);
        }
        return out;
    }

    private <T> Optional<Versioned<T>> read(String path, Class<T> type) {
        try {
            Stat stat = new Stat();
            byte[] data = zk.getData().storingStatIn(stat).forPath(path);
            if (data == null || data.length == 0) {
                return Optional.empty(); // a member node created before its first observation
            }
            return Optional.of(new Versioned<>(JSON.readValue(data, type), stat.getVersion()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "ZooKeeper node " + path + " does not hold a valid "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw failure("read " + path, e);
        }
    }

    private boolean createIfAbsent(String path, Object value) {
        try {
            zk.create().creatingParentContainersIfNeeded().forPath(path, JSON.writeValueAsBytes(value));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            return false;
        } catch (Exception e) {
            throw failure("create " + path, e);
        }
    }

    static TantalumException failure(String what, Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (e instanceof TantalumException te) {
            return te;
        }
        return new TantalumException(ErrorCode.UNAVAILABLE, "Cannot " + what + " in ZooKeeper: " + e.getClass()
                .getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")") + ". The ensemble may"
                + " have lost its quorum: check it with `tpm sandbox status` or `tpm validate`; managers keep"
                + " observing and replication keeps running.", e);
    }
}
