package io.tantalum.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Files that hold secrets (passwords, tokens, keys): created mode 0600 from the first byte, and
 * replaced atomically and durably ({@link DurableFiles}), so that no reader ever sees them
 * half-written or with wider permissions.
 */
public final class PrivateFiles {
    private PrivateFiles() {}

    /** Writes {@code content} to {@code file} (mode 0600), replacing it atomically; creates the parent directories. */
    public static void write(Path file, String content) {
        write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code props} as a properties file (mode 0600) with a comment line. */
    public static void write(Path file, java.util.Properties props, String comment) {
        try {
            DurableFiles.replace(file, props, comment, true);
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    public static void write(Path file, byte[] content) {
        try {
            DurableFiles.replace(file, content, true);
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    private static TantalumException failure(Path file, IOException e) {
        return new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write " + file + ": " + e.getMessage()
                + ". Check that the directory exists and can be written by this user.", e);
    }
}
