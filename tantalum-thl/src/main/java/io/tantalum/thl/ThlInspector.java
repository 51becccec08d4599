package io.tantalum.thl;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Read-only access to a THL directory for the {@code thl} tool: never truncates or writes,
 * reports any damaged record (including a torn tail) with file, offset and seqno. Stateless.
 */
public final class ThlInspector {
    private ThlInspector() {}

    /** A record and where it is stored. */
    public record Located(Path file, long offset, ThlRecord record) {}

    /** What one segment file holds. */
    public record SegmentInfo(Path file, long baseSeqno, long firstSeqno, long lastSeqno, long records, long bytes) {}

    public static List<Path> segmentFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "THL directory " + dir + " does not exist."
                    + " Check -host/-dir and -service.");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("thl.data.")).sorted().toList();
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot list " + dir + ": " + e, e);
        }
    }

    /**
     * Calls {@code sink} for each record with {@code low <= seqno <= high}, in order, until it
     * returns false.
     */
    public static void scan(Path dir, long low, long high, Predicate<Located> sink) {
        List<Path> files = segmentFiles(dir);
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            if (i + 1 < files.size() && baseSeqno(files.get(i + 1)) <= low) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                long size = ch.size();
                long offset = ThlLog.FILE_HEADER;
                while (offset < size) {
                    ThlLog.RecordRead rr = ThlLog.readAt(ch, f, offset, size, false);
                    ThlRecord r = rr.record();
                    if (r.seqno() > high) {
                        return;
                    }
                    if (r.seqno() >= low && !sink.test(new Located(f, offset, r))) {
                        return;
                    }
                    offset = rr.next();
                }
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read " + f + ": " + e, e);
            }
        }
    }

    /** The base seqno in a segment file's header (checked: magic and format version). */
    public static long baseSeqno(Path file) {
        try {
            return ThlLog.readHeader(file);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read " + file + ": " + e, e);
        }
    }

    /** Describes every segment (scans all record headers, verifying checksums). */
    public static List<SegmentInfo> index(Path dir) {
        List<SegmentInfo> out = new ArrayList<>();
        for (Path f : segmentFiles(dir)) {
            long[] acc = {-1, -1, 0};
            long base = baseSeqno(f);
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                long size = ch.size();
                long offset = ThlLog.FILE_HEADER;
                while (offset < size) {
                    ThlLog.RecordRead rr = ThlLog.readAt(ch, f, offset, size, false);
                    if (acc[0] < 0) {
                        acc[0] = rr.record().seqno();
                    }
                    acc[1] = rr.record().seqno();
                    acc[2]++;
                    offset = rr.next();
                }
                out.add(new SegmentInfo(f, base, acc[0], acc[1], acc[2], size));
            } catch (IOException e) {
                throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read " + f + ": " + e, e);
            }
        }
        return out;
    }
}
