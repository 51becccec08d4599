package io.tantalum.replicator;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.internal.Jdbc;
import io.tantalum.replicator.internal.MasterSessionStore;
import io.tantalum.replicator.internal.Pipeline;
import io.tantalum.replicator.internal.apply.Catalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code trepctl reset} and {@code trepctl purge}: operations on files and sessions, run while safe. */
final class Resets {
    private static final Logger LOG = LoggerFactory.getLogger(Resets.class);

    private Resets() {}

    /** Deletes the THL files and/or the catalog schema; the replicator is offline. */
    static void reset(ReplicatorSettings s, ReplicatorEvent.Reset r, Pipeline.Applied lastApplied) {
        if (r.thl()) {
            int n = 0;
            try (Stream<Path> files = Files.exists(s.thlDirectory()) ? Files.list(s.thlDirectory()) : Stream.empty()) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("thl.data.")).toList()) {
                    Files.delete(f);
                    n++;
                }
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot delete THL files in " + s.thlDirectory()
                        + ": " + e, e);
            }
            if (MasterSessionStore.delete(s.thlDirectory())) {
                n++;
            }
            LOG.warn("reset: deleted {} THL file(s) in {} (last applied position was {})", n, s.thlDirectory(),
                    lastApplied == null ? "unknown" : lastApplied.seqno());
        }
        if (r.db()) {
            Catalog catalog = new Catalog(s.service());
            try (Connection c = Jdbc.connect(s)) {
                catalog.drop(c);
            } catch (SQLException e) {
                throw Jdbc.unavailable(s, e);
            }
            LOG.warn("reset: dropped catalog schema {}", catalog.schema());
        }
    }

    /**
     * Prepares a master for a switch, or fences it: sets {@code read_only=ON} so that applications
     * can no longer write, and ends every client session except replication's and this
     * replicator's (an open transaction is rolled back). Returns how many sessions were ended.
     *
     * <p>{@code read_only=ON} waits for the commits in flight, and a semi-synchronous commit waits
     * for a slave's acknowledgement: on a master cut off from its slaves, until the semi-sync
     * timeout, after which it commits and its client gets OK for a transaction no slave has. So
     * when read_only is not set at once, the sessions are ended while it waits (a commit ended
     * that way never tells its client OK), again every 100 ms, and once more when it is set.
     */
    static int purgeSessions(ReplicatorSettings s) {
        Set<Long> ended = new HashSet<>();
        CompletableFuture<Void> readOnly = CompletableFuture.runAsync(() -> {
            try (Connection c = Jdbc.connect(s); Statement st = c.createStatement()) {
                st.execute("SET GLOBAL read_only=ON");
            } catch (SQLException e) {
                throw Jdbc.unavailable(s, e);
            }
        });
        try (Connection c = Jdbc.connect(s); Statement st = c.createStatement()) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            try {
                readOnly.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                while (!readOnly.isDone() && System.nanoTime() < deadline) {
                    endSessions(st, s, ended);
                    try {
                        readOnly.get(100, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException again) {
                        // commits still waiting: end the sessions that came since
                    }
                }
            }
            readOnly.get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L),
                    TimeUnit.MILLISECONDS);
            endSessions(st, s, ended);
        } catch (SQLException e) {
            throw Jdbc.unavailable(s, e);
        } catch (ExecutionException e) {
            throw TantalumException.wrap(e.getCause(), ErrorCode.UNAVAILABLE, "Cannot set read_only=ON");
        } catch (TimeoutException e) {
            throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "read_only=ON was not set within 60 s on "
                    + s.dbHost() + ":" + s.dbPort() + ": a statement holds it back (see SHOW PROCESSLIST)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while setting read_only=ON", e);
        }
        LOG.warn("purge: database set read_only=ON and {} client session(s) ended", ended.size());
        return ended.size();
    }

    /** Ends every client session but replication's and this replicator's, adding their ids to {@code ended}. */
    private static void endSessions(Statement st, ReplicatorSettings s, Set<Long> ended)
            throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID()"
                + " AND command NOT IN ('Binlog Dump', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')"
                + " AND user NOT IN ('system user', 'event_scheduler', 'unauthenticated user', '"
                + s.dbUser().replace("'", "''") + "')")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        for (long id : ids) {
            try {
                st.execute("KILL CONNECTION " + id);
            } catch (SQLException e) {
                if (e.getErrorCode() != 1094) {
                    throw e;
                }
                // the session ended on its own
            }
            ended.add(id);
        }
    }
}
