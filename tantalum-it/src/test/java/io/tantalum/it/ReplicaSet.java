package io.tantalum.it;

import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.testkit.Await;
import io.tantalum.testkit.BinlogChanges;
import io.tantalum.testkit.SchemaSnapshot;
import io.tantalum.testkit.Sql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * The servers of a fidelity run: the sandbox master (host1), its Tantalum slaves (host2..N) and a
 * native MariaDB replica. Waits until every replica applied what the master wrote or stopped on
 * an error, skips past such errors the way an operator would, and brings every server back to the
 * same clean state: the system schemas, an empty {@code test} database, and the accounts each
 * server had at the start.
 */
final class ReplicaSet {
    /** Seqnos skipped per {@code online -skip-seqno} call, to keep the admin request short. */
    private static final int SKIP_BATCH = 500;
    private static final int MAX_RECOVERY_STEPS = 2000;
    /** How long a replica that is behind, without error, may take to catch up before a reset gives up. */
    private static final Duration RECOVERY_TIME = Duration.ofMinutes(10);
    /** Global variables that change by themselves as the master works, not because a file set them. */
    private static final Set<String> MOVING_GLOBALS = Set.of("gtid_binlog_pos", "gtid_binlog_state",
            "gtid_current_pos", "gtid_slave_pos");

    private final SandboxFixture sb;
    private final NativeReplica nativeReplica;
    private final Duration timeout;
    private final Map<String, Set<String>> knownAccounts = new LinkedHashMap<>();
    private Map<String, String> masterGlobals = Map.of();

    /** Where the master stood after a flush: the Tantalum seqno and the GTID position, or why there is none. */
    record Position(long seqno, String gtid, String masterError) {}

    ReplicaSet(SandboxFixture sb, NativeReplica nativeReplica, Duration timeout) {
        this.sb = sb;
        this.nativeReplica = nativeReplica;
        this.timeout = timeout;
    }

    /** Labels of the servers, master first: host1, host2, ..., then the native replica. */
    List<String> labels() {
        List<String> out = new ArrayList<>();
        for (int k = 1; k <= sb.hosts().size(); k++) {
            out.add("host" + k);
        }
        out.add("native");
        return out;
    }

    /** A connection to the server with that label, as the sandbox's replicator user. */
    Connection connect(String label) {
        return label.equals("native") ? nativeReplica.connect() : sb.admin(Integer.parseInt(label.substring(4)));
    }

