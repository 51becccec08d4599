package io.tantalum.replicator.internal.ship;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import io.tantalum.thl.ThlCursor;
import io.tantalum.thl.ThlLog;
import io.tantalum.thl.ThlRecord;
import io.tantalum.thl.ThlWriter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slave's connection to its master's THL server: handshakes with the slave's last stored
 * event, then stores every received record through the {@link ThlWriter}. Reconnects with
 * backoff when the connection drops; a refused handshake (diverged history) is a failure.
 */
public final class ThlClient {
    private static final Logger LOG = LoggerFactory.getLogger(ThlClient.class);

    /** Callbacks to the replicator. */
    public interface Listener {
        /** The master accepted the handshake. */
        void connected();

        /** The connection dropped; the client is reconnecting. */
        void disconnected(String why);

        /** The client stopped for good. */
        void failed(RuntimeException e);
    }

    /** The last event stored (or being stored) locally. */
    public record Position(long seqno, int fragno, boolean lastFrag, long epoch, String eventId) {}

    private final URI master;
    private final String service;
    private final String host;
    private final ThlWriter writer;
    private final Listener listener;
    private final boolean force;
    private final String bindAddress;
    private final SSLContext tls;
    private final ThlMembership membership;
    private final ThlLog log;
    private volatile Position last;
    private volatile ThlRecord lastReceived;
    private volatile boolean stopping;
    private volatile Socket socket;
    private volatile long masterMaxSeqno = -1;
    private Thread thread;

    /**
     * Where to connect and what to send: the master, this host, whether to skip the history check,
     * and the service secret that both sides prove they know.
     */
    public record Options(URI master, String service, String host, boolean force, String serviceSecret,
            String bindAddress, SSLContext tls) {
        @Override
        public String toString() {
            return "Options[master=" + master + ", service=" + service + ", host=" + host + ", force=" + force + "]";
        }
    }

    public ThlClient(Options options, Position last, ThlLog log, ThlWriter writer, Listener listener) {
        this.master = options.master();
        this.service = options.service();
        this.host = options.host();
        this.force = options.force();
        this.bindAddress = options.bindAddress();
        this.tls = options.tls();
        this.membership = new ThlMembership(options.service(), options.serviceSecret());
        this.last = last;
        this.log = log;
        this.writer = writer;
        this.listener = listener;
    }

    public void start() {
        thread = Threads.start(service + "-thl-client", this::run);
    }

    public long masterMaxSeqno() {
        return masterMaxSeqno;
    }

    /** Stops at a transaction boundary of what was received (the rest is fetched again later). */
    private final Object backoffWait = new Object();

