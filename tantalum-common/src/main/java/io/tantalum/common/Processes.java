package io.tantalum.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Looks up processes by pid the way an operator means "running": a process that was killed but
 * not yet reaped by its parent (a zombie) is still "alive" to {@link ProcessHandle#isAlive}, but
 * it runs nothing and holds no port, so it does not count. Stateless and thread-safe.
 */
public final class Processes {
    private Processes() {}

    /** The process with this pid if it runs (alive and not a zombie). */
    public static Optional<ProcessHandle> running(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> !zombie(h.pid()));
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