    /** Records each server's accounts as the ones that belong to it, not to a test. */
    void rememberAccounts() {
        for (String label : labels()) {
            try (Connection c = connect(label)) {
                knownAccounts.put(label, SchemaSnapshot.accounts(c));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Records the master's global variables as the ones every file must find. */
    void rememberMasterGlobals() {
        masterGlobals = masterGlobals();
    }

    /**
     * Sets back every global variable of the master that a file changed (one that failed half-way
     * may not have restored what it set); returns them as {@code name: value set by the file}.
     */
    List<String> restoreMasterGlobals() {
        List<String> changed = new ArrayList<>();
        Map<String, String> now = masterGlobals();
        try (Connection c = sb.admin(1)) {
            for (Map.Entry<String, String> e : masterGlobals.entrySet()) {
                String value = now.get(e.getKey());
                if (!MOVING_GLOBALS.contains(e.getKey()) && !e.getValue().equals(value)) {
                    changed.add(e.getKey() + ": " + value);
                    String v = e.getValue().matches("-?\\d+(\\.\\d+)?") ? e.getValue()
                            : SchemaSnapshot.quote(e.getValue());
                    Sql.exec(c, "SET GLOBAL " + e.getKey() + " = " + v);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return changed;
    }

    private Map<String, String> masterGlobals() {
        try (Connection c = sb.admin(1)) {
            Map<String, String> out = new TreeMap<>();
            for (List<Object> r : Sql.query(c, "SHOW GLOBAL VARIABLES")) {
                out.put(String.valueOf(r.get(0)), String.valueOf(r.get(1)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each server's current binlog position, by label. */
    Map<String, BinlogChanges.Position> binlogPositions() {
        Map<String, BinlogChanges.Position> out = new LinkedHashMap<>();
        for (String label : labels()) {
            try (Connection c = connect(label)) {
                out.put(label, BinlogChanges.position(c));
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** What the server logged since {@code from} (see {@link BinlogChanges}). */
    SortedMap<String, String> binlogChanges(String label, BinlogChanges.Position from) {
        String address = label.equals("native") ? nativeReplica.address()
                : sb.host(Integer.parseInt(label.substring(4))).address();
        BinlogChanges.Source source = new BinlogChanges.Source(address, sb.host(1).dbPort(),
                sb.layout().replicatorUser(), sb.layout().replicatorPassword());
        try (Connection c = connect(label)) {
            return BinlogChanges.read(c, source, from, BinlogChanges.position(c));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The snapshot of one server (see {@link SchemaSnapshot}). */
    SortedMap<String, String> snapshot(String label) {
        try (Connection c = connect(label)) {
            return SchemaSnapshot.take(c, knownAccounts.getOrDefault(label, Set.of()));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes the master replicator store everything written so far ({@code trepctl flush}) and
     * reads the master's GTID position after it.
     */
    Position flushMaster() {
        String error = null;
        long seqno = -1;
        try {
            seqno = sb.replicator(1).call(ReplicatorApi.FLUSH, new ReplicatorApi.FlushRequest(timeout.toMillis()))
                    .seqno();
        } catch (RuntimeException e) {
            error = "the master replicator cannot flush: " + e.getMessage() + " (" + sb.describe() + ")";
        }
        try (Connection c = sb.admin(1)) {
            return new Position(seqno, String.valueOf(Sql.query(c, "SELECT @@GLOBAL.gtid_binlog_pos").get(0).get(0)),
                    error);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How a wait for a replica ended. */
    enum Ending {
        /** The replica applied everything up to the position waited for. */
        APPLIED,
        /** The replica stopped with an error that nothing will retry. */
        STOPPED,
        /** The replica was still applying, without error, when the wait timed out. */
        BEHIND
    }

    /** How a wait for a replica ended, and the replica's error or why it is behind. */
    record CatchUp(Ending ending, String message) {}

    /**
     * Waits until Tantalum slave {@code k} applied {@code seqno}; ends as soon as the slave stops
     * with an error that no auto-recovery will retry.
     */
    CatchUp awaitTantalum(int k, long seqno) {
        String[] error = {null};
        try {
            Await.until("host" + k + " to apply seqno " + seqno, timeout, () -> {
                ReplicatorStatus st = sb.status(k);
                if (st.appliedLastSeqno() >= seqno) {
                    return true;
                }
                if (st.stuckInError()) {
                    error[0] = st.pendingError();
                    return true;
                }
                return false;
            }, sb::describe);
        } catch (AssertionError e) {
            return new CatchUp(Ending.BEHIND, e.getMessage() + lastWarning(k));
        }
        return error[0] == null ? new CatchUp(Ending.APPLIED, "") : new CatchUp(Ending.STOPPED, error[0]);
    }

    /** The last WARN or ERROR line of host k's replicator log, which says why a slave that is ONLINE lags. */
    private String lastWarning(int k) {
        try (Stream<String> lines = Files.lines(sb.sandbox().replicatorLog(sb.host(k)))) {
            return lines.filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).reduce((a, b) -> b)
                    .map(l -> " Last warning of host" + k + "'s replicator: " + l).orElse("");
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    /** Waits until the native replica applied the master's GTID position, or a replication thread stopped. */
    CatchUp awaitNative(String gtid) {
        Optional<String> problem = nativeReplica.awaitPosition(gtid, timeout);
        if (problem.isEmpty()) {
            return new CatchUp(Ending.APPLIED, "");
        }
        return new CatchUp(nativeReplica.error().isPresent() ? Ending.STOPPED : Ending.BEHIND, problem.get());
    }

    /**
     * Brings every server back to the clean state: drops what the file created on the master (so
     * that the drops replicate), skips every transaction a replica stops on, then drops whatever is
     * left on each replica locally (without binlogging it), and checks that all are equal.
     */
    void resetToCleanState() {
        recoverMaster();
        recover(flushMaster());
        try (Connection m = sb.admin(1)) {
            dropEverything(m, knownAccounts.get("host1"), true);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        recover(flushMaster());
        for (String label : labels().subList(1, labels().size())) {
            try (Connection c = connect(label)) {
                dropEverything(c, knownAccounts.get(label), false);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        verifyClean();
    }

    /** Puts the master replicator online again if it stopped with an error (extraction failed, say). */
    private void recoverMaster() {
        if (sb.status(1).stuckInError()) {
            sb.replicator(1).call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(null, false, null));
            sb.awaitState(1, "ONLINE");
        }
    }

    /** Skips past every error until each replica applied {@code p}; fails if that does not work. */
    void recover(Position p) {
        if (p.masterError() != null) {
            throw new AssertionError("Cannot reset the sandbox between files: " + p.masterError());
        }
        for (int k = 2; k <= sb.hosts().size(); k++) {
            recoverTantalum(k, p.seqno());
        }
        recoverNative(p.gtid());
    }

    private void recoverTantalum(int k, long through) {
        long deadline = System.nanoTime() + Await.scaled(RECOVERY_TIME).toNanos();
        for (int step = 0; step < MAX_RECOVERY_STEPS; step++) {
            long appliedBefore = sb.appliedSeqno(k);
            CatchUp c = awaitTantalum(k, through);
            if (c.ending() == Ending.APPLIED) {
                return;
            }
            if (c.ending() == Ending.STOPPED) {
                long failed = sb.status(k).pendingErrorSeqno();
                if (failed < 0) {
                    throw new AssertionError("host" + k + " stopped without a seqno to skip: " + c.message());
                }
                skip(k, failed, through);
            } else if (sb.appliedSeqno(k) == appliedBefore) {
                // ONLINE but stuck on one transaction (retrying it forever, say): stop it and skip that one
                sb.replicator(k).call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(true));
                sb.awaitState(k, "OFFLINE:NORMAL");
                skip(k, appliedBefore + 1, through);
            } else if (System.nanoTime() > deadline) {
                throw new AssertionError("host" + k + " has not applied seqno " + through + " after "
                        + RECOVERY_TIME.toMinutes() + " minutes: " + c.message());
            }
        }
        throw new AssertionError("host" + k + " still stops with errors after " + MAX_RECOVERY_STEPS + " skips: "
                + sb.describe());
    }

    /**
     * Puts slave {@code k} online skipping {@code from} and what follows it up to {@code through}:
     * all of it belongs to the file already judged.
     */
    private void skip(int k, long from, long through) {
        List<Long> skipped = LongStream.rangeClosed(from, Math.max(from, Math.min(through, from + SKIP_BATCH - 1)))
                .boxed().toList();
        sb.replicator(k).call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(skipped, false, null));
    }

    private void recoverNative(String gtid) {
        long deadline = System.nanoTime() + Await.scaled(RECOVERY_TIME).toNanos();
        for (int step = 0; step < MAX_RECOVERY_STEPS; step++) {
            CatchUp c = awaitNative(gtid);
            if (c.ending() == Ending.APPLIED) {
                return;
            }
            if (c.ending() == Ending.BEHIND && System.nanoTime() > deadline) {
                throw new AssertionError("The native replica has not applied " + gtid + " after "
                        + RECOVERY_TIME.toMinutes() + " minutes: " + c.message());
            }
            if (c.ending() == Ending.STOPPED) {
                nativeReplica.skipOne();
            }
        }
        throw new AssertionError("The native replica still stops with errors after " + MAX_RECOVERY_STEPS
                + " skips: " + nativeReplica.slaveStatus());
    }

    /**
     * Drops every user schema, every account not in {@code known} and every server definition,
     * then creates an empty {@code test} database; binlogged only when {@code replicated}.
     */
    private static void dropEverything(Connection c, Set<String> known, boolean replicated) {
        List<String> sql = new ArrayList<>(List.of("SET SESSION sql_log_bin = " + (replicated ? 1 : 0),
                "SET SESSION foreign_key_checks = 0", "SET SESSION lock_wait_timeout = 60"));
        for (String schema : SchemaSnapshot.userSchemas(c)) {
            sql.add("DROP DATABASE IF EXISTS " + SchemaSnapshot.ident(schema));
        }
        for (List<Object> r : Sql.query(c, "SELECT User, Host, is_role FROM mysql.user")) {
            String user = SchemaSnapshot.quote(String.valueOf(r.get(0)));
            String account = user + "@" + SchemaSnapshot.quote(String.valueOf(r.get(1)));
            if (!known.contains(account)) {
                sql.add("Y".equals(r.get(2)) ? "DROP ROLE IF EXISTS " + user : "DROP USER IF EXISTS " + account);
            }
        }
        for (List<Object> r : Sql.query(c, "SELECT Server_name FROM mysql.servers")) {
            sql.add("DROP SERVER IF EXISTS " + SchemaSnapshot.ident(r.get(0)));
        }
        sql.add("CREATE DATABASE IF NOT EXISTS test");
        Sql.exec(c, sql.toArray(String[]::new));
    }

    private void verifyClean() {
        SortedMap<String, String> master = snapshot("host1");
        List<String> problems = new ArrayList<>();
        if (!master.keySet().equals(Set.of("schema test"))) {
            problems.add("host1 holds " + master.keySet());
        }
        for (String label : labels().subList(1, labels().size())) {
            problems.addAll(SchemaSnapshot.diff(master, snapshot(label), "host1", label, 3));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("Cannot bring every server back to a clean state: " + String.join("\n", problems));
        }
    }

    /** Runs {@code what} against every server, master first. */
    void forEach(String what, Consumer<Connection> action) {
        for (String label : labels()) {
            try (Connection c = connect(label)) {
                action.accept(c);
            } catch (SQLException | RuntimeException e) {
                throw new IllegalStateException("Cannot " + what + " on " + label + ": " + e.getMessage(), e);
            }
        }
    }
}
