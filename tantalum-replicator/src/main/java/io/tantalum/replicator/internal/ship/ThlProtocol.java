package io.tantalum.replicator.internal.ship;

/**
 * The THL shipping protocol (TCP, default port 2112, or TLS for {@code thls://}), version 2,
 * big-endian (Java Data streams). First the two peers prove membership ({@link ThlMembership}):
 * <pre>
 *   slave -> master  utf "TANTALUM-THL/2" | utf service | utf slaveHost | 32 bytes slaveNonce
 *   master -> slave  32 bytes masterNonce
 *   slave -> master  32 bytes slaveProof
 *   master -> slave  bool member | utf message | (member only) 32 bytes masterProof
 * </pre>
 * A refused slave gets the message and the connection closes; the slave checks the master's
 * proof before it sends anything else. Then:
 * <pre>
 *   slave -> master  i64 lastSeqno | i32 lastFragno | bool lastFrag | i64 lastEpoch | utf lastEventId
 *                    | bool force (skip the history check)
 *   master -> slave  bool accepted | utf message | i64 divergedFrom (first seqno where the histories differ, or -1)
 *   then, master -> slave, repeated:
 *                    u8 1 | THL record frame exactly as stored (i32 length | i32 crc32c | content)
 *                    u8 2 | i64 masterMaxSeqno | i64 masterTimeMillis   (heartbeat when idle)
 *   and, when the master's message was {@link #ACCEPTED_WITH_ACKS}, slave -> master, repeated:
 *                    u8 3 | i64 storedSeqno   (every transaction up to it is durable in the slave's THL)
 * </pre>
 * Acknowledgements extend version 2 both ways: a master that does not read them answers "ok", and
 * a slave that does not send them reads the message as text; a semi-synchronous master then simply
 * hears no acknowledgement from that slave.
 * {@code lastSeqno = -1} asks for the master's whole log.
 */
final class ThlProtocol {
    static final String MAGIC = "TANTALUM-THL/2";
    /** Spoken by replicators before membership checks; such a slave is told to upgrade. */
    static final String MAGIC_V1 = "TANTALUM-THL/1";
    static final int RECORD = 1;
    static final int HEARTBEAT = 2;
    static final int ACK = 3;
    /** The master's answer to an accepted slave that asks it to acknowledge what it stores. */
    static final String ACCEPTED_WITH_ACKS = "ok; acknowledge stored seqnos";
    static final long HEARTBEAT_MILLIS = 1000;
    /** How long the master waits for a slave's handshake fields. */
    static final int READ_TIMEOUT_MILLIS = 10_000;
    /**
     * A slave that hears nothing for this long (three heartbeats missed) drops the connection and
     * reconnects: a master cut off by a partition sends no RST, and a slave that stays connected
     * to it would keep the failover detector from seeing that no slave gets THL from it.
     */
    static final int SILENCE_TIMEOUT_MILLIS = (int) (3 * HEARTBEAT_MILLIS);
    /**
     * The master may wait for its log to reach the slave's position before it answers a handshake
     * (ThlServer.MAX_WAIT_MILLIS, less than this).
     */
    static final int HANDSHAKE_TIMEOUT_MILLIS = 30_000;

    private ThlProtocol() {}
}
