package io.tantalum.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Looks up processes by pid the way an operator means "running": a process that was killed but
 * not yet reaped by its parent (a zombie) is still "alive" to {@link ProcessHandle#isAlive}, but
 * it runs nothing and holds no port, so it does not count. Stateless and thread-safe.
 *
 * <p>Waits poll every 10 ms instead of using {@link ProcessHandle#onExit}: for a process that is not
 * this JVM's child (every daemon, started detached) the JDK polls from 300 ms up and counts a zombie
 * as alive, and an orphan stays a zombie until init reaps it (1-2 s on the test machines).
 */
public final class Processes {
    private Processes() {}

    /** The process with this pid if it runs (alive and not a zombie). */
    public static Optional<ProcessHandle> running(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> !zombie(h.pid()));
    }

    /** Waits until the process no longer runs; false when it still runs after {@code limit}. */
    public static boolean awaitExit(ProcessHandle h, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (h.isAlive() && !zombie(h.pid())) {
            if (System.nanoTime() - deadline > 0 || !Threads.sleep(10)) {
                return false;
            }
        }
        return true;
    }

    /** SIGTERM, then SIGKILL when it still runs after {@code grace}; returns once it no longer runs. */
    public static void stop(ProcessHandle h, Duration grace) {
        h.destroy();
        if (!awaitExit(h, grace)) {
            kill(h);
        }
    }

    /** SIGKILL, as a crash would; returns once it no longer runs (or this thread is interrupted). */
    public static void kill(ProcessHandle h) {
        h.destroyForcibly();
        awaitExit(h, Duration.ofSeconds(30));
    }

    /** True when /proc says the process has exited and waits to be reaped (state Z or X). */
    static boolean zombie(long pid) {
        try {
            return exited(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException e) {
            return false; // no /proc (or the process is gone): trust ProcessHandle
        }
    }

    /** Reads the state of a /proc/PID/stat line: "pid (comm) state ...", comm may hold ')' and spaces. */
    static boolean exited(String stat) {
        int end = stat.lastIndexOf(')');
        char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : '?';
        return state == 'Z' || state == 'X';
    }
}
