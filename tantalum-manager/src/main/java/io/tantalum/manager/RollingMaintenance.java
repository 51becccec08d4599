package io.tantalum.manager;

import io.tantalum.api.AdminClient;
import io.tantalum.api.ManagerApi;
import io.tantalum.api.ManagerApi.HostJob;
import io.tantalum.api.ManagerApi.HostJobRequest;
import io.tantalum.api.ManagerApi.MaintenanceRequest;
import io.tantalum.api.ManagerApi.MaintenanceStep;
import io.tantalum.api.ManagerApi.MaintenanceView;
import io.tantalum.api.ReplicatorApi;
import io.tantalum.api.ReplicatorStatus;
import io.tantalum.common.Deadline;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import io.tantalum.manager.RollingPlan.Action;
import io.tantalum.manager.RollingPlan.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cctrl rolling-maintenance}: runs a {@link RollingPlan} step by step on the coordinator, in a
 * thread of its own, with its progress in ZooKeeper ({@link MaintenanceRun}) after every step. Each
 * step takes the coordinator's lock only for what it changes, as an operator's command would, so
 * failure detection and failover go on between steps and during long ones (a script, a catch-up).
 * Only the host being maintained leaves automatic management (it is shunned {@code MAINTENANCE}).
 *
 * <p>A failed step stops the run ({@code FAILED}), leaving that host as the step left it and the
 * others in service; {@code resume} runs the failed step again and goes on. A run whose coordinator
 * died or lost the lead shows as {@code INTERRUPTED} and is resumed the same way; the step that was
 * running is run again, so every step is written to be run twice safely.
 */
final class RollingMaintenance {
    private static final Logger LOG = LoggerFactory.getLogger(RollingMaintenance.class);
    static final String SHUN_REASON = "MAINTENANCE";
    static final String INTERRUPTED = "INTERRUPTED";
    /** The longest a slave may take to catch up after its maintenance. */
    private static final Duration CATCH_UP_LIMIT = Duration.ofMinutes(60);
    private static final long PROGRESS_EVERY_MILLIS = 2000;

    private final Coordinator coordinator;
    private final Dataservice ds;
    private final ZkStore store;
    private final Leadership leader;
    private volatile Thread runner;

