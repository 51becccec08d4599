package io.tantalum.cli.install;

/**
 * What keeps one replicator running on its host: a systemd unit ({@link SystemdUnit}) or a
 * detached background process with a pid file ({@link DaemonProcess}).
 */
public interface Supervisor {
    /** Sets the replicator up to run (and to start again at boot where the supervisor can) and starts it. */
    void install();

    void start();

    /** A clean stop: SIGTERM, which the replicator turns into a stop at a transaction boundary. */
    void stop();

    boolean isRunning();

    /** Stops the replicator and undoes what {@link #install} set up; returns what was done, for operators. */
    String uninstall();

    /** False when the running replicator (or the installed unit) no longer matches what install would set up. */
    boolean upToDate();

    /** One line for operators: how the replicator is run and where to look. */
    String describe();
}
