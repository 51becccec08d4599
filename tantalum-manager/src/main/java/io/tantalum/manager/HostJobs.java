package io.tantalum.manager;

import io.tantalum.api.ManagerApi.HostJob;
import io.tantalum.api.ManagerApi.HostJobRequest;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance jobs a rolling maintenance runs on this manager's host: a script of the
 * installation's maintenance directory (only those: a name, never a path, and no shell), or
 * {@code tpm validate} of this host. A job runs detached with a time limit; its output (standard
 * output and error) is kept in a file and read back by polling, so a job may outlast any HTTP call.
 */
final class HostJobs {
    private static final Logger LOG = LoggerFactory.getLogger(HostJobs.class);
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    static final int DEFAULT_SCRIPT_SECONDS = 600;
    static final int VALIDATE_SECONDS = 120;
    private static final int OUTPUT_LIMIT = 64 * 1024;
    private static final int KEPT = 20;

    private final ManagerSettings settings;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, Job> jobs = new LinkedHashMap<>();

    private record Job(String id, String kind, Process process, Path output, long startedNanos, long deadlineNanos) {}

    HostJobs(ManagerSettings settings) {
        this.settings = settings;
    }

    synchronized HostJob handle(HostJobRequest q) {
        return switch (q.action() == null ? "" : q.action()) {
            case "start" -> start(q);
            case "poll" -> poll(q.id());
            case "check" -> new HostJob(null, settings.host(), q.kind(), false, 0, script(q.script()).toString(), 0);
            default -> throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown host job action '"
                    + q.action() + "': start, poll or check");
        };
    }

    private HostJob start(HostJobRequest q) {
        List<String> cmd;
        int limit;
        if ("validate".equals(q.kind())) {
            if (settings.ini() == null) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot validate " + settings.host()
                        + ": its manager's configuration names no INI file (manager.ini; written by tpm install since"
                        + " rolling maintenance exists). Run `tpm update`.");
            }
            String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"),
                    "bin", "java").toString());
            cmd = List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.tantalum.cli.TpmMain",
                    "validate", "--ini", settings.ini().toString(), "--host", settings.host());
            limit = VALIDATE_SECONDS;
        } else if ("script".equals(q.kind())) {
            cmd = new ArrayList<>();
            cmd.add(script(q.script()).toString());
            if (q.args() != null) {
                cmd.addAll(q.args());
            }
            limit = q.timeoutSeconds() > 0 ? q.timeoutSeconds() : DEFAULT_SCRIPT_SECONDS;
        } else {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Unknown host job kind '" + q.kind()
                    + "': script or validate");
        }
        String id = settings.host() + "-" + q.kind() + "-" + ids.incrementAndGet();
        try {
            Path output = Files.createTempFile("tantalum-" + id + "-", ".out");
            output.toFile().deleteOnExit();
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
            if (settings.maintenanceDirectory() != null && Files.isDirectory(settings.maintenanceDirectory())) {
                pb.directory(settings.maintenanceDirectory().toFile());
            }
            pb.environment().put("TANTALUM_SERVICE", settings.service());
            pb.environment().put("TANTALUM_HOST", settings.host());
            long now = System.nanoTime();
            Job job = new Job(id, q.kind(), pb.start(), output, now, now + TimeUnit.SECONDS.toNanos(limit));
            LOG.warn("maintenance job {} started: {}", id, String.join(" ", cmd.subList(0, Math.min(cmd.size(),
                    "validate".equals(q.kind()) ? 1 : cmd.size()))));
            jobs.put(id, job);
            while (jobs.size() > KEPT) {
                Job old = jobs.remove(jobs.keySet().iterator().next());
                old.process().destroyForcibly();
                Files.deleteIfExists(old.output());
            }
            return view(job);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot start " + String.join(" ", cmd) + " on "
                    + settings.host() + ": " + e.getMessage(), e);
        }
    }

    private HostJob poll(String id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "No maintenance job " + id + " on " + settings.host()
                    + " (its manager restarted, or the job is older than the last " + KEPT + ")");
        }
        if (job.process().isAlive() && System.nanoTime() - job.deadlineNanos() > 0) {
            LOG.warn("maintenance job {} ran out of time: killed", id);
            job.process().descendants().forEach(ProcessHandle::destroyForcibly);
            job.process().destroyForcibly();
            try {
                job.process().waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return view(job);
    }

    private HostJob view(Job job) {
        boolean running = job.process().isAlive();
        Integer exit = running ? null : job.process().exitValue();
        boolean timedOut = !running && System.nanoTime() - job.deadlineNanos() > 0 && exit != 0;
        String out = tail(job.output()) + (timedOut ? "\n(killed: it ran longer than its time limit)" : "");
        return new HostJob(job.id(), settings.host(), job.kind(), running, exit, out,
                (System.nanoTime() - job.startedNanos()) / 1_000_000);
    }

    /** The script {@code name} of the maintenance directory: a plain name, a regular executable file inside it. */
    Path script(String name) {
        Path dir = settings.maintenanceDirectory();
        if (dir == null) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, settings.host() + " has no maintenance directory"
                    + " (manager.maintenance.directory; written by tpm install since rolling maintenance exists). Run"
                    + " `tpm update`.");
        }
        if (name == null || !NAME.matcher(name).matches()) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Refused to run '" + name + "' on "
                    + settings.host() + ": only a script of its maintenance directory " + dir + " can be run, named"
                    + " without a path (letters, digits, '.', '_', '-').");
        }
        Path f = dir.resolve(name);
        try {
            if (!Files.isRegularFile(f) || !f.toRealPath().getParent().equals(dir.toRealPath())) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "There is no script " + name + " in the maintenance"
                        + " directory " + dir + " of " + settings.host() + " (scripts there: " + listing(dir)
                        + "). The administrator places the scripts a rolling maintenance may run there.");
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Cannot read the maintenance directory " + dir + " of "
                    + settings.host() + ": " + e.getMessage(), e);
        }
        if (!Files.isExecutable(f)) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "The script " + f + " on " + settings.host()
                    + " is not executable: run `chmod +x " + f + "`.");
        }
        return f;
    }

    private static String listing(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted()
                    .toList();
            return names.isEmpty() ? "none" : String.join(", ", names);
        } catch (IOException e) {
            return "unreadable";
        }
    }

    private static String tail(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long from = Math.max(0, f.length() - OUTPUT_LIMIT);
            byte[] b = new byte[(int) (f.length() - from)];
            f.seek(from);
            f.readFully(b);
            return (from > 0 ? "..." : "") + new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
        }
    }
}