    /** A MAINTAIN step without a script: the run waits for the operator's {@code continue}. */
    private static final class Pause extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Pause(String message) {
            super(message, null, false, false);
        }
    }

    /** The run was aborted (or taken over) while a step waited, or the manager is stopping. */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super(null, null, false, false);
        }
    }

    RollingMaintenance(Coordinator coordinator, Dataservice ds, ZkStore store, Leadership leader) {
        this.coordinator = coordinator;
        this.ds = ds;
        this.store = store;
        this.leader = leader;
    }

    MaintenanceView handle(MaintenanceRequest q) {
        String action = q.action() == null ? "" : q.action().toLowerCase(Locale.ROOT);
        return switch (action) {
            case "dry-run" -> dryRun(q);
            case "start" -> start(q);
            case "status" -> status();
            case "continue" -> continueRun();
            case "abort" -> abort();
            case "resume" -> resume();
            default -> throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown rolling-maintenance action '"
                    + q.action() + "': start, dry-run, status, continue, abort or resume");
        };
    }

    private static RollingPlan.Options options(MaintenanceRequest q) {
        if (q.script() != null && !HostJobs.NAME.matcher(q.script()).matches()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Refused the script '" + q.script() + "': a rolling"
                    + " maintenance runs only scripts of each host's maintenance directory, named without a path"
                    + " (letters, digits, '.', '_', '-'). Nothing was changed.");
        }
        if (q.scriptTimeoutSeconds() < 0) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "--script-timeout must be a number of seconds, not "
                    + q.scriptTimeoutSeconds() + ". Nothing was changed.");
        }
        return new RollingPlan.Options(q.order(), !q.noSwitchBack(), q.script(), q.args(), q.scriptTimeoutSeconds());
    }

    private MaintenanceView dryRun(MaintenanceRequest q) {
        Topology t = coordinator.ensureTopology().value();
        List<Step> steps = RollingPlan.plan(t, options(q));
        List<MaintenanceStep> view = steps.stream().map(s -> new MaintenanceStep(s.number(), s.action().name(),
                s.host(), s.command(), "pending", 0, null)).toList();
        return new MaintenanceView(null, "PLANNED", "dry run: nothing was changed; " + steps.size() + " steps",
                1, steps.size(), 0, 0, leader.host(), view, RollingPlan.table(t, steps));
    }

    private synchronized MaintenanceView start(MaintenanceRequest q) {
        Optional<ZkStore.Versioned<MaintenanceRun>> last = store.maintenance();
        if (last.isPresent()) {
            MaintenanceRun r = last.get().value();
            if (!r.finished() && !MaintenanceRun.ABORTED.equals(r.state())) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot start a rolling maintenance: "
                        + r.id() + " is " + displayState(r) + " at step " + (r.next() + 1) + " of " + r.steps().size()
                        + ". Resume it (`rolling-maintenance resume`) or abort it (`rolling-maintenance abort`) first."
                        + " Nothing was changed.");
            }
        }
        Topology t = coordinator.ensureTopology().value();
        RollingPlan.Options o = options(q);
        List<Step> steps = RollingPlan.plan(t, o);
        List<String> unfit = t.datasources().entrySet().stream().filter(e -> e.getValue().state()
                != DatasourceState.ONLINE).map(e -> e.getKey() + " is " + e.getValue().display()).toList();
        if (!unfit.isEmpty()) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot start a rolling maintenance: every"
                    + " datasource must be ONLINE first (" + String.join("; ", unfit) + "). Nothing was changed.");
        }
        if (o.script() != null) {
            for (String h : t.datasources().keySet()) {
                // the script must exist on every host before anything changes
                ds.manager(h).call(ManagerApi.HOST_JOB, new HostJobRequest("check", "script", o.script(), List.of(), 0,
                        null));
            }
        }
        long now = System.currentTimeMillis();
        String id = "maintenance-" + UUID.randomUUID().toString().substring(0, 8);
        MaintenanceRun run = new MaintenanceRun(id, o, t.master(), steps, List.of(), 0, MaintenanceRun.RUNNING,
                "starting", leader.host(), now, now);
        store.writeMaintenance(run, last.map(ZkStore.Versioned::version).orElse(-1));
        coordinator.audit("maintenance", "START", "ok", 0, id + ": " + steps.size() + " steps, order "
                + String.join(",", steps.stream().filter(s -> s.action() == Action.SHUN).map(Step::host).toList())
                + (o.script() == null ? ", pausing for the operator at each host" : ", script " + o.script()));
        launch();
        MaintenanceView v = status();
        return new MaintenanceView(v.id(), v.state(), v.detail(), v.next(), v.total(), v.startedMillis(),
                v.elapsedMillis(), v.runner(), v.steps(), RollingPlan.table(t, steps));
    }

    private synchronized MaintenanceView continueRun() {
        ZkStore.Versioned<MaintenanceRun> v = current();
        MaintenanceRun r = v.value();
        if (!MaintenanceRun.PAUSED.equals(r.state())) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot continue " + r.id() + ": it is "
                    + displayState(r) + ", not waiting for the operator. (`rolling-maintenance resume` goes on after"
                    + " a failure or an interruption.)");
        }
        Step s = r.steps().get(r.next());
        store.writeMaintenance(r.stepEnded("ok", 0, "done by the operator").with(MaintenanceRun.RUNNING,
                "going on after the maintenance of " + s.host(), leader.host()), v.version());
        coordinator.audit("maintenance", "CONTINUE", "ok", 0, r.id() + ": step " + s.number() + " (MAINTAIN " + s.host()
                + ") done by the operator");
        launch();
        return status();
    }

    private synchronized MaintenanceView abort() {
        ZkStore.Versioned<MaintenanceRun> v = current();
        MaintenanceRun r = v.value();
        if (r.finished() || MaintenanceRun.ABORTED.equals(r.state())) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot abort " + r.id() + ": it is already "
                    + r.state() + ".");
        }
        Step s = r.steps().get(r.next());
        String detail = "aborted by the operator before step " + s.number() + " (" + s.action() + " " + s.host()
                + "); the hosts stay as they are: `cctrl ls` shows them. `rolling-maintenance resume` goes on from"
                + " there; or bring " + s.host() + " back by hand (`datasource " + s.host() + " welcome`).";
        store.writeMaintenance(r.with(MaintenanceRun.ABORTED, detail, r.runner()), v.version());
        // the runner stops at its next look at the record: after the current step, or at once when that step
        // waits (a catch-up, a script: the script itself runs to its end on its host)
        coordinator.audit("maintenance", "ABORT", "ok", 0, r.id() + ": " + detail);
        return status();
    }

    private synchronized MaintenanceView resume() {
        ZkStore.Versioned<MaintenanceRun> v = current();
        MaintenanceRun r = v.value();
        String state = displayState(r);
        if (!List.of(MaintenanceRun.FAILED, MaintenanceRun.ABORTED, INTERRUPTED).contains(state)) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot resume " + r.id() + ": it is " + state
                    + (MaintenanceRun.PAUSED.equals(state) ? "; after the maintenance, `rolling-maintenance continue`"
                            : "") + ".");
        }
        Step s = r.steps().get(r.next());
        store.writeMaintenance(r.with(MaintenanceRun.RUNNING, "resumed at step " + s.number() + " (" + s.action() + " "
                + s.host() + ")", leader.host()), v.version());
        coordinator.audit("maintenance", "RESUME", "ok", 0, r.id() + ": from step " + s.number() + " (" + s.action()
                + " " + s.host() + "), was " + state);
        launch();
        return status();
    }

    MaintenanceView status() {
        ZkStore.Versioned<MaintenanceRun> v = current();
        MaintenanceRun r = v.value();
        List<MaintenanceStep> steps = new ArrayList<>();
        String state = displayState(r);
        for (int i = 0; i < r.steps().size(); i++) {
            Step s = r.steps().get(i);
            int number = s.number();
            Optional<MaintenanceRun.StepResult> done = r.results().stream().filter(x -> x.number() == number)
                    .findFirst();
            String outcome;
            if (i < r.next()) {
                outcome = done.map(MaintenanceRun.StepResult::outcome).orElse("ok");
            } else if (i == r.next() && done.isPresent()) {
                outcome = done.get().outcome(); // failed
            } else if (i == r.next() && MaintenanceRun.RUNNING.equals(state)) {
                outcome = "running";
            } else if (i == r.next() && MaintenanceRun.PAUSED.equals(state)) {
                outcome = "waiting";
            } else {
                outcome = "pending";
            }
            steps.add(new MaintenanceStep(number, s.action().name(), s.host(), s.command(), outcome,
                    done.map(MaintenanceRun.StepResult::millis).orElse(0L),
                    done.map(MaintenanceRun.StepResult::detail).orElse(null)));
        }
        long end = r.finished() || MaintenanceRun.ABORTED.equals(r.state()) ? r.updatedMillis()
                : System.currentTimeMillis();
        String detail = INTERRUPTED.equals(state) ? "interrupted at step " + (r.next() + 1) + ": the coordinator that"
                + " ran it (" + r.runner() + ") stopped or lost the lead; `rolling-maintenance resume` goes on from"
                + " there (that step is run again)" : r.detail();
        return new MaintenanceView(r.id(), state, detail, r.next() + 1, r.steps().size(), r.startedMillis(),
                end - r.startedMillis(), r.runner(), steps, null);
    }

    private ZkStore.Versioned<MaintenanceRun> current() {
        return store.maintenance().orElseThrow(() -> new TantalumException(ErrorCode.FAILED_PRECONDITION, "No"
                + " rolling maintenance has run in " + ds.settings().service() + ". Start one with"
                + " `rolling-maintenance` (see `rolling-maintenance --dry-run`)."));
    }

    /** RUNNING on a coordinator that no longer runs it shows as INTERRUPTED. */
    private String displayState(MaintenanceRun r) {
        if (MaintenanceRun.RUNNING.equals(r.state())) {
            Thread t = runner;
            boolean alive = leader.host().equals(r.runner()) && leader.holds() && t != null && t.isAlive();
            return alive ? MaintenanceRun.RUNNING : INTERRUPTED;
        }
        return r.state();
    }

    private void launch() {
        Thread t = runner;
        if (t != null && t.isAlive()) {
            return; // it picks up the record's new state between steps
        }
        runner = Threads.start(ds.settings().service() + "-maintenance", this::run);
    }

    /** The runner: one step at a time until the run ends, pauses, fails or is taken from it. */
    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            if (!leader.holds()) {
                LOG.warn("rolling maintenance: this manager is no longer the coordinator; the run stops here");
                return;
            }
            ZkStore.Versioned<MaintenanceRun> v;
            try {
                v = current();
            } catch (TantalumException e) {
                LOG.warn("rolling maintenance: cannot read the run: {}", e.getMessage());
                return;
            }
            MaintenanceRun r = v.value();
            if (!MaintenanceRun.RUNNING.equals(r.state()) || !leader.host().equals(r.runner())) {
                return;
            }
            if (r.next() >= r.steps().size()) {
                String done = "done: " + r.steps().size() + " steps in " + (System.currentTimeMillis()
                        - r.startedMillis()) / 1000 + " s; " + coordinator.ensureTopology().value().master()
                        + " is the master";
                write(r.with(MaintenanceRun.DONE, done, r.runner()), v.version());
                coordinator.audit("maintenance", "DONE", "ok", 0, r.id() + ": " + done);
                return;
            }
            Step s = r.steps().get(r.next());
            int version = write(r.with(MaintenanceRun.RUNNING, "step " + s.number() + " of " + r.steps().size() + ": "
                    + s.action() + " " + s.host(), r.runner()), v.version());
            if (version < 0) {
                return;
            }
            long t0 = System.nanoTime();
            try {
                String detail = execute(r.id(), s, r.options());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String outcome = detail.startsWith("skipped") ? "skipped" : "ok";
                ZkStore.Versioned<MaintenanceRun> latest = current();
                write(latest.value().stepEnded(outcome, ms, detail), latest.version());
                coordinator.audit("maintenance", s.action().name(), outcome, ms, r.id() + ": step " + s.number() + " "
                        + s.host() + ": " + firstLine(detail));
            } catch (Pause p) {
                ZkStore.Versioned<MaintenanceRun> latest = current();
                write(latest.value().with(MaintenanceRun.PAUSED, p.getMessage(), r.runner()), latest.version());
                coordinator.audit("maintenance", "MAINTAIN", "waiting", 0, r.id() + ": " + p.getMessage());
                return;
            } catch (Stopped e) {
                return;
            } catch (RuntimeException e) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String why = "step " + s.number() + " (" + s.action() + " " + s.host() + ") failed: " + e.getMessage()
                        + " " + s.host() + " is left as the step left it; the other hosts are in service. Fix the"
                        + " cause, then `rolling-maintenance resume` runs this step again and goes on (or"
                        + " `rolling-maintenance abort`).";
                LOG.warn("rolling maintenance {}: {}", r.id(), why);
                try {
                    ZkStore.Versioned<MaintenanceRun> latest = current();
                    write(latest.value().stepEnded("failed", ms, e.getMessage()).with(MaintenanceRun.FAILED, why,
                            r.runner()), latest.version());
                } catch (RuntimeException again) {
                    LOG.warn("rolling maintenance {}: cannot record the failure: {}", r.id(), again.getMessage());
                }
                coordinator.audit("maintenance", s.action().name(), "failed", ms, r.id() + ": " + why);
                return;
            }
        }
    }

    /** Writes the record; -1 when it changed under the runner (aborted, or resumed elsewhere): the runner stops. */
    private int write(MaintenanceRun r, int version) {
        try {
            return store.writeMaintenance(r, version);
        } catch (TantalumException e) {
            if (e.code() == ErrorCode.ABORTED) {
                LOG.info("rolling maintenance {}: the record changed under the runner ({}); it stops", r.id(),
                        e.getMessage());
                return -1;
            }
            throw e;
        }
    }

    /** Runs one step; returns what it did. Each is safe to run again after an interruption. */
    private String execute(String id, Step s, RollingPlan.Options o) {
        String h = s.host();
        return switch (s.action()) {
            case SHUN -> coordinator.shunForMaintenance(h, SHUN_REASON);
            case OFFLINE -> offline(h);
            case MAINTAIN -> {
                if (o.script() == null) {
                    throw new Pause("waiting for the operator: do the maintenance of " + h + " (its replicator is"
                            + " offline, it gets no reads), then run `cctrl -e \"rolling-maintenance continue\"`");
                }
                HostJob j = job(id, h, new HostJobRequest("start", "script", o.script(), o.args(),
                        o.scriptTimeoutSeconds(), null));
                if (j.exitCode() == null || j.exitCode() != 0) {
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "the script " + o.script() + " on " + h
                            + " exited " + j.exitCode() + " after " + j.millis() + " ms; its output ends with: "
                            + lastLines(j.output(), 15));
                }
                yield "script " + o.script() + " exited 0 in " + j.millis() + " ms: " + lastLines(j.output(), 15);
            }
            case VALIDATE -> {
                HostJob j = job(id, h, new HostJobRequest("start", "validate", null, List.of(), 0, null));
                if (j.exitCode() == null || j.exitCode() >= 2) {
                    throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "tpm validate --host " + h + " found"
                            + " errors (exit " + j.exitCode() + "): " + lastLines(j.output(), 20));
                }
                yield "tpm validate --host " + h + (j.exitCode() == 1 ? " passed with warnings: " : " passed: ")
                        + lastLines(j.output(), j.exitCode() == 1 ? 20 : 1);
            }
            case ONLINE -> online(h);
            case CATCH_UP -> catchUp(id, h);
            case WELCOME -> coordinator.datasource(h, "welcome").message();
            case SWITCH -> {
                String master = coordinator.ensureTopology().value().master();
                if (master.equals(h)) {
                    yield "skipped: " + h + " is already the master";
                }
                // the switch's preflight reads the managers' observations, which trail the WELCOME just done
                Deadline.in(ds.settings().phaseTimeout()).await(h + "'s manager to report an ONLINE slave", 100, () -> {
                    Observation ob = store.observations().get(h);
                    return ob != null && ob.replicatorOnline() && "slave".equals(ob.replicatorRole());
                });
                yield coordinator.switchTo(h).message();
            }
        };
    }

    private String offline(String h) {
        AdminClient r = ds.replicator(h);
        if (!r.call(ReplicatorApi.STATUS).state().startsWith("OFFLINE")) {
            r.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false));
        }
        Deadline.in(ds.settings().phaseTimeout()).await(h + "'s replicator to be OFFLINE", 50,
                () -> r.call(ReplicatorApi.STATUS).state().startsWith("OFFLINE"));
        return h + ": replicator " + r.call(ReplicatorApi.STATUS).state();
    }

    private String online(String h) {
        AdminClient r = ds.replicator(h);
        ReplicatorStatus s = r.call(ReplicatorApi.STATUS);
        if (!"ONLINE".equals(s.state())) {
            if ("OFFLINE:ERROR".equals(s.state())) {
                r.call(ReplicatorApi.OFFLINE, new ReplicatorApi.OfflineRequest(false)); // a database restart's error
            }
            try {
                r.call(ReplicatorApi.ONLINE, new ReplicatorApi.OnlineRequest(List.of(), false, null));
            } catch (TantalumException e) {
                if (!e.getMessage().contains("already online")) {
                    throw e;
                }
            }
        }
        Deadline.in(ds.settings().phaseTimeout()).await(h + "'s replicator to be ONLINE", 100, () -> {
            ReplicatorStatus now = r.call(ReplicatorApi.STATUS);
            if ("OFFLINE:ERROR".equals(now.state())) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, h + "'s replicator stopped in error: "
                        + now.pendingError());
            }
            return "ONLINE".equals(now.state());
        });
        return h + ": replicator ONLINE";
    }

    /** A heartbeat through the master, then the host applies up to it; progress in the record every 2 s. */
    private String catchUp(String id, String h) {
        String master = coordinator.ensureTopology().value().master();
        long target = ds.replicator(master).call(ReplicatorApi.HEARTBEAT, new ReplicatorApi.HeartbeatRequest(
                "rolling-maintenance")).seqno();
        AdminClient r = ds.replicator(h);
        long t0 = System.nanoTime();
        long deadline = t0 + CATCH_UP_LIMIT.toNanos();
        long lastProgress = 0;
        while (true) {
            ReplicatorStatus s = r.call(ReplicatorApi.STATUS);
            if (s.appliedLastSeqno() >= target) {
                return h + " applied the master's heartbeat (seqno " + target + ") in " + (System.nanoTime() - t0)
                        / 1_000_000 + " ms";
            }
            if ("OFFLINE:ERROR".equals(s.state())) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, h + "'s replicator stopped in error while"
                        + " catching up: " + s.pendingError());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, h + " did not catch up within "
                        + CATCH_UP_LIMIT.toMinutes() + " min (applied seqno " + s.appliedLastSeqno() + " of " + target
                        + ")");
            }
            long now = System.currentTimeMillis();
            if (now - lastProgress >= PROGRESS_EVERY_MILLIS) {
                lastProgress = now;
                progress(id, "catching up: " + h + " applied seqno " + s.appliedLastSeqno() + " of " + target
                        + String.format(Locale.ROOT, " (%.0f tx/s, about %.0f s left)", s.appliedRatePerSecond(),
                                s.estimatedCatchupSeconds()));
            }
            pause(200);
        }
    }

    /** Starts a job on the host's manager and polls it to its end; progress in the record every 2 s. */
    private HostJob job(String id, String host, HostJobRequest start) {
        AdminClient m = ds.manager(host);
        HostJob j = m.call(ManagerApi.HOST_JOB, start);
        long lastProgress = System.currentTimeMillis();
        while (j.running()) {
            pause(500);
            j = m.call(ManagerApi.HOST_JOB, new HostJobRequest("poll", null, null, null, 0, j.id()));
            if (System.currentTimeMillis() - lastProgress >= PROGRESS_EVERY_MILLIS) {
                lastProgress = System.currentTimeMillis();
                progress(id, j.kind() + " on " + host + " running for " + j.millis() / 1000 + " s: "
                        + lastLines(j.output(), 1));
            }
        }
        return j;
    }

    /** Updates the run's detail while a step waits; stops the step when the run was aborted or taken over. */
    private void progress(String id, String detail) {
        ZkStore.Versioned<MaintenanceRun> v = current();
        MaintenanceRun r = v.value();
        if (!r.id().equals(id) || !MaintenanceRun.RUNNING.equals(r.state()) || !leader.host().equals(r.runner())) {
            throw new Stopped();
        }
        write(r.with(MaintenanceRun.RUNNING, "step " + (r.next() + 1) + " of " + r.steps().size() + ": " + detail,
                r.runner()), v.version());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stopped();
        }
    }

    static String lastLines(String output, int n) {
        if (output == null || output.isBlank()) {
            return "(no output)";
        }
        List<String> lines = output.strip().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private static String firstLine(String s) {
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i) + " ...";
    }
}
