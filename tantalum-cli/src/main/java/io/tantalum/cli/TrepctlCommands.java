package io.tantalum.cli;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorApi.StopPoint;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** The maintenance commands of {@code trepctl}: roles, flush, wait, heartbeat, reset, purge, qs. */
final class TrepctlCommands {
    private TrepctlCommands() {}

    static StopPoint point(Long seqno, String event, String heartbeat, String time) {
        return new StopPoint(seqno, event, heartbeat, time == null ? null : parseTime(time));
    }

    /** Accepts Tungsten's {@code YYYY-MM-DD_hh:mm:ss} (local time) or an ISO-8601 instant. */
    static long parseTime(String t) {
        try {
            return LocalDateTime.parse(t, DateTimeFormatter.ofPattern("yyyy-MM-dd_HH:mm:ss"))
                    .atZone(ZoneId.systemDefault()).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return Instant.parse(t).toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "'" + t + "' is not a time: use"
                        + " YYYY-MM-DD_hh:mm:ss (local time) or an ISO-8601 instant such as 2026-11-25T18:00:00Z");
            }
        }
    }

    /** The {@code -until-*} options of {@code online}. */
    static final class UntilPoint {
        @Option(names = "-until-seqno", description = "Go offline after this seqno.")
        Long seqno;

        @Option(names = "-until-event", description = "Go offline after this event id.")
        String event;

        @Option(names = "-until-heartbeat", arity = "0..1", fallbackValue = "*",
                description = "Go offline after the named heartbeat (any heartbeat without a name).")
        String heartbeat;

        @Option(names = "-until-time", description = "Go offline after the first transaction committed at or after"
                + " this time (YYYY-MM-DD_hh:mm:ss).")
        String time;

        StopPoint point() {
            return TrepctlCommands.point(seqno, event, heartbeat, time);
        }
    }

    /** The {@code -at-*} options of {@code offline-deferred}. */
    static final class AtPoint {
        @Option(names = "-at-seqno", description = "Go offline after this seqno.")
        Long seqno;

        @Option(names = "-at-event", description = "Go offline after this event id.")
        String event;

        @Option(names = "-at-heartbeat", arity = "0..1", fallbackValue = "*",
                description = "Go offline after the named heartbeat (any heartbeat without a name).")
        String heartbeat;

        @Option(names = "-at-time", description = "Go offline after the first transaction committed at or after"
                + " this time (YYYY-MM-DD_hh:mm:ss).")
        String time;

        StopPoint point() {
            return TrepctlCommands.point(seqno, event, heartbeat, time);
        }
    }

    /** Asks for confirmation on the terminal unless {@code -y} was given. */
    static boolean confirm(boolean yes, String question) {
        if (yes) {
            return true;
        }
        System.out.print(question + " [yes/NO] ");
        System.out.flush();
        try {
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            return answer != null && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
        } catch (IOException e) {
            return false;
        }
    }

    @Command(name = "offline-deferred", description = "Go offline when the replicator reaches a point.")
    static final class OfflineDeferred implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Mixin
        AtPoint at;

        @Override
        public Integer call() {
            StopPoint p = at.point();
            if (p.isEmpty()) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT,
                        "offline-deferred needs -at-seqno N, -at-event ID, -at-heartbeat [NAME] or -at-time TIME");
            }
            var r = parent.client().call(ReplicatorApi.OFFLINE_DEFERRED, new ReplicatorApi.OfflineDeferredRequest(p));
            System.out.println(parent.hostLabel() + ": " + r.state() + ", offline " + r.offlineRequests());
            return 0;
        }
    }

    @Command(name = "setrole", description = "Change the replicator's role (while offline).")
    static final class SetRole implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-role", required = true, description = "master or slave (primary/replica accepted).")
        String role;

        @Option(names = "-uri", description = "The master's THL, thl://host:port/ (slave only; sandbox names allowed).")
        String uri;

        @Override
        public Integer call() {
            var r = parent.client().call(ReplicatorApi.SET_ROLE, new ReplicatorApi.SetRoleRequest(role,
                    uri == null ? null : resolveUri(uri).toString()));
            System.out.println(parent.hostLabel() + ": role " + r.role() + ", " + r.state());
            return 0;
        }

        /** Checks a thl:// or thls:// URI and maps a sandbox host name to its address, keeping the scheme. */
        static URI resolveUri(String text) {
            URI u;
            try {
                u = URI.create(text.trim());
            } catch (IllegalArgumentException e) {
                u = null;
            }
            if (u == null || !("thl".equals(u.getScheme()) || "thls".equals(u.getScheme())) || u.getHost() == null) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "'" + text + "' is not a THL URI: use"
                        + " thl://HOST:PORT/, e.g. thl://host1:2112/ (thls:// when the service runs with TLS)");
            }
            HostResolver.Target t = HostResolver.resolve(u.getHost(), null);
            return URI.create(u.getScheme() + "://" + t.address() + ":" + (u.getPort() < 0 ? 2112 : u.getPort())
                    + "/");
        }
    }

    @Command(name = "flush", description = "Master: write a heartbeat through the database, wait until it is in the"
            + " THL, print its seqno.")
    static final class Flush implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-limit", defaultValue = "60", description = "Seconds to wait (default 60).")
        long limit;

        @Override
        public Integer call() {
            var r = parent.client().call(ReplicatorApi.FLUSH, new ReplicatorApi.FlushRequest(limit * 1000));
            System.out.println("Master log is synchronized with database at log sequence number: " + r.seqno());
            return 0;
        }
    }

    @Command(name = "heartbeat", description = "Master: write a named heartbeat through the database.")
    static final class Heartbeat implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-name", defaultValue = "NONE", description = "Heartbeat name.")
        String name;

        @Override
        public Integer call() {
            var r = parent.client().call(ReplicatorApi.HEARTBEAT, new ReplicatorApi.HeartbeatRequest(name));
            System.out.println(parent.hostLabel() + ": heartbeat " + name + " stored at seqno " + r.seqno());
            return 0;
        }
    }

    @Command(name = "wait", description = "Wait until a seqno is applied or a state is reached.")
    static final class Wait implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-applied", description = "Wait until appliedLastSeqno >= N.")
        Long applied;

        @Option(names = "-state", description = "Wait until the state is S (e.g. ONLINE, OFFLINE:NORMAL).")
        String state;

        @Option(names = "-limit", defaultValue = "0", description = "Seconds to wait at most (0: no limit).")
        long limit;

        @Override
        public Integer call() {
            if ((applied == null) == (state == null)) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "wait needs exactly one of -applied N or -state S");
            }
            AdminClient c = parent.client();
            long deadline = limit > 0 ? System.currentTimeMillis() + limit * 1000 : Long.MAX_VALUE;
            while (true) {
                ReplicatorStatus st = c.call(ReplicatorApi.STATUS);
                long seqno = st.appliedLastSeqno();
                if (applied != null ? seqno >= applied : state.equalsIgnoreCase(st.state())) {
                    System.out.println(parent.hostLabel() + ": " + st.state() + ", applied seqno " + seqno);
                    return 0;
                }
                if (applied != null && st.stuckInError()) {
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, parent.hostLabel() + " is OFFLINE:ERROR"
                            + " at applied seqno " + seqno + " and will not reach " + applied + ": " + st.pendingError());
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, "Timed out after " + limit + "s waiting for "
                            + parent.hostLabel() + (applied != null ? " to apply seqno " + applied + " (applied: " + seqno
                            : " to be " + state + " (state: " + st.state()) + ")");
                }
                Threads.sleep(200);
            }
        }
    }

    @Command(name = "reset", description = "Delete this service's THL and/or catalog (offline only).")
    static final class Reset implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-all", description = "THL and catalog.")
        boolean all;

        @Option(names = "-thl", description = "The THL files.")
        boolean thl;

        @Option(names = "-db", description = "The catalog schema (applied position).")
        boolean db;

        @Option(names = "-y", description = "Do not ask for confirmation.")
        boolean yes;

        @Override
        public Integer call() {
            boolean dropThl = all || thl;
            boolean dropDb = all || db;
            if (!dropThl && !dropDb) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "reset needs -all, -thl or -db");
            }
            AdminClient c = parent.client();
            String what = dropThl && dropDb ? "THL and catalog" : dropThl ? "THL" : "catalog";
            if (!confirm(yes, "Delete the " + what + " of service " + c.call(ReplicatorApi.STATUS).serviceName() + " on "
                    + parent.hostLabel() + "? This cannot be undone.")) {
                System.out.println("reset cancelled: nothing was deleted");
                return 1;
            }
            var r = c.call(ReplicatorApi.RESET, new ReplicatorApi.ResetRequest(dropThl, dropDb));
            System.out.println(parent.hostLabel() + ": " + what + " deleted, " + r.state());
            return 0;
        }
    }

    @Command(name = "purge", description = "Master, before a switch: set read_only=ON and end every client session"
            + " except replication's (going online as master sets read_only=OFF again).")
    static final class Purge implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-y", description = "Do not ask for confirmation.")
        boolean yes;

        @Override
        public Integer call() {
            AdminClient c = parent.client();
            if (!confirm(yes, "Make " + parent.hostLabel() + "'s database read-only and end every client session?")) {
                System.out.println("purge cancelled: no session was ended");
                return 1;
            }
            System.out.println(parent.hostLabel() + ": read_only=ON, ended " + c.call(ReplicatorApi.PURGE).killed()
                    + " client session(s)");
            return 0;
        }
    }

    @Command(name = "binlog-only", description = "Offline: list the transactions this host's database holds only"
            + " in its binlog (written after the last one its THL extracted, never extracted), and write them as SQL.")
    static final class BinlogOnly implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Option(names = "-sql", paramLabel = "FILE", description = "Write them to FILE as SQL (one transaction each).")
        java.nio.file.Path sqlFile;

        @Override
        public Integer call() throws IOException {
            ReplicatorApi.BinlogOnlyReply r = parent.client().call(ReplicatorApi.BINLOG_ONLY,
                    new ReplicatorApi.BinlogOnlyRequest(sqlFile != null));
            if (r.readFrom() == null) {
                System.out.println(parent.hostLabel() + ": its THL accounts for none of its binlog (it was not the"
                        + " master last): no binlog-only transactions to look for");
                return 0;
            }
            System.out.println(parent.hostLabel() + ": " + r.transactions().size() + " binlog-only transaction(s)"
                    + " after " + r.readFrom() + " (THL seqno " + r.thlSeqno() + ")");
            r.transactions().forEach(t -> System.out.println("  " + t));
            if (sqlFile != null) {
                java.nio.file.Files.writeString(sqlFile, r.sql(), StandardCharsets.UTF_8);
                System.out.println("SQL written to " + sqlFile + ": read it before running any of it on the master");
            }
            return 0;
        }
    }

    @Command(name = "qs", description = "One-screen summary: state, latency, how far behind, time to catch up.")
    static final class Qs implements Callable<Integer> {
        @ParentCommand
        TrepctlMain parent;

        @Override
        public Integer call() {
            ReplicatorStatus st = parent.client().call(ReplicatorApi.STATUS);
            System.out.printf("%s: %s %s, %s%n", parent.hostLabel(), st.state(), st.role(),
                    st.isMaster() ? "serving thl on " + st.masterListenUri() : "reading from " + st.masterConnectUri());
            System.out.printf("applied seqno %s (latency %ss, %s tx/s), stored %s..%s, epoch %s%n",
                    st.appliedLastSeqno(), st.appliedLatency(), st.appliedRatePerSecond(),
                    st.minimumStoredSeqNo(), st.maximumStoredSeqNo(), st.latestEpochNumber());
            long behind = st.behindSeqnos();
            double eta = st.estimatedCatchupSeconds();
            if (!st.isMaster()) {
                System.out.println(behind == 0 ? "caught up with the master"
                        : behind + " transaction(s) behind the master, " + (eta < 0 ? "not progressing"
                                : "caught up in about " + Math.round(eta) + "s"));
            }
            if (!"NONE".equals(st.pendingError())) {
                System.out.println("error at seqno " + st.pendingErrorSeqno() + ": " + st.pendingError());
            }
            return 0;
        }
    }
}
