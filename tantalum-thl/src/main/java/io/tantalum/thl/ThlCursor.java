package io.tantalum.thl;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Reads a {@link ThlLog} in order from a seqno, returning only durable records (or, from
 * {@link ThlLog#writtenCursor}, written ones) and waiting for more at the end. Verifies every
 * checksum: a damaged record fails with {@link ErrorCode#DATA_LOSS} naming file, offset and seqno.
 * One cursor per thread.
 */
public final class ThlCursor implements Closeable {
    private final ThlLog log;
    private final long startSeqno;
    /** Reads up to the written end rather than the durable one ({@link ThlLog#writtenCursor}). */
    private final boolean written;
    private ThlLog.Segment segment;
    private FileChannel channel;
    private long offset;
    private boolean positioned;

    ThlCursor(ThlLog log, long seqno, boolean written) {
        this.log = log;
        this.startSeqno = seqno;
        this.written = written;
    }

    /** How far this cursor may read. */
    private ThlLog.Durable end() {
        return written ? log.written() : log.durable();
    }

    /**
     * The next record at or after the start seqno, waiting up to {@code timeoutMillis} for one
     * to become durable; null on timeout, or when {@link ThlLog#wakeReaders()} ends the wait early.
     */
    public ThlRecord next(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            ThlRecord r = tryNext();
            if (r != null) {
                return r;
            }
            long waitMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (waitMs <= 0) {
                return null;
            }
            boolean woken = false;
            synchronized (log.durableMonitor()) {
                if (!hasReadableAhead()) {
                    long wakeups = log.wakeups();
                    log.durableMonitor().wait(Math.min(waitMs, 200));
                    woken = log.wakeups() != wakeups;
                }
            }
            if (woken) {
                return tryNext();
            }
        }
    }

    /** The next durable record, or null when none is durable yet. */
    public ThlRecord tryNext() {
        try {
            if (!positioned && !position()) {
                return null;
            }
            while (true) {
                ThlLog.Durable d = end();
                long limit = segment.index() < d.segmentIndex() ? channel.size() : d.offset();
                if (segment.index() > d.segmentIndex()) {
                    return null;
                }
                if (offset < limit) {
                    ThlLog.RecordRead rr = ThlLog.readAt(channel, segment.path(), offset, limit, false);
                    offset = rr.next();
                    if (rr.record().seqno() < startSeqno) {
                        continue;
                    }
                    return rr.record();
                }
                if (segment.index() == d.segmentIndex() || !advanceSegment()) {
                    return null;
                }
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot read THL file " + segment.path() + ": " + e, e);
        }
    }

    private boolean hasReadableAhead() {
        if (!positioned) {
            return log.maxSeqno() >= startSeqno;
        }
        ThlLog.Durable d = end();
        return segment.index() < d.segmentIndex() || offset < d.offset();
    }

    private boolean position() throws IOException {
        List<ThlLog.Segment> segs = log.segments();
        ThlLog.Segment chosen = null;
        for (ThlLog.Segment s : segs) {
            if (s.baseSeqno() <= startSeqno || chosen == null) {
                chosen = s;
            }
        }
        if (chosen == null || end().seqno() < 0) {
            return false;
        }
        if (chosen.baseSeqno() > startSeqno) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "THL seqno " + startSeqno + " is no longer stored in "
                    + log.directory() + ": the oldest stored seqno is " + chosen.baseSeqno()
                    + " (purged). Re-provision the reader from a backup or from a host that still holds it.");
        }
        open(chosen);
        positioned = true;
        return true;
    }

    private void open(ThlLog.Segment s) throws IOException {
        if (channel != null) {
            channel.close();
        }
        segment = s;
        channel = FileChannel.open(s.path(), StandardOpenOption.READ);
        offset = ThlLog.FILE_HEADER;
    }

    private boolean advanceSegment() throws IOException {
        for (ThlLog.Segment s : log.segments()) {
            if (s.index() > segment.index()) {
                open(s);
                return true;
            }
        }
        return false;
    }

    /** The file offset of the next record this cursor would read (after positioning). */
    long offsetOfNext() throws IOException {
        if (!positioned) {
            position();
        }
        while (true) {
            long before = offset;
            ThlLog.Durable d = end();
            long limit = segment.index() < d.segmentIndex() ? channel.size() : d.offset();
            if (offset >= limit) {
                return offset;
            }
            ThlLog.RecordRead rr = ThlLog.readAt(channel, segment.path(), offset, limit, false);
            if (rr.record().seqno() >= startSeqno) {
                return before;
            }
            offset = rr.next();
        }
    }

    @Override
    public void close() {
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            // nothing to release beyond the descriptor
        }
    }
}
