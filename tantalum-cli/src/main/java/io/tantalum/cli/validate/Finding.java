package io.tantalum.cli.validate;

/**
 * One result of a validation check on one host.
 *
 * @param level ERROR (must be fixed), WARN (should be looked at) or INFO (passed)
 * @param host the host checked
 * @param message what is wrong and how to fix it (or what passed)
 * @param check the check's name, for {@code --skip-validation-check}
 */
public record Finding(Level level, String host, String message, String check) {
    /** Severity of a finding. */
    public enum Level {
        /** The check failed: replication would not work or would be unsafe. */
        ERROR,
        /** The check found something that works but should be looked at. */
        WARN,
        /** The check passed. */
        INFO
    }

    /** The line operators see: {@code ERROR >> host2 >> message (CheckName)}. */
    public String line() {
        return level + " >> " + host + " >> " + message + " (" + check + ")";
    }
}
