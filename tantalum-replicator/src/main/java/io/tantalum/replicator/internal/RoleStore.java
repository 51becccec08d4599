package io.tantalum.replicator.internal;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.ReplicatorSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The role a replicator was last given with {@code trepctl setrole}, kept next to its THL
 * directory ({@code <thl.directory>.role.properties}) so that it survives restarts; it overrides
 * the configured role.
 */
public final class RoleStore {
    /** A role and, for a slave, its master. */
    public record Assignment(ReplicatorSettings.Role role, URI masterUri) {}

    private final Path file;

    public RoleStore(ReplicatorSettings settings) {
        Path dir = settings.thlDirectory().toAbsolutePath();
        this.file = dir.resolveSibling(dir.getFileName() + ".role.properties");
    }

    public Path file() {
        return file;
    }

    public Assignment load(ReplicatorSettings settings) {
        if (!Files.exists(file)) {
            return new Assignment(settings.role(), settings.masterUri());
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
            String uri = p.getProperty("master.uri", "");
            return new Assignment(ReplicatorSettings.Role.parse(p.getProperty("role")),
                    uri.isEmpty() ? null : URI.create(uri));
        } catch (IOException | RuntimeException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot read the saved role " + file + ": " + e
                    + ". Delete the file to fall back to the configured role.", e);
        }
    }

    public void save(Assignment a) {
        Properties p = new Properties();
        p.setProperty("role", a.role().display());
        p.setProperty("master.uri", a.masterUri() == null ? "" : a.masterUri().toString());
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp)) {
                p.store(w, "set by trepctl setrole");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot save the role to " + file + ": " + e, e);
        }
    }
}
