package io.tantalum.replicator.internal;

import io.tantalum.common.DurableFiles;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.replicator.internal.extract.BinlogOnlyAnalyzer;
import io.tantalum.replicator.internal.extract.BinlogPosition;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Where this host's last master session started reading its binlog, and the epoch it gave its
 * events ({@code <thl.directory>/master-session.properties}), written durably
 * ({@link DurableFiles}) when a master starts a new session, before it extracts anything. A slave
 * start reads it to find binlog-only transactions of a session that extracted nothing (see
 * {@link BinlogOnlyAnalyzer#readFrom}); {@code trepctl reset -thl} deletes it with the THL. Called
 * from the dispatcher thread only.
 */
public final class MasterSessionStore {
    public static final String FILE = "master-session.properties";

    private MasterSessionStore() {}

    static void save(Path thlDirectory, BinlogOnlyAnalyzer.MasterSession s) {
        Properties p = new Properties();
        p.setProperty("epoch", Long.toString(s.epoch()));
        p.setProperty("start", s.start().toEventId());
        Path file = thlDirectory.resolve(FILE);
        try {
            DurableFiles.replace(file, p, "where this host's last master session started reading its binlog", false);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write " + file + ": " + e
                    + ". Check that the THL directory is writable, then run `trepctl online` again.", e);
        }
    }

    /** The last session recorded, or null (none, or unreadable: then only the THL's own events count). */
    static BinlogOnlyAnalyzer.MasterSession load(Path thlDirectory) {
        Path file = thlDirectory.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
            return new BinlogOnlyAnalyzer.MasterSession(Long.parseLong(p.getProperty("epoch")),
                    BinlogPosition.parse(p.getProperty("start")));
        } catch (IOException | RuntimeException e) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "Cannot read " + file + ": " + e + ". It records where"
                    + " this host's last master session started; delete it if this host's binlog holds nothing"
                    + " that was not extracted, then run `trepctl online` again.", e);
        }
    }

    /** Deletes the record ({@code trepctl reset -thl}); returns whether there was one. */
    public static boolean delete(Path thlDirectory) {
        try {
            return Files.deleteIfExists(thlDirectory.resolve(FILE));
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot delete " + thlDirectory.resolve(FILE) + ": "
                    + e, e);
        }
    }
}
