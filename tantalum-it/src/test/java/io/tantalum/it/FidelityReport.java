package io.tantalum.it;

import io.tantalum.testkit.MariaDbTestRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-file results of {@link FidelityIT}, the rule that judges them, and the report.
 *
 * <p>The rule, per file, with the native MariaDB replica as the reference:
 * <ol>
 *   <li>the native replica is identical to the master: the Tantalum slave must be identical too,
 *       and must have applied everything (not stopped with an error, not still behind at the
 *       deadline);</li>
 *   <li>the native replica differs but applied everything ("MariaDB native replication differs
 *       too"): the Tantalum slave must have applied everything too, and may differ only on the
 *       objects on which the native replica differs as well;</li>
 *   <li>the native replica stopped with an error or was still behind ("MariaDB native replication
 *       fails too"): the file is reported, not judged.</li>
 * </ol>
 * Anything else is a failure: Tantalum is less faithful than MariaDB's own replication there.
 */
final class FidelityReport {
    private static final int DIFF_LINES = 8;

    /**
     * How one replica ended up after one file: how its wait ended (with its error, or why it was
     * behind), and what differs from the master.
     */
    record Replica(ReplicaSet.CatchUp catchUp, Set<String> differingObjects, List<String> diff) {
        boolean applied() {
            return catchUp.ending() == ReplicaSet.Ending.APPLIED;
        }

        boolean identical() {
            return applied() && differingObjects.isEmpty();
        }

        String summary() {
            return switch (catchUp.ending()) {
                case STOPPED -> "slave error";
                case BEHIND -> "not caught up";
                case APPLIED -> differingObjects.isEmpty() ? "identical" : "differs in " + differingObjects.size()
                        + (differingObjects.size() == 1 ? " object" : " objects");
            };
        }

        /** The error, or the first lines of the difference. */
        List<String> details(int max) {
            if (!applied()) {
                String m = catchUp.message();
                return List.of(m.length() > 600 ? m.substring(0, 597) + "..." : m);
            }
            List<String> out = new ArrayList<>(diff.subList(0, Math.min(max, diff.size())));
            if (diff.size() > max) {
                out.add("... and " + (diff.size() - max) + " more lines");
            }
            return out;
        }
    }

    /** The verdict on one file. */
    enum Verdict {
        /** The Tantalum slave is identical to the master, and so is the native replica. */
        OK,
        /** The native replica differs from the master too, and Tantalum is not worse. */
        NATIVE_DIFFERS_TOO,
        /** The native replica stopped with an error; the file is reported, not judged. */
        NATIVE_FAILS_TOO,
        /** The Tantalum slave is less faithful than the native replica. */
        FAIL
    }

    /**
     * How much was compared: the objects the master held at the end of the file, and the row
     * changes and statements it logged during the file.
     */
    record Compared(int objects, int changes) {
        private static final Pattern DIGEST = Pattern.compile("^(\\d+) changes, sha-256 ");

        /** Counts the entries of the master's snapshot and binlog changes (see FidelityIT). */
        Compared(Map<String, String> master) {
            this((int) master.keySet().stream().filter(k -> !k.startsWith("binlog ")).count(),
                    master.entrySet().stream().filter(e -> e.getKey().startsWith("binlog ")).mapToInt(e -> {
                        Matcher m = DIGEST.matcher(e.getValue());
                        return m.find() ? Integer.parseInt(m.group(1)) : e.getValue().split("\n").length;
                    }).sum());
        }
    }

    /**
     * One file: how the master ran it, the master's global variables it changed and did not set
     * back, how much was compared, and how each replica ended up.
     */
    record FileResult(String file, MariaDbTestRunner.Outcome run, List<String> changedGlobals, Compared compared,
            Replica tantalum, Replica nativeReplica) {
        Verdict verdict() {
            if (!nativeReplica.applied()) {
                return Verdict.NATIVE_FAILS_TOO;
            }
            if (!tantalum.applied()) {
                return Verdict.FAIL;
            }
            Set<String> worse = new TreeSet<>(tantalum.differingObjects());
            worse.removeAll(nativeReplica.differingObjects());
            if (!worse.isEmpty()) {
                return Verdict.FAIL;
            }
            return nativeReplica.identical() ? Verdict.OK : Verdict.NATIVE_DIFFERS_TOO;
        }

        String verdictText() {
            return switch (verdict()) {
                case OK -> "ok";
                case NATIVE_DIFFERS_TOO -> "MariaDB native replication differs too";
                case NATIVE_FAILS_TOO -> "MariaDB native replication fails too";
                case FAIL -> "FAIL";
            };
        }
    }

    private final List<FileResult> results = new ArrayList<>();

    void add(FileResult r) {
        results.add(r);
    }

    List<FileResult> failures() {
        return results.stream().filter(r -> r.verdict() == Verdict.FAIL).toList();
    }

    /**
     * The report: a table with a line per file (how the master ran it, how much was compared,
     * each replica, the verdict), a summary, then the details of every file on which a
     * replica is not identical or that the master did not run to the end.
     */
    String render(String title) {
        int width = Math.max(30, results.stream().mapToInt(r -> r.file().length()).max().orElse(30));
        String format = "%-" + width + "s | %-20s | %7s | %7s | %-22s | %-22s | %s%n";
        StringBuilder sb = new StringBuilder(title).append("\n\n");
        sb.append(String.format(format, "file", "master run", "objects", "changes", "Tantalum slave",
                "native replica", "verdict"));
        sb.append("-".repeat(width + 134)).append('\n');
        for (FileResult r : results) {
            sb.append(String.format(format, r.file(), runSummary(r.run()), r.compared().objects(),
                    r.compared().changes(), r.tantalum().summary(), r.nativeReplica().summary(), r.verdictText()));
        }
        sb.append("\n(objects: what the master held at the end of the file; changes: the row changes and statements"
                + " it logged during the file; both compared with each replica)\n");
        sb.append('\n').append(summary()).append("\n\nDetails of every file where a replica is not identical, or that"
                + " did not run to the end on the master:\n");
        for (FileResult r : results) {
            if (!r.tantalum().identical() || !r.nativeReplica().identical() || !r.run().completed()
                    || !r.changedGlobals().isEmpty()) {
                sb.append(details(r));
            }
        }
        return sb.toString();
    }

    String summary() {
        long identical = results.stream().filter(r -> r.tantalum().identical()).count();
        long nativeIdentical = results.stream().filter(r -> r.nativeReplica().identical()).count();
        long nativeErrors = results.stream().filter(r -> !r.nativeReplica().applied()).count();
        return String.format("%d files: the Tantalum slave is identical on %d, the native replica on %d (it differs on"
                + " %d, stops or lags on %d); %d failures (Tantalum less faithful than native).", results.size(),
                identical, nativeIdentical, results.size() - nativeIdentical - nativeErrors, nativeErrors,
                failures().size());
    }

    /** One file's details: the master run, then each replica's error or first differing lines. */
    static String details(FileResult r) {
        StringBuilder sb = new StringBuilder("\n").append(r.file()).append(" (").append(r.verdictText())
                .append(")\n  master run: ").append(r.run().summary()).append('\n');
        if (!r.changedGlobals().isEmpty()) {
            sb.append("  global variables it changed (set back): ").append(String.join(", ", r.changedGlobals()))
                    .append('\n');
        }
        sb.append("  Tantalum slave: ").append(r.tantalum().summary()).append('\n');
        r.tantalum().details(DIFF_LINES).forEach(l -> sb.append("    ").append(l).append('\n'));
        sb.append("  native replica: ").append(r.nativeReplica().summary()).append('\n');
        r.nativeReplica().details(DIFF_LINES).forEach(l -> sb.append("    ").append(l).append('\n'));
        return sb.toString();
    }

    /** The master run in a few words: "complete 1.2s", "stopped at 308/5336", "timed out 120s", "skipped 0.1s". */
    private static String runSummary(MariaDbTestRunner.Outcome run) {
        if (run.timedOut()) {
            return "timed out " + run.took().toSeconds() + "s";
        }
        if (run.completed() || run.skipped()) {
            return (run.completed() ? "complete " : "skipped ") + run.took().toMillis() / 100 / 10.0 + "s";
        }
        return run.stoppedAtLine() > 0 ? "stopped at " + run.stoppedAtLine() + "/" + run.lines()
                : "failed, exit " + run.exitCode();
    }
}
