package io.tantalum.common;

/** Named thread creation and interrupt-safe waiting. */
public final class Threads {
    private Threads() {}

    /** Starts a daemon thread named {@code tantalum-<name>}. */
    public static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, "tantalum-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Sleeps, restoring the interrupt flag and returning false when interrupted. */
    public static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
