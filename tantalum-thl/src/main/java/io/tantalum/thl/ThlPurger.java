package io.tantalum.thl;

import io.tantalum.common.DurableFiles;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Removes events from either end of a THL directory that no replicator has open ({@code thl
 * purge}): from the start up to a seqno, or from a seqno to the end. A purge never leaves a gap.
 */
public final class ThlPurger {
    /** What a purge did. */
    public record Result(int filesDeleted, int filesRewritten) {}

    private ThlPurger() {}

    /** Deletes every event with seqno at most {@code high}. */
    public static Result purgeHead(Path dir, long high) {
        int deleted = 0;
        int rewritten = 0;
        try {
            for (ThlInspector.SegmentInfo s : ThlInspector.index(dir)) {
                if (s.records() == 0 || s.firstSeqno() > high) {
                    break;
                }
                if (s.lastSeqno() <= high) {
                    Files.delete(s.file());
                    deleted++;
                } else {
                    rewriteFrom(s.file(), high + 1);
                    rewritten++;
                }
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot purge THL in " + dir + ": " + e, e);
        }
        return new Result(deleted, rewritten);
    }

    /** Deletes every event with seqno at least {@code low}. */
    public static Result truncateTail(Path dir, long low) {
        int deleted = 0;
        int rewritten = 0;
        try {
            List<ThlInspector.SegmentInfo> index = ThlInspector.index(dir);
            for (ThlInspector.SegmentInfo s : index) {
                if (s.records() == 0 || s.lastSeqno() < low) {
                    continue;
                }
                if (s.firstSeqno() >= low) {
                    Files.delete(s.file());
                    deleted++;
                } else {
                    try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.WRITE)) {
                        ch.truncate(offsetOf(s.file(), low));
                        ch.force(true);
                    }
                    rewritten++;
                }
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot purge THL in " + dir + ": " + e, e);
        }
        return new Result(deleted, rewritten);
    }

    private static long offsetOf(Path file, long seqno) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long offset = ThlLog.FILE_HEADER;
            while (offset < size) {
                ThlLog.RecordRead rr = ThlLog.readAt(ch, file, offset, size, false);
                if (rr.record().seqno() >= seqno) {
                    return offset;
                }
                offset = rr.next();
            }
            return size;
        }
    }

    /** Rewrites a segment keeping only records from {@code firstKept} on (new base seqno). */
    private static void rewriteFrom(Path file, long firstKept) throws IOException {
        long cut = offsetOf(file, firstKept);
        Path tmp = file.resolveSibling(file.getFileName() + ".purge");
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE)) {
            ByteBuffer h = ByteBuffer.allocate(ThlLog.FILE_HEADER);
            h.put(ThlLog.MAGIC).putInt(ThlLog.FORMAT_VERSION).putLong(firstKept).flip();
            while (h.hasRemaining()) {
                out.write(h);
            }
            long pos = cut;
            long size = in.size();
            while (pos < size) {
                pos += in.transferTo(pos, size - pos, out);
            }
            out.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.forceDirectory(file.getParent());
    }
}
