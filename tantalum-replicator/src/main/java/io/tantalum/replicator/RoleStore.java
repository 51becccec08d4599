package io.tantalum.replicator;

import io.tantalum.common.DurableFiles;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The role a replicator was last given with {@code trepctl setrole}, kept next to its THL
 * directory ({@code <thl.directory>.role.properties}) so that it survives restarts; it overrides
 * the configured role. Other tools (the sandbox, {@code tpm validate}) read it with
 * {@link #savedRole}.
 */
public final class RoleStore {
    /** A role and, for a slave, its master. */
    public record Assignment(ReplicatorSettings.Role role, URI masterUri) {}

    private final Path file;

    public RoleStore(Path thlDirectory) {
        this.file = fileFor(thlDirectory);
    }

    /** Where the role of the service whose THL is in {@code thlDirectory} is saved. */
    public static Path fileFor(Path thlDirectory) {
        Path dir = thlDirectory.toAbsolutePath();
        return dir.resolveSibling(dir.getFileName() + ".role.properties");
    }

    /** The role last set with {@code trepctl setrole} ({@code master} or {@code slave}), if any. */
    public static Optional<String> savedRole(Path thlDirectory) {
        try (Reader r = Files.newBufferedReader(fileFor(thlDirectory))) {
            Properties p = new Properties();
            p.load(r);
            return Optional.ofNullable(p.getProperty("role"));
        } catch (IOException e) {
            return Optional.empty();
        }
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
            // durable: a host that lost power right after a switch must not come back with its old role
            DurableFiles.replace(file, p, "set by trepctl setrole", false);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot save the role to " + file + ": " + e, e);
        }
    }
}
