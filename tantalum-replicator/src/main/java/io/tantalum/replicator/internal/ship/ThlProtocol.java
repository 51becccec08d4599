package io.tantalum.replicator.internal.ship;

/**
 * The THL shipping protocol (TCP, default port 2112), version 1, big-endian (Java Data streams):
 * <pre>
 *   slave -> master  utf "TANTALUM-THL/1" | utf service | utf slaveHost
 *                    | i64 lastSeqno | i32 lastFragno | bool lastFrag | i64 lastEpoch | utf lastEventId
 *                    | bool force (skip the history check)
 *   master -> slave  bool accepted | utf message | i64 divergedFrom (first seqno where the histories differ, or -1)
 *   then, master -> slave, repeated:
 *                    u8 1 | THL record frame exactly as stored (i32 length | i32 crc32c | content)
 *                    u8 2 | i64 masterMaxSeqno | i64 masterTimeMillis   (heartbeat when idle)
 * </pre>
 * {@code lastSeqno = -1} asks for the master's whole log.
 */
final class ThlProtocol {
    static final String MAGIC = "TANTALUM-THL/1";
    static final int RECORD = 1;
    static final int HEARTBEAT = 2;
    static final long HEARTBEAT_MILLIS = 1000;
    static final int READ_TIMEOUT_MILLIS = 10_000;
    /** The master may wait up to 5 s for its log to catch up before it answers a handshake. */
    static final int HANDSHAKE_TIMEOUT_MILLIS = 30_000;

    private ThlProtocol() {}
}
