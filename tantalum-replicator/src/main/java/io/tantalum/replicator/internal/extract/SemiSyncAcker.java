package io.tantalum.replicator.internal.extract;

import com.github.shyiko.mysql.binlog.BinaryLogClient;
import com.github.shyiko.mysql.binlog.network.protocol.command.QueryCommand;
import io.tantalum.common.Threads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the extractor a MariaDB semi-synchronous replica whose acknowledgement means "a slave
 * has stored this transaction in its THL", not merely "the extractor read it". The binlog session
 * sets {@code @rpl_semi_sync_slave=1}, so that each event packet carries the semi-sync indicator
 * and flags (stripped by {@link RawEventDeserializer}); for each event the master flags (the last
 * of a transaction whose commit waits), the extractor records the event's end position with the
 * seqno under which it handed the transaction to the THL writer. A thread acknowledges, on the
 * binlog connection, the furthest such position whose seqno a slave has reported stored (MariaDB's
 * reply packet: 0xEF, the position as 8 little-endian bytes, the binlog file name). One
 * acknowledgement releases every commit up to that position, so a backlog costs no more packets.
 *
 * <p>{@link #requested} is called by the binlog client's thread only; acknowledgements are
 * written by this class's thread only (the client thread no longer writes once streaming).
 */
final class SemiSyncAcker {
    private static final Logger LOG = LoggerFactory.getLogger(SemiSyncAcker.class);
    /** Oldest requests are dropped past this: a later acknowledgement covers them. */
    private static final int MAX_PENDING = 100_000;

    /** Where the slaves' stored seqnos are heard (the master's THL server). */
    @FunctionalInterface
    public interface StoredBySlaves {
        /**
         * Waits up to {@code timeoutMillis} for some slave to have stored {@code seqno}; true once one has,
         * or when there is no slave to wait for.
         */
        boolean await(long seqno, long timeoutMillis) throws InterruptedException;
    }

    /** A position of the binlog to acknowledge once a slave has stored {@code seqno}. */
    record Pending(String file, long position, long seqno) {}

    private final Client client;
    private final StoredBySlaves stored;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private volatile boolean stopped;
    private Thread thread;

    SemiSyncAcker(Client client, StoredBySlaves stored) {
        this.client = client;
        this.stored = stored;
    }

    void start(String name) {
        thread = Threads.start(name, this::run);
    }

    void stop() {
        stopped = true;
        synchronized (pending) {
            pending.notifyAll();
        }
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The master waits for an acknowledgement of {@code file:position}, whose transaction is {@code seqno}. */
    void requested(String file, long position, long seqno) {
        synchronized (pending) {
            pending.addLast(new Pending(file, position, seqno));
            if (pending.size() > MAX_PENDING) {
                pending.removeFirst();
            }
            pending.notifyAll();
        }
    }

    private void run() {
        try {
            while (!stopped) {
                Pending head = next();
                if (head == null || !stored.await(head.seqno(), 200)) {
                    continue;
                }
                Pending ack = null;
                synchronized (pending) {
                    while (!pending.isEmpty() && stored.await(pending.peekFirst().seqno(), 0)) {
                        ack = pending.removeFirst();
                    }
                }
                if (ack != null) {
                    client.ack(ack.file(), ack.position());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            if (!stopped) {
                LOG.warn("cannot acknowledge on the binlog connection ({}); its loss stops extraction", e.toString());
            }
        }
    }

    /** The oldest request, waiting up to 200 ms for one; null when none. */
    private Pending next() throws InterruptedException {
        synchronized (pending) {
            if (pending.isEmpty() && !stopped) {
                pending.wait(200);
            }
            return pending.peekFirst();
        }
    }

    /** The binlog library's client, asking for semi-sync headers before the dump and writing acknowledgements. */
    static final class Client extends BinaryLogClient {
        private final RawEventDeserializer deserializer;
        private final boolean semiSync;

        Client(String host, int port, String user, String password, RawEventDeserializer deserializer,
                boolean semiSync) {
            super(host, port, user, password);
            this.deserializer = deserializer;
            this.semiSync = semiSync;
            setEventDeserializer(deserializer);
            setSocketFactory(() -> {
                java.net.Socket socket = new java.net.Socket();
                socket.setTcpNoDelay(true); // an acknowledgement is a small packet that must not wait for more
                return socket;
            });
        }

        @Override
        protected void requestBinaryLogStream() throws IOException {
            if (semiSync) {
                channel.write(new QueryCommand("SET @rpl_semi_sync_slave=1"));
                checkError(channel.read());
                deserializer.expectSemiSyncHeaders();
            }
            super.requestBinaryLogStream();
        }

        /** MariaDB's semi-sync reply: every transaction up to {@code file:position} is safe. */
        synchronized void ack(String file, long position) throws IOException {
            byte[] name = file.getBytes(StandardCharsets.US_ASCII);
            byte[] packet = new byte[1 + 8 + name.length];
            packet[0] = (byte) RawEventDeserializer.SEMI_SYNC_INDICATOR;
            for (int i = 0; i < 8; i++) {
                packet[1 + i] = (byte) (position >>> (8 * i));
            }
            System.arraycopy(name, 0, packet, 9, name.length);
            channel.write(() -> packet);
        }
    }
}
