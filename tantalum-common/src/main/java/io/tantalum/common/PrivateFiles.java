package io.tantalum.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Files that hold secrets (passwords, tokens, keys): created mode 0600 from the first byte, and
 * replaced atomically, so that no reader ever sees them half-written or with wider permissions.
 */
public final class PrivateFiles {
    private PrivateFiles() {}

    /** Writes {@code content} to {@code file} (mode 0600), replacing it atomically; creates the parent directories. */
    public static void write(Path file, String content) {
        write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code props} as a properties file (mode 0600) with a comment line. */
    public static void write(Path file, java.util.Properties props, String comment) {
        java.io.StringWriter w = new java.io.StringWriter();
        try {
            props.store(w, comment);
        } catch (IOException e) {
            throw new IllegalStateException("a StringWriter does not fail", e);
        }
        write(file, w.toString());
    }

    public static void write(Path file, byte[] content) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write " + file + ": " + e.getMessage()
                    + ". Check that the directory exists and can be written by this user.", e);
        }
    }
}
