package io.tantalum.manager;

import java.util.ArrayList;
import java.util.List;

/**
 * A rolling maintenance run as ZooKeeper keeps it ({@code /tantalum/<service>/maintenance}): the
 * plan, how far it got, and each finished step's outcome. Whoever resumes it (the same coordinator
 * or the next one) starts at {@link #next}: finished steps are never run again. Immutable.
 *
 * @param next the index in {@link #steps} of the step to run next
 * @param state RUNNING, PAUSED (waiting for {@code continue} at a MAINTAIN step), FAILED, ABORTED or DONE
 * @param detail what the run is doing, waiting for, or why it stopped, and what to do
 * @param runner the coordinator that runs (or ran) it
 * @param results one per finished step, in order; the last may be the failed attempt at {@code next}
 */
public record MaintenanceRun(String id, RollingPlan.Options options, String originalMaster, List<RollingPlan.Step> steps,
        List<StepResult> results, int next, String state, String detail, String runner, long startedMillis,
        long updatedMillis) {
    public static final String RUNNING = "RUNNING";
    public static final String PAUSED = "PAUSED";
    public static final String FAILED = "FAILED";
    public static final String ABORTED = "ABORTED";
    public static final String DONE = "DONE";

    /** A finished (or failed) step: {@code outcome} ok, skipped or failed. */
    public record StepResult(int number, String outcome, long millis, String detail) {}

    public MaintenanceRun {
        results = List.copyOf(results);
        steps = List.copyOf(steps);
    }

    boolean finished() {
        return DONE.equals(state);
    }

    MaintenanceRun with(String newState, String newDetail, String newRunner) {
        return new MaintenanceRun(id, options, originalMaster, steps, results, next, newState, newDetail, newRunner,
                startedMillis, System.currentTimeMillis());
    }

    /** The step at {@code next} ended with {@code outcome}; on ok or skipped the run moves past it. */
    MaintenanceRun stepEnded(String outcome, long millis, String stepDetail) {
        List<StepResult> r = new ArrayList<>(results.stream().filter(x -> x.number() != next + 1).toList());
        r.add(new StepResult(next + 1, outcome, millis, stepDetail));
        int n = "failed".equals(outcome) ? next : next + 1;
        return new MaintenanceRun(id, options, originalMaster, steps, r, n, state, detail, runner, startedMillis,
                System.currentTimeMillis());
    }
}
