package io.tantalum.replicator.internal;

import io.tantalum.thl.ThlLog;
import java.util.List;
import java.util.Map;

/**
 * The running parts of a replicator in one role. Started and stopped by the replicator's
 * dispatcher thread only; status methods may be called from any thread.
 */
public interface Pipeline {
    /** Starts every part; throws a TantalumException (and leaves nothing running) on failure. */
    void start();

    /** Stops at a transaction boundary, or at once when {@code immediate}. Idempotent. */
    void stop(boolean immediate);

    ThlLog log();

    /** The last transaction stored (master) or applied (slave), or null. */
    Applied applied();

    /** The seqno of {@link #applied}, without decoding anything (for once-a-second sampling); -1 if none. */
    long appliedSeqno();

    /** This pipeline's fields of {@code trepctl status}. */
    Status status();

    /** The lowest seqno this pipeline (or a slave it serves) still needs; older THL files may go. */
    long retentionFloor();

    /** {@code trepctl status -name tasks|stages|stores}. */
    Map<String, Object> section(String name);

    /** Each apply channel's progress; empty on a master and with one channel. */
    default List<ChannelProgress> channelProgress() {
        return List.of();
    }

    /** One apply channel: the last seqno it committed and the transactions it applied since the pipeline started. */
    record ChannelProgress(int channel, long appliedSeqno, long transactions) {}

    /**
     * The fields that depend on the role: the event being extracted, the slaves connected to a
     * master (null on a slave), the highest seqno a slave's master has (null on a master).
     */
    record Status(String currentEventId, Integer connectedSlaves, Long masterMaxSeqno) {}

    /** A position: seqno, event id, source commit time and apply latency. */
    record Applied(long seqno, String eventId, long sourceTstamp, double latencySeconds) {}
}
