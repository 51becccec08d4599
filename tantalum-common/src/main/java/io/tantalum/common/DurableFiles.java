package io.tantalum.common;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * Small state files replaced whole (a replicator's role, its master session, secrets): written to
 * a temporary sibling, forced to disk, renamed over the file, and the directory forced. After a
 * crash, a host's power loss included, a reader finds the old content or the new one, whole, and
 * a replacement that returned is not undone (a rename is durable only once its directory is).
 */
public final class DurableFiles {
    private DurableFiles() {}

    /**
     * Replaces {@code file} with {@code content} as described above, creating the parent
     * directories; {@code ownerOnly}: mode 0600 from the first byte.
     */
    public static void replace(Path file, byte[] content, boolean ownerOnly) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (ownerOnly && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        forceDirectory(dir);
    }

    /** {@link #replace} with a properties file (a comment line, then the properties, in UTF-8 as readers load them). */
    public static void replace(Path file, Properties props, String comment, boolean ownerOnly) throws IOException {
        StringWriter w = new StringWriter();
        props.store(w, comment);
        replace(file, w.toString().getBytes(StandardCharsets.UTF_8), ownerOnly);
    }

    /** Makes the entries of {@code dir} (a file created, renamed or deleted in it) durable. */
    public static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