    /** Waits out a reconnect backoff; {@link #stop()} ends it at once. False when interrupted. */
    private boolean pause(long millis) {
        synchronized (backoffWait) {
            try {
                if (!stopping) {
                    backoffWait.wait(millis);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    public void stop() {
        stopping = true;
        synchronized (backoffWait) {
            backoffWait.notifyAll(); // an offline must not wait for a reconnect backoff to end
        }
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing
            }
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The longest wait between two connection attempts: a master back after a switch's rollback or a
     * restart is found within it. The manager's {@code Coordinator.SETTLE_MILLIS} relies on it: it gives
     * slaves that long (plus an observation) to reconnect after a procedure before their state counts
     * against the master.
     */
    static final long MAX_BACKOFF_MILLIS = 2000;

    private void run() {
        long backoff = 250;
        while (!stopping) {
            try (Socket s = new Socket()) {
                socket = s;
                bindLocal(s);
                s.connect(new InetSocketAddress(master.getHost(), master.getPort()), 5000);
                s.setSoTimeout(ThlProtocol.HANDSHAKE_TIMEOUT_MILLIS);
                s.setTcpNoDelay(true);
                Socket c = secure(s);
                DataInputStream in = new DataInputStream(new BufferedInputStream(c.getInputStream(), 1 << 16));
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(c.getOutputStream()));
                boolean acks = handshake(in, out);
                s.setSoTimeout(ThlProtocol.SILENCE_TIMEOUT_MILLIS);
                if (acks) {
                    Threads.start(service + "-thl-acks", () -> acknowledge(s, out));
                }
                backoff = 250;
                listener.connected();
                receive(in);
            } catch (TantalumException e) {
                stopping = true;
                listener.failed(e);
                return;
            } catch (IOException e) {
                if (stopping) {
                    return;
                }
                listener.disconnected("cannot reach master " + master + ": " + e.getMessage());
                LOG.warn("THL connection to {} failed ({}); retrying in {}ms", master, e.getMessage(), backoff);
                if (!pause(backoff)) {
                    return;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * For {@code thls://}, the TLS handshake: the master's certificate must be signed by a CA of
     * the truststore and name the master's address. A failed handshake will not heal by retrying,
     * so it stops the slave with what to check.
     */
    private Socket secure(Socket s) throws IOException {
        if (!"thls".equals(master.getScheme())) {
            return s;
        }
        if (tls == null) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "The master " + master + " serves THL over TLS,"
                    + " but this replicator has no TLS settings: set replicator.tls=true and its truststore.");
        }
        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, master.getHost(), master.getPort(), true);
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(params);
        try {
            ssl.startHandshake();
        } catch (SSLHandshakeException e) {
            if (!certificateProblem(e)) {
                throw e; // the connection dropped mid-handshake (a master restarting): reconnect
            }
            throw new TantalumException(ErrorCode.UNAUTHENTICATED, "TLS handshake with the master " + master
                    + " failed: " + e.getMessage() + ". This slave does not trust the master's certificate: check that"
                    + " replicator.tls.truststore holds the CA that signed it, and that the certificate names "
                    + master.getHost() + " (docs/security.md).", e);
        }
        return ssl;
    }

    /** A refused certificate (untrusted, expired, wrong name) will not heal by reconnecting; a dropped one may. */
    private static boolean certificateProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException
                    || t instanceof java.security.cert.CertPathValidatorException) {
                return true;
            }
        }
        return false;
    }

    /** Connects from this host's own address, so that the master's log and network rules name this host. */
    private void bindLocal(Socket s) throws IOException {
        java.net.InetAddress local = java.net.InetAddress.getByName(bindAddress);
        if (!local.isAnyLocalAddress()) {
            s.bind(new InetSocketAddress(local, 0));
        }
    }

    /** Handshakes; true when the master asks this slave to acknowledge what it stores. */
    private boolean handshake(DataInputStream in, DataOutputStream out) throws IOException {
        ThlRecord lr = lastReceived;
        if (lr != null) {
            last = new Position(lr.seqno(), lr.fragno(), lr.lastFrag(), lr.epoch(), lr.decode().eventId());
        }
        Position p = last;
        proveMembership(in, out);
        out.writeLong(p.seqno());
        out.writeInt(p.fragno());
        out.writeBoolean(p.lastFrag());
        out.writeLong(p.epoch());
        out.writeUTF(p.eventId());
        out.writeBoolean(force);
        out.flush();
        boolean ok;
        try {
            ok = in.readBoolean();
        } catch (java.io.EOFException e) {
            throw new IOException("the master closed the connection before answering this slave's position (seqno "
                    + p.seqno() + "): it is restarting, or still extracting toward that seqno", e);
        }
        String message = in.readUTF();
        long divergedFrom = in.readLong();
        if (!ok) {
            throw new TantalumException(ErrorCode.DATA_LOSS, "Master " + master + " refused this slave: " + message
                    + (divergedFrom >= 0 ? ". " + orphans(divergedFrom) : ". Check masterConnectUri."));
        }
        LOG.info("connected to master {} after seqno={} fragno={}", master, p.seqno(), p.fragno());
        return ThlProtocol.ACCEPTED_WITH_ACKS.equals(message);
    }

    /**
     * Tells the master, for as long as this connection lasts, the highest seqno whose transaction
     * is wholly durable in this slave's THL: a semi-synchronous master acknowledges its clients'
     * commits only once a slave has them.
     */
    private void acknowledge(Socket s, DataOutputStream out) {
        long acked = -1;
        try {
            while (!stopping && !s.isClosed()) {
                long complete = log.awaitCompleteAfter(acked, ThlProtocol.HEARTBEAT_MILLIS);
                if (complete > acked) {
                    out.writeByte(ThlProtocol.ACK);
                    out.writeLong(complete);
                    out.flush();
                    acked = complete;
                }
            }
        } catch (IOException e) {
            // the connection ended: the next one acknowledges again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The membership handshake ({@link ThlProtocol}): proves that this slave knows the service
     * secret, and refuses a master that cannot prove the same (a stranger posing as the master).
     */
    private void proveMembership(DataInputStream in, DataOutputStream out) throws IOException {
        byte[] slaveNonce = io.tantalum.api.Secrets.nonce(ThlMembership.NONCE_BYTES);
        out.writeUTF(ThlProtocol.MAGIC);
        out.writeUTF(service);
        out.writeUTF(host);
        out.write(slaveNonce);
        out.flush();
        byte[] masterNonce = new byte[ThlMembership.NONCE_BYTES];
        in.readFully(masterNonce);
        out.write(membership.slaveProof(host, slaveNonce, masterNonce));
        out.flush();
        if (!in.readBoolean()) {
            throw new TantalumException(ErrorCode.UNAUTHENTICATED, "Master " + master + " refused this slave: "
                    + in.readUTF() + ". Check that this host and the master are installed from the same"
                    + " configuration (docs/security.md).");
        }
        in.readUTF();
        byte[] proof = new byte[ThlMembership.PROOF_BYTES];
        in.readFully(proof);
        if (!ThlMembership.same(membership.masterProof(host, slaveNonce, masterNonce), proof)) {
            throw new TantalumException(ErrorCode.UNAUTHENTICATED, "The server at " + master + " is not a member of"
                    + " service '" + service + "': it cannot prove that it knows the service secret, so this slave"
                    + " takes nothing from it. Check masterConnectUri, and that both hosts share the service secret"
                    + " (docs/security.md).");
        }
    }

    /** Names the local events from {@code from} on, which the master's history does not have. */
    private String orphans(long from) {
        java.util.List<String> listed = new java.util.ArrayList<>();
        long count = 0;
        long last = -1;
        try (ThlCursor c = log.cursor(from)) {
            ThlRecord r;
            while ((r = c.tryNext()) != null) {
                if (!r.lastFrag()) {
                    continue;
                }
                count++;
                last = r.seqno();
                if (listed.size() < 20) {
                    listed.add("seqno " + r.seqno() + " (" + r.decode().eventId() + ")");
                }
            }
        } catch (RuntimeException e) {
            return "This host's THL could not be read from seqno " + from + ": " + e.getMessage();
        }
        if (count == 0) {
            return "The histories part at seqno " + from + "; this host holds no event from there on."
                    + " Rebuild this host (`cctrl -e \"datasource " + host + " rebuild\"`), or check masterConnectUri.";
        }
        return "This host holds " + count + " transaction(s) the master's history does not have (orphaned), seqno "
                + from + " to " + last + ": " + String.join(", ", listed) + (count > listed.size() ? ", ..." : "")
                + ". Ways out: (1) if they must be kept, save them as SQL (`thl list -low " + from + " -high " + last
                + " -sql > orphaned.sql` on this host), read the file and run what still applies on the master with"
                + " the mariadb client, then rebuild this host from the master's history;"
                + " (2) if they can be discarded, rebuild it now. In a cluster `cctrl -e \"datasource " + host
                + " rebuild\"` does it (a copy of a slave, then online); by hand, restore a backup of the master on"
                + " it, run `trepctl reset -all -y` and put it online. `trepctl online -force` skips this check and"
                + " leaves the data different.";
    }

    private void receive(DataInputStream in) throws IOException, InterruptedException {
        try {
            receiveRecords(in);
        } finally {
            writer.sync(); // what was received before the connection ended is made durable now
        }
    }

    /** Stores each record received; fsyncs (ThlWriter.producerSyncs) whenever nothing more has arrived. */
    private void receiveRecords(DataInputStream in) throws IOException, InterruptedException {
        while (!stopping) {
            if (in.available() == 0) {
                writer.sync(); // before waiting for more: group commit of what arrived together
            }
            int type = in.readUnsignedByte();
            if (type == ThlProtocol.HEARTBEAT) {
                masterMaxSeqno = in.readLong();
                in.readLong();
                continue;
            }
            int length = in.readInt();
            int crc = in.readInt();
            if (length < ThlRecord.HEADER || length > ThlRecord.MAX_LENGTH) {
                throw new IOException("bad record length " + length + " from master");
            }
            byte[] content = new byte[length];
            in.readFully(content);
            ThlRecord r = ThlRecord.fromFrame(crc, content);
            if (r == null) {
                throw new IOException("record with a bad checksum from master (seqno " + ThlRecord.peekSeqno(content)
                        + "); reconnecting");
            }
            writer.put(r);
            masterMaxSeqno = Math.max(masterMaxSeqno, r.seqno());
            lastReceived = r;
        }
    }
}
