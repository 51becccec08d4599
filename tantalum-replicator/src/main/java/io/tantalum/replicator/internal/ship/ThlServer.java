package io.tantalum.replicator.internal.ship;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import io.tantalum.thl.ThlCursor;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a master's THL to slaves that prove they are members of the service ({@link
 * ThlMembership}). Each slave gets a thread that checks the slave's last event
 * against this log (same seqno, epoch and event id, or the slave is refused with both histories
 * named), then streams records from the next one (durable ones, or written ones when
 * {@link Options#shipWritten}) and heartbeats when idle. Thread-safe.
 */
public final class ThlServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ThlServer.class);
    /** A log that has not grown for this long while behind a slave will not reach it: the slave is answered. */
    static final long STALL_MILLIS = 5_000;
    /**
     * The longest a handshake waits for a growing log, below the slave's {@link ThlProtocol#HANDSHAKE_TIMEOUT_MILLIS}:
     * then the connection is closed unanswered, and the slave reconnects and asks again.
     */
    static final long MAX_WAIT_MILLIS = 20_000;

    private final ThlLog log;
    private final String service;
    private final ThlMembership membership;
    private final ServerSocket socket;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final java.util.Map<Socket, SlavePosition> slaves = new ConcurrentHashMap<>();
    private final SlaveAcks acks = new SlaveAcks();
    /** Since when no slave has been connected (System.nanoTime), or 0 while one is; guarded by {@code slaves}. */
    private long aloneSince = System.nanoTime();
    private volatile boolean closed;
    private final boolean shipWritten;

    /**
     * Where to listen, the service secret that slaves must prove they know, and whether records
     * are shipped once written rather than once durable ({@link ThlLog#writtenCursor}: only when
     * the master's binlog is synced at every commit).
     */
    public record Options(String service, String bindAddress, int port, String serviceSecret, SSLContext tls,
            boolean shipWritten) {
        @Override
        public String toString() {
            return "Options[" + service + " on " + bindAddress + ":" + port + (tls != null ? ", TLS" : "")
                    + (shipWritten ? ", shipped once written" : "") + "]";
        }
    }

    public ThlServer(ThlLog log, Options options) {
        this.log = log;
        this.shipWritten = options.shipWritten();
        this.service = options.service();
        this.membership = new ThlMembership(service, options.serviceSecret());
        String bindAddress = options.bindAddress();
        int port = options.port();
        try {
            socket = options.tls() != null ? options.tls().getServerSocketFactory().createServerSocket()
                    : new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port));
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot listen for slaves on " + bindAddress + ":" + port
                    + ": " + e.getMessage() + ". Another process holds the THL port: stop it or change"
                    + " replicator.thl.port.", e);
        }
        Threads.start(service + "-thl-server", this::acceptLoop);
        LOG.info("serving THL on {}://{}:{}", options.tls() != null ? "thls" : "thl", bindAddress, port);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = socket.accept();
                clients.add(s);
                Threads.start(service + "-thl-server-" + s.getRemoteSocketAddress(), () -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("THL accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket s) {
        String peer = String.valueOf(s.getRemoteSocketAddress());
        try (s;
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream(), 1 << 16))) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(ThlProtocol.READ_TIMEOUT_MILLIS);
            String slaveHost = admit(in, out, peer);
            if (slaveHost == null) {
                return;
            }
            long seqno = in.readLong();
            int fragno = in.readInt();
            boolean lastFrag = in.readBoolean();
            long epoch = in.readLong();
            String eventId = in.readUTF();
            boolean force = in.readBoolean();
            if (seqno >= 0 && !awaitLogReaching(seqno, fragno)) {
                if (closed) {
                    return;
                }
                LOG.info("slave {} ({}) holds seqno {} and this master's THL ends at seqno {}: still extracting toward"
                        + " it after {} s, so the connection is closed unanswered and the slave asks again", slaveHost,
                        peer, seqno, log.maxSeqno(), MAX_WAIT_MILLIS / 1000);
                return;
            }
            Refusal refusal = check(slaveHost, seqno, fragno, epoch, eventId, force);
            out.writeBoolean(refusal == null);
            out.writeUTF(refusal == null ? ThlProtocol.ACCEPTED_WITH_ACKS : refusal.message());
            out.writeLong(refusal == null ? -1 : refusal.divergedFrom());
            out.flush();
            if (refusal != null) {
                LOG.warn("refused slave {} ({}): {}", slaveHost, peer, refusal.message());
                return;
            }
            synchronized (slaves) {
                slaves.put(s, new SlavePosition(slaveHost, seqno));
                aloneSince = 0;
            }
            LOG.info("slave {} ({}) connected at seqno={} fragno={}", slaveHost, peer, seqno, fragno);
            s.setSoTimeout(0); // from here on the slave only acknowledges, whenever it has stored something
            Threads.start(service + "-thl-acks-" + slaveHost, () -> readAcks(in, slaveHost, peer));
            stream(out, s, slaveHost, new long[] {seqno, fragno, lastFrag ? 1 : 0});
        } catch (IOException | InterruptedException e) {
            if (!closed) {
                LOG.info("slave connection {} ended: {}", peer, e.toString());
            }
        } catch (RuntimeException e) {
            LOG.error("serving THL to {} failed: {}", peer, e.getMessage(), e);
        } finally {
            clients.remove(s);
            synchronized (slaves) {
                if (slaves.remove(s) != null && slaves.isEmpty()) {
                    aloneSince = System.nanoTime();
                }
            }
        }
    }

    /**
     * The membership handshake ({@link ThlProtocol}): returns the slave's host name once it has
     * proved that it knows the service secret, else logs the refused address and returns null.
     * Before that, a peer gets a random nonce and, if it speaks the protocol, a refusal: nothing
     * of the THL.
     */
    private String admit(DataInputStream in, DataOutputStream out, String peer) throws IOException {
        String magic;
        try {
            magic = in.readUTF();
        } catch (IOException e) {
            LOG.warn("refused THL connection from {}: not a Tantalum THL client ({})", peer, e.toString());
            return null;
        }
        if (ThlProtocol.MAGIC_V1.equals(magic)) {
            LOG.warn("refused THL connection from {}: the slave speaks THL protocol 1, without membership checks",
                    peer);
            out.writeBoolean(false);
            out.writeUTF("this master requires THL protocol 2 (service membership): upgrade the slave's Tantalum");
            out.writeLong(-1);
            out.flush();
            return null;
        }
        if (!ThlProtocol.MAGIC.equals(magic)) {
            LOG.warn("refused THL connection from {}: not a Tantalum THL client", peer);
            return null;
        }
        String slaveService = in.readUTF();
        String slaveHost = in.readUTF();
        byte[] slaveNonce = in.readNBytes(ThlMembership.NONCE_BYTES);
        byte[] masterNonce = io.tantalum.api.Secrets.nonce(ThlMembership.NONCE_BYTES);
        out.write(masterNonce);
        out.flush();
        byte[] proof = in.readNBytes(ThlMembership.PROOF_BYTES);
        String why = !slaveService.equals(service) ? "this master serves service '" + service + "', not '"
                + printable(slaveService) + "'"
                : !ThlMembership.same(membership.slaveProof(slaveHost, slaveNonce, masterNonce), proof)
                ? "not a member of service '" + service + "': its proof does not match this master's service secret"
                        + " (the members of a service must share one service secret; see docs/security.md)"
                : null;
        out.writeBoolean(why == null);
        out.writeUTF(why == null ? "ok" : why);
        if (why != null) {
            out.flush();
            LOG.warn("refused THL connection from {} (slave '{}' of service '{}'): {}", peer, printable(slaveHost),
                    printable(slaveService), why);
            return null;
        }
        out.write(membership.masterProof(slaveHost, slaveNonce, masterNonce));
        out.flush();
        return slaveHost;
    }

    /** What a peer said about itself, safe to log before it proved anything: no control characters, 64 at most. */
    private static String printable(String s) {
        String p = s.replaceAll("\\p{Cntrl}", "?");
        return p.length() > 64 ? p.substring(0, 64) + "..." : p;
    }

    /**
     * Reads a slave's acknowledgements ({@link ThlProtocol#ACK}) until its connection ends (which
     * {@link #serve} notices and logs).
     */
    private void readAcks(DataInputStream in, String slaveHost, String peer) {
        try {
            while (!closed) {
                int type = in.readUnsignedByte();
                if (type != ThlProtocol.ACK) {
                    LOG.warn("slave {} ({}) sent message type {} where only acknowledgements ({}) belong; its"
                            + " acknowledgements are ignored from here on", slaveHost, peer, type, ThlProtocol.ACK);
                    return;
                }
                acks.report(slaveHost, in.readLong());
            }
        } catch (IOException e) {
            // the connection ended
        }
    }

    /** What the connected slaves have stored. */
    public SlaveAcks acks() {
        return acks;
    }

    /**
     * True when no slave has been connected for {@code millis} or more. A slave cut off by a
     * partition stays connected here (the master's socket notices nothing for many minutes), so
     * this is true only once every slave's connection has really ended.
     */
    public boolean aloneFor(long millis) {
        synchronized (slaves) {
            return aloneSince != 0 && System.nanoTime() - aloneSince >= millis * 1_000_000L;
        }
    }

    /** Why a slave was refused; {@code divergedFrom} is the first seqno where the histories differ, or -1. */
    record Refusal(String message, long divergedFrom) {}

    /** A connected slave and the seqno it asked for when it connected. */
    public record SlavePosition(String host, long seqno) {}

    /** The connected slaves; retention keeps every event at or above the lowest of their seqnos. */
    public java.util.Collection<SlavePosition> connectedSlaves() {
        return java.util.List.copyOf(slaves.values());
    }

    /** Returns null when the slave's last event matches this log, else why not. */
    private Refusal check(String slaveHost, long seqno, int fragno, long epoch, String eventId, boolean force) {
        if (seqno < 0) {
            long min = log.minSeqno();
            return min > 0 ? new Refusal("slave " + slaveHost + " has no THL yet, but this master's THL starts at"
                    + " seqno " + min + " (older events were purged): provision the slave from a backup first", -1)
                    : null;
        }
        long max = log.maxSeqno();
        if (seqno > max) {
            return new Refusal("slave " + slaveHost + " has seqno " + seqno + " but this master's THL ends at seqno "
                    + max + ": the slave holds events this master never had", divergedFrom(Math.min(seqno, max),
                    epoch, max));
        }
        if (seqno < log.minSeqno()) {
            return new Refusal("slave " + slaveHost + " needs seqno " + seqno + " but this master's THL starts at seqno "
                    + log.minSeqno() + " (purged): re-provision the slave", -1);
        }
        if (force) {
            LOG.warn("slave {} connects with online -force: its history is not checked at seqno {}", slaveHost, seqno);
            return null;
        }
        try (ThlCursor c = cursor(seqno)) {
            ThlRecord r;
            while ((r = c.tryNext()) != null && r.seqno() == seqno && r.fragno() < fragno) {
                // skip to the slave's fragment
            }
            if (r == null || r.seqno() != seqno || r.fragno() != fragno) {
                return new Refusal("master has no fragment " + fragno + " of seqno " + seqno, -1);
            }
            String masterEventId = r.decode().eventId();
            if (r.epoch() != epoch || !masterEventId.equals(eventId)) {
                return new Refusal("Log epoch numbers do not match: slave " + slaveHost + " has seqno " + seqno
                        + " epoch " + epoch + " eventId " + eventId + ", master has seqno " + seqno + " epoch "
                        + r.epoch() + " eventId " + masterEventId, divergedFrom(seqno, epoch, max));
            }
            return null;
        }
    }

    /**
     * The first seqno where the slave's history may differ from this log. The epoch is the first
     * seqno of a master session: if this log's event at {@code seqno} belongs to a later session
     * than the slave's, the histories part at the start of that session; otherwise the slave
     * simply holds more than this log.
     */
    private long divergedFrom(long seqno, long slaveEpoch, long max) {
        try (ThlCursor c = cursor(seqno)) {
            ThlRecord r = c.tryNext();
            if (r != null && r.epoch() > slaveEpoch) {
                return r.epoch();
            }
        }
        return Math.min(seqno, max) + 1;
    }

    /** What a handshake does while the slave's last event is beyond the end of this log. */
    enum CatchUp { WAIT, ANSWER, HANG_UP }

    /**
     * A slave may hold records this master is extracting again: the unsynced end of its THL lost
     * with its host (they were shipped while their fsync ran), or an incomplete transaction dropped
     * at a restart. The log is given time as long as it grows: the slave is answered once the log
     * reaches its position, or once the log has not grown for {@link #STALL_MILLIS} (the slave
     * then holds what this master never had, and is refused). A log still growing after
     * {@link #MAX_WAIT_MILLIS} (a long re-extraction) gets no answer: the slave reconnects and asks
     * again, rather than being refused for good while this master catches up.
     */
    static CatchUp catchUp(boolean reached, long sinceGrowthMillis, long waitedMillis) {
        if (reached || sinceGrowthMillis >= STALL_MILLIS) {
            return CatchUp.ANSWER;
        }
        return waitedMillis >= MAX_WAIT_MILLIS ? CatchUp.HANG_UP : CatchUp.WAIT;
    }

    /** Waits as {@link #catchUp} says; false: hang up. */
    private boolean awaitLogReaching(long seqno, int fragno) {
        long start = System.nanoTime();
        long grew = start;
        long seenSeqno = Long.MIN_VALUE;
        int seenFragno = -1;
        while (!closed) {
            ThlRecord last = log.lastRecord();
            long lastSeqno = last == null ? -1 : last.seqno();
            int lastFragno = last == null ? -1 : last.fragno();
            long now = System.nanoTime();
            if (lastSeqno != seenSeqno || lastFragno != seenFragno) {
                seenSeqno = lastSeqno;
                seenFragno = lastFragno;
                grew = now;
            }
            boolean reached = lastSeqno > seqno || (lastSeqno == seqno && lastFragno >= fragno);
            switch (catchUp(reached, (now - grew) / 1_000_000, (now - start) / 1_000_000)) {
                case ANSWER:
                    return true;
                case HANG_UP:
                    return false;
                default:
                    Threads.sleep(100);
            }
        }
        return false;
    }

    /** Streams from after the slave's position {seqno, fragno, lastFrag(1/0)}, recording its progress. */
    private void stream(DataOutputStream out, Socket socket, String slaveHost, long[] position)
            throws IOException, InterruptedException {
        long seqno = position[0];
        int fragno = (int) position[1];
        boolean lastFrag = position[2] == 1;
        long sent = seqno;
        long from = seqno < 0 ? Math.max(0, log.minSeqno()) : lastFrag ? seqno + 1 : seqno;
        try (ThlCursor c = cursor(from)) {
            while (!closed) {
                ThlRecord r = c.tryNext();
                if (r == null) {
                    out.flush();
                    slaves.put(socket, new SlavePosition(slaveHost, sent));
                    r = c.next(ThlProtocol.HEARTBEAT_MILLIS);
                }
                if (r == null) {
                    out.writeByte(ThlProtocol.HEARTBEAT);
                    out.writeLong(log.maxSeqno());
                    out.writeLong(System.currentTimeMillis());
                    out.flush();
                    continue;
                }
                if (seqno >= 0 && !lastFrag && r.seqno() == seqno && r.fragno() <= fragno) {
                    continue;
                }
                out.writeByte(ThlProtocol.RECORD);
                var frame = r.toFrame();
                out.write(frame.array(), 0, frame.limit());
                sent = r.seqno();
            }
        }
    }

    /** What this server reads: written records when it ships them before their fsync, else durable ones. */
    private ThlCursor cursor(long seqno) {
        return shipWritten ? log.writtenCursor(seqno) : log.cursor(seqno);
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing
        }
        for (Socket s : clients) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
    }
}
