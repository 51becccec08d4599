package io.tantalum.thl;

import io.tantalum.common.DurableFiles;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transaction history log of one replication service: a directory of segment files
 * {@code thl.data.NNNNNNNNNN}, each starting with a header
 * <pre>  8 bytes magic "TNTLTHL\n" | i32 format version (1) | i64 base seqno </pre>
 * followed by {@link ThlRecord} frames in seqno order. Segments roll over only after a record
 * with {@code lastFrag}, so a transaction never spans two files.
 *
 * <p>Opening recovers the last segment: a torn final record (a crash mid-write) is truncated
 * and logged; a bad checksum anywhere else is corruption and fails with
 * {@link ErrorCode#DATA_LOSS}, naming the file, offset and seqno.
 *
 * <p>Thread-safety: one writer thread calls {@link #append}, {@link #publishWritten}, {@link #sync}
 * and {@link #truncateIncompleteTail}; one more thread may call {@link #syncWritten} while it
 * appends (a syncer of its own: {@link ThlWriter}); any number of threads read through {@link
 * #cursor}, which only ever returns records that were made durable, or {@link #writtenCursor},
 * which returns them once written.
 */
public final class ThlLog implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ThlLog.class);
    static final byte[] MAGIC = "TNTLTHL\n".getBytes(StandardCharsets.US_ASCII);
    static final int FILE_HEADER = 8 + 4 + 8;
    static final int FORMAT_VERSION = 1;
    private static final String PREFIX = "thl.data.";

    /** A segment file and the first seqno it holds. */
    public record Segment(int index, Path path, long baseSeqno) {}

    /** The durable end of the log: readers see records strictly before this point. */
    record Durable(int segmentIndex, long offset, long seqno, int fragno, boolean lastFrag) {}

    private final Path dir;
    private final long segmentBytes;
    private final boolean fsync;
    private final List<Segment> segments = new CopyOnWriteArrayList<>();
    private final Object durableMonitor = new Object();
    private long wakeups;
    private volatile Durable durable;
    /** The written end (at or after {@link #durable}): what a written cursor may read before the fsync. */
    private volatile Durable written;
    private volatile java.util.function.LongConsumer syncListener = nanos -> {};
    private volatile ThlRecord lastRecord;
    /** Held while the file being written is forced or replaced: {@link #roll} and the syncs exclude each other. */
    private final Object syncLock = new Object();
    private FileChannel out;
    private long outOffset;

    private ThlLog(Path dir, long segmentBytes, boolean fsync) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.fsync = fsync;
    }

    /** Opens (creating if needed) the log in {@code dir}, recovering a torn tail; fsync on. */
    public static ThlLog open(Path dir, long segmentBytes) {
        return open(dir, segmentBytes, true);
    }

    /**
     * Opens (creating if needed) the log in {@code dir}, recovering a torn tail. Without
     * {@code fsync}, {@link #sync} publishes records without forcing them to disk.
     */
    public static ThlLog open(Path dir, long segmentBytes, boolean fsync) {
        ThlLog log = new ThlLog(dir, segmentBytes, fsync);
        try {
            Files.createDirectories(dir);
            log.load();
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot open the THL directory " + dir + ": " + e
                    + ". Check that it exists and that this user can write to it.", e);
        }
        return log;
    }

    public Path directory() {
        return dir;
    }

    public boolean fsync() {
        return fsync;
    }

    public List<Segment> segments() {
        return List.copyOf(segments);
    }

    /** The last durable record, or null when the log is empty. */
    public ThlRecord lastRecord() {
        return lastRecord;
    }

    /** Lowest seqno held, or -1 when empty. */
    public long minSeqno() {
        return segments.isEmpty() || lastRecord == null ? -1 : segments.get(0).baseSeqno();
    }

    /** Highest durable seqno held (its last fragment may still be missing), or -1 when empty. */
    public long maxSeqno() {
        ThlRecord r = lastRecord;
        return r == null ? -1 : r.seqno();
    }

    /** The highest seqno whose every fragment is durable, or -1. */
    public long maxCompleteSeqno() {
        Durable d = durable;
        if (d == null || d.seqno() < 0) {
            return -1;
        }
        return d.lastFrag() ? d.seqno() : d.seqno() - 1;
    }

    /**
     * Waits up to {@code timeoutMillis} until a transaction after {@code seqno} is wholly durable;
     * returns {@link #maxCompleteSeqno()} then (which may still be {@code seqno} or less on timeout).
     */
    public long awaitCompleteAfter(long seqno, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (durableMonitor) {
            long complete;
            while ((complete = maxCompleteSeqno()) <= seqno) {
                long waitMs = (deadline - System.nanoTime()) / 1_000_000L;
                if (waitMs <= 0) {
                    break;
                }
                durableMonitor.wait(waitMs);
            }
            return complete;
        }
    }

    private void load() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith(PREFIX)).sorted().toList();
        }
        for (Path p : files) {
            int index = Integer.parseInt(p.getFileName().toString().substring(PREFIX.length()));
            segments.add(new Segment(index, p, readHeader(p)));
        }
        while (!segments.isEmpty()) {
            Segment last = segments.get(segments.size() - 1);
            long end = recover(last);
            if (lastRecord != null) {
                openForAppend(last, end);
                return;
            }
            LOG.info("removing empty THL segment file={}", last.path());
            Files.delete(last.path());
            segments.remove(segments.size() - 1);
        }
        durable = new Durable(0, 0, -1, 0, true);
        written = durable;
    }

    static long readHeader(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(FILE_HEADER);
            while (h.hasRemaining() && ch.read(h) >= 0) {
                // keep reading
            }
            h.flip();
            byte[] magic = new byte[MAGIC.length];
            if (h.remaining() < FILE_HEADER || !java.util.Arrays.equals(magic(h, magic), MAGIC)) {
                throw new TantalumException(ErrorCode.DATA_LOSS, "THL file " + p + " does not start with a Tantalum"
                        + " THL header: it is not a THL file or its first bytes are damaged. Move it out of the"
                        + " THL directory; the replicator fetches missing events again from the master.");
            }
            int version = h.getInt();
            if (version != FORMAT_VERSION) {
                throw new TantalumException(ErrorCode.DATA_LOSS, "THL file " + p + " has format version " + version
                        + "; this Tantalum reads version " + FORMAT_VERSION + ".");
            }
            return h.getLong();
        }
    }

    private static byte[] magic(ByteBuffer h, byte[] magic) {
        h.get(magic);
        return magic;
    }

    /** Scans a segment, truncating a torn final record; returns the end offset. */
    private long recover(Segment seg) throws IOException {
        try (FileChannel ch = FileChannel.open(seg.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long offset = FILE_HEADER;
            ThlRecord last = null;
            while (offset < size) {
                RecordRead rr = readAt(ch, seg.path(), offset, size, true);
                if (rr == null) {
                    LOG.warn("truncating torn THL tail file={} offset={} bytes={} (an interrupted write)",
                            seg.path(), offset, size - offset);
                    ch.truncate(offset);
                    ch.force(true);
                    break;
                }
                last = rr.record();
                offset = rr.next();
            }
            if (last != null) {
                lastRecord = last;
                durable = new Durable(seg.index(), offset, last.seqno(), last.fragno(), last.lastFrag());
                written = durable;
            }
            return offset;
        }
    }

    record RecordRead(ThlRecord record, long next) {}

    /**
     * Reads the frame at {@code offset}. Returns null for a torn final record when
     * {@code tolerateTornTail}; throws DATA_LOSS for any other damage.
     */
    static RecordRead readAt(FileChannel ch, Path path, long offset, long limit, boolean tolerateTornTail)
            throws IOException {
        ByteBuffer prefix = ByteBuffer.allocate(ThlRecord.PREFIX);
        if (limit - offset < ThlRecord.PREFIX) {
            return tornOrCorrupt(path, offset, -1, "a record prefix is cut short", tolerateTornTail);
        }
        readFully(ch, prefix, offset);
        prefix.flip();
        int length = prefix.getInt();
        int crc = prefix.getInt();
        if (length < ThlRecord.HEADER || length > ThlRecord.MAX_LENGTH) {
            return tornOrCorrupt(path, offset, -1, "the record length " + length + " is impossible",
                    tolerateTornTail && offset + ThlRecord.PREFIX >= limit);
        }
        long next = offset + ThlRecord.PREFIX + length;
        if (next > limit) {
            return tornOrCorrupt(path, offset, -1, "the record runs past the end of the file", tolerateTornTail);
        }
        ByteBuffer content = ByteBuffer.allocate(length);
        readFully(ch, content, offset + ThlRecord.PREFIX);
        ThlRecord r = ThlRecord.fromFrame(crc, content.array());
        if (r == null) {
            return tornOrCorrupt(path, offset, ThlRecord.peekSeqno(content.array()), "its CRC32C checksum does not match",
                    tolerateTornTail && next == limit);
        }
        return new RecordRead(r, next);
    }

    private static RecordRead tornOrCorrupt(Path path, long offset, long seqno, String why, boolean torn) {
        if (torn) {
            return null;
        }
        throw corrupt(path, offset, seqno, why);
    }

    /** The error for a damaged record, in the house template. */
    public static TantalumException corrupt(Path path, long offset, long seqno, String why) {
        return new TantalumException(ErrorCode.DATA_LOSS, "THL file " + path + " is corrupt at offset " + offset
                + (seqno >= 0 ? " (seqno " + seqno + ")" : "") + ": " + why + ". Nothing at or after this record"
                + " was applied. On a slave, move this file and the later ones out of the THL directory and restart"
                + " the replicator: it fetches those events again from the master. On a master, restore the THL"
                + " from a slave that holds it.");
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, pos + b.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private void openForAppend(Segment seg, long end) throws IOException {
        out = FileChannel.open(seg.path(), StandardOpenOption.WRITE);
        out.position(end);
        outOffset = end;
    }

    /** Appends a record (writer thread only). It becomes visible to readers after {@link #sync}. */
    public void append(ThlRecord r) {
        ThlRecord prev = lastRecord;
        if (prev != null && !follows(prev, r)) {
            throw new TantalumException(ErrorCode.INTERNAL, "THL append out of order: last stored seqno="
                    + prev.seqno() + " fragno=" + prev.fragno() + " lastFrag=" + prev.lastFrag()
                    + ", new seqno=" + r.seqno() + " fragno=" + r.fragno());
        }
        try {
            if (out == null || (prev != null && prev.lastFrag() && outOffset >= segmentBytes)) {
                roll(r.seqno());
            }
            ByteBuffer frame = r.toFrame();
            while (frame.hasRemaining()) {
                outOffset += out.write(frame);
            }
            lastRecord = r;
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot write to THL directory " + dir + ": " + e
                    + ". Check free disk space and permissions, then put the replicator online again.", e);
        }
    }

    private static boolean follows(ThlRecord prev, ThlRecord r) {
        return prev.lastFrag()
                ? r.seqno() == prev.seqno() + 1 && r.fragno() == 0
                : r.seqno() == prev.seqno() && r.fragno() == prev.fragno() + 1;
    }

    private void roll(long baseSeqno) throws IOException {
        synchronized (syncLock) {
            rollLocked(baseSeqno);
        }
    }

    private void rollLocked(long baseSeqno) throws IOException {
        if (out != null) {
            out.force(false);
            publishDurable();
            out.close();
        }
        int index = segments.isEmpty() ? 1 : segments.get(segments.size() - 1).index() + 1;
        Path p = dir.resolve(String.format("%s%010d", PREFIX, index));
        FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ByteBuffer h = ByteBuffer.allocate(FILE_HEADER);
        h.put(MAGIC).putInt(FORMAT_VERSION).putLong(baseSeqno).flip();
        while (h.hasRemaining()) {
            ch.write(h);
        }
        ch.force(true);
        DurableFiles.forceDirectory(dir); // records fsynced into a file whose name a crash loses would be lost too
        out = ch;
        outOffset = FILE_HEADER;
        segments.add(new Segment(index, p, baseSeqno));
        LOG.info("started THL segment file={} baseSeqno={}", p, baseSeqno);
    }

    /** Tells {@code listener} how long each fsync of {@link #sync} took, in nanoseconds (for metrics). */
    public void onSync(java.util.function.LongConsumer listener) {
        syncListener = listener;
    }

    /** Forces appended records to disk and makes them visible to readers (writer thread only). */
    public void sync() {
        sync(() -> {});
    }

    /** {@link #sync()}, running {@code beforePublish} once the records are durable but before readers see them. */
    public void sync(Runnable beforePublish) {
        if (out == null) {
            return;
        }
        synchronized (syncLock) {
            force();
        }
        beforePublish.run();
        publishDurable();
    }

    private void force() {
        try {
            if (fsync) {
                long start = System.nanoTime();
                out.force(false);
                syncListener.accept(System.nanoTime() - start);
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot fsync THL directory " + dir + ": " + e, e);
        }
    }

    /**
     * Forces the records {@link #publishWritten} published so far to disk and makes them durable to
     * readers, while the writer thread goes on appending after them (a syncer thread's call). A
     * segment that rolled over meanwhile was forced by the roll. Returns the seqno of the last record
     * made durable, or -1 when everything published was durable already.
     */
    public long syncWritten() {
        synchronized (syncLock) {
            Durable point = written;
            Durable now = durable;
            if (point == null || (now != null && !after(point, now))) {
                return -1;
            }
            force(); // the file being written: the point is in it, or the roll before it made the point durable
            synchronized (durableMonitor) {
                if (durable == null || after(point, durable)) {
                    durable = point;
                }
                durableMonitor.notifyAll();
            }
            return point.seqno();
        }
    }

    /** True when {@code a} is past {@code b} in the log. */
    private static boolean after(Durable a, Durable b) {
        return a.segmentIndex() > b.segmentIndex() || (a.segmentIndex() == b.segmentIndex() && a.offset() > b.offset());
    }

    private void publishDurable() {
        ThlRecord r = lastRecord;
        if (r == null) {
            return;
        }
        synchronized (durableMonitor) {
            durable = endAt(r);
            written = durable;
            durableMonitor.notifyAll();
        }
    }

    /** The end of the log as it stands, {@code r} being its last record (writer thread only). */
    private Durable endAt(ThlRecord r) {
        return new Durable(segments.get(segments.size() - 1).index(), outOffset, r.seqno(), r.fragno(), r.lastFrag());
    }

    /**
     * Makes the records appended so far visible to written cursors ({@link #writtenCursor}) before
     * {@link #sync} makes them durable (writer thread only).
     */
    public void publishWritten() {
        ThlRecord r = lastRecord;
        if (r == null || out == null) {
            return;
        }
        synchronized (durableMonitor) {
            written = endAt(r);
            durableMonitor.notifyAll();
        }
    }

    /**
     * Removes the trailing fragments of a transaction whose last fragment never arrived (writer
     * thread only, before appending). Returns how many records were removed.
     */
    public int truncateIncompleteTail() {
        ThlRecord last = lastRecord;
        if (last == null || last.lastFrag()) {
            return 0;
        }
        try (ThlCursor c = cursor(last.seqno())) {
            long cut = c.offsetOfNext();
            out.truncate(cut);
            out.force(true);
            out.close();
            out = null;
            lastRecord = null;
            segments.clear();
            load();
            LOG.warn("removed incomplete transaction seqno={} from THL tail (fragments 0..{} without the last one)",
                    last.seqno(), last.fragno());
            return last.fragno() + 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Retention: deletes the oldest segment files that are older than {@code maxAgeMillis} (0: no
     * age limit) or that make the log larger than {@code maxBytes} (0: no size limit), but never
     * the current file nor one holding a seqno at or above {@code keepFromSeqno}. Any thread.
     *
     * @return the files deleted
     */
    public synchronized List<Path> purgeOldSegments(long keepFromSeqno, long maxAgeMillis, long maxBytes,
            long nowMillis) {
        List<Path> deleted = new ArrayList<>();
        long total = 0;
        for (Segment s : segments) {
            total += s.path().toFile().length();
        }
        while (segments.size() > 1) {
            Segment oldest = segments.get(0);
            long nextBase = segments.get(1).baseSeqno();
            if (nextBase > keepFromSeqno) {
                break;
            }
            long bytes = oldest.path().toFile().length();
            boolean tooOld = maxAgeMillis > 0 && oldest.path().toFile().lastModified() < nowMillis - maxAgeMillis;
            boolean tooBig = maxBytes > 0 && total > maxBytes;
            if (!tooOld && !tooBig) {
                break;
            }
            try {
                Files.deleteIfExists(oldest.path());
            } catch (IOException e) {
                LOG.warn("retention cannot delete {}: {}", oldest.path(), e.toString());
                break;
            }
            segments.remove(0);
            total -= bytes;
            deleted.add(oldest.path());
            LOG.info("retention deleted THL file={} (seqno {} to {}) reason={}", oldest.path(), oldest.baseSeqno(),
                    nextBase - 1, tooOld ? "age" : "size");
        }
        return deleted;
    }

    /** A cursor positioned at the first fragment of {@code seqno}; it reads durable records only. */
    public ThlCursor cursor(long seqno) {
        return new ThlCursor(this, seqno, false);
    }

    /**
     * A cursor that also reads records written but not yet synced, once {@link #publishWritten}
     * published them. Two readers may: a master's THL server when its database's binlog, which the
     * extractor reads only once it is synced (sync_binlog=1), is the durable copy of what it ships;
     * a slave's applier, which sends a transaction's statements while its fsync runs but commits
     * it only once {@link #maxCompleteSeqno} says it is durable.
     */
    public ThlCursor writtenCursor(long seqno) {
        return new ThlCursor(this, seqno, true);
    }

    Durable durable() {
        return durable;
    }

    Durable written() {
        return written;
    }

    /** Ends every cursor's wait for records at once (its {@code next} returns null): a reader that is stopping. */
    public void wakeReaders() {
        synchronized (durableMonitor) {
            wakeups++;
            durableMonitor.notifyAll();
        }
    }

    /** How many times {@link #wakeReaders()} was called; read under the durable monitor. */
    long wakeups() {
        return wakeups;
    }

    Object durableMonitor() {
        return durableMonitor;
    }

    @Override
    public void close() {
        try {
            if (out != null) {
                out.force(false);
                out.close();
            }
        } catch (IOException e) {
            LOG.warn("closing THL failed dir={}", dir, e);
        }
    }
}
