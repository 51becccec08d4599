package io.tantalum.replicator;

import io.tantalum.api.AdminHttpServer;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorApi.StopPoint;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.net.URI;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Serves {@link ReplicatorApi} for one replicator: each endpoint mapped to the replicator's commands. */
public final class AdminServer implements AutoCloseable {
    private final AdminHttpServer http;
    private final Replicator replicator;

    public AdminServer(Replicator replicator) {
        this.replicator = replicator;
        ReplicatorSettings s = replicator.settings();
        http = new AdminHttpServer(new AdminHttpServer.Options(s.service(), s.bindAddress(), s.adminPort(),
                s.security().adminToken(), s.security().tlsContext()));
        http.onView(ReplicatorApi.SERVICES, q -> new ReplicatorApi.ServicesReply(List.of(new ReplicatorApi.ServiceInfo(
                        s.service(), replicator.state().display(), replicator.role().display()))))
                .onView(ReplicatorApi.STATUS, q -> replicator.status())
                .onView(ReplicatorApi.STATUS_SECTION, q -> replicator.statusSection(q.name()))
                .on(ReplicatorApi.ONLINE, this::online)
                .on(ReplicatorApi.OFFLINE, q -> state(replicator.submit(new ReplicatorEvent.GoOffline(q.immediate()))))
                .on(ReplicatorApi.OFFLINE_DEFERRED, q -> {
                    OfflineTrigger t = trigger(q.at());
                    if (t.isEmpty()) {
                        throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "offline-deferred needs -at-seqno,"
                                + " -at-event, -at-heartbeat or -at-time");
                    }
                    replicator.offlineDeferred(t);
                    return new ReplicatorApi.OfflineDeferredReply(replicator.state().display(), t.describe());
                })
                .on(ReplicatorApi.SET_ROLE, this::setRole)
                .on(ReplicatorApi.FLUSH, q -> new ReplicatorApi.SeqnoReply(replicator.heartbeat("flush",
                        q.timeoutMillis() > 0 ? q.timeoutMillis() : 60_000)))
                .on(ReplicatorApi.HEARTBEAT, q -> new ReplicatorApi.SeqnoReply(replicator.heartbeat(
                        q.name() == null ? "heartbeat" : q.name(), 60_000)))
                .on(ReplicatorApi.RESET, q -> {
                    if (!q.thl() && !q.db()) {
                        throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "reset needs -all, -thl or -db");
                    }
                    return state(replicator.submit(new ReplicatorEvent.Reset(q.thl(), q.db())));
                })
                .on(ReplicatorApi.PURGE, q -> new ReplicatorApi.PurgeReply(replicator.purge()))
                .on(ReplicatorApi.BINLOG_ONLY, q -> replicator.binlogOnly(q.sql()))
                .onPublic(ReplicatorApi.HEALTH, q -> {
                    ReplicatorState st = replicator.state();
                    return new AdminHttpServer.Response<>(st == ReplicatorState.ONLINE ? 200 : 503,
                            new ReplicatorApi.StateReply(st.display()));
                })
                .onPublic(ReplicatorApi.HEALTH_MASTER, q -> ReplicatorHealth.check(replicator.status(), "master", null))
                .onPublic(ReplicatorApi.HEALTH_SLAVE, q -> ReplicatorHealth.check(replicator.status(), "slave", q.lag()))
                .onMetrics(replicator.metrics()::scrape);
        http.start();
    }

    private ReplicatorApi.StateReply online(ReplicatorApi.OnlineRequest q) {
        OfflineTrigger until = trigger(q.until());
        return state(replicator.submit(new ReplicatorEvent.GoOnline(new TreeSet<>(q.skipSeqno()), q.force(),
                q.forceDivergence(),                 until.isEmpty() ? null : until)));
    }

    private static OfflineTrigger trigger(StopPoint p) {
        StopPoint at = p == null ? StopPoint.NONE : p;
        return new OfflineTrigger(at.seqno(), at.event(), at.timeMillis(), at.heartbeat());
    }

    private ReplicatorApi.RoleReply setRole(ReplicatorApi.SetRoleRequest q) {
        ReplicatorSettings.Role role;
        URI uri;
        try {
            role = ReplicatorSettings.Role.parse(q.role() == null ? "" : q.role());
            uri = q.uri() == null ? null : ReplicatorSettings.thlUri(q.uri());
        } catch (RuntimeException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, e.getMessage());
        }
        String problem = uri == null ? null : replicator.settings().masterUriProblem(uri);
        if (problem != null) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "setrole -uri " + uri + ": " + problem);
        }
        ReplicatorState s = await(replicator.submit(new ReplicatorEvent.SetRole(role, uri)));
        return new ReplicatorApi.RoleReply(s.display(), replicator.role().display());
    }

    private static ReplicatorApi.StateReply state(CompletableFuture<ReplicatorState> f) {
        return new ReplicatorApi.StateReply(await(f).display());
    }

    private static ReplicatorState await(CompletableFuture<ReplicatorState> f) {
        try {
            return f.get(120, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new CompletionException(c);
        } catch (TimeoutException e) {
            throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "The replicator did not finish the command within"
                    + " 120s; it is still working on it. Check `trepctl status`.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
