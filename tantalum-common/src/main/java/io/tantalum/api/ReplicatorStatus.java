package io.tantalum.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * {@code trepctl status}: the replicator's status in Tungsten's field names, plus the figures
 * {@code trepctl qs} uses ({@code appliedRatePerSecond}, {@code behindSeqnos},
 * {@code estimatedCatchupSeconds}) and the auto-recovery fields. {@code connectedSlaves} is set
 * on a master only, {@code masterMaxSeqno} on a slave only. Latencies and times are seconds.
 * Immutable.
 */
@JsonPropertyOrder(alphabetic = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReplicatorStatus(
        String appliedLastEventId,
        long appliedLastSeqno,
        double appliedLatency,
        double appliedRatePerSecond,
        int autoRecoveryAttempts,
        boolean autoRecoveryEnabled,
        String autoRecoveryNext,
        long autoRecoveryTotal,
        long behindSeqnos,
        int channels,
        String clusterName,
        Integer connectedSlaves,
        String currentEventId,
        long currentTimeMillis,
        String dataServerHost,
        double estimatedCatchupSeconds,
        String extensions,
        String host,
        long latestEpochNumber,
        String masterConnectUri,
        String masterListenUri,
        Long masterMaxSeqno,
        long maximumStoredSeqNo,
        long minimumStoredSeqNo,
        String offlineRequests,
        String pendingError,
        String pendingErrorCode,
        String pendingErrorEventId,
        long pendingErrorSeqno,
        String pendingExceptionMessage,
        String pipelineSource,
        double relativeLatency,
        int resourcePrecedence,
        int rmiPort,
        String role,
        String seqnoType,
        String serviceName,
        String serviceType,
        String simpleServiceName,
        String siteName,
        String sourceId,
        String state,
        double timeInStateSeconds,
        String transitioningTo,
        double uptimeSeconds,
        boolean useSSLConnection,
        String version) {

    @JsonIgnore
    public boolean isMaster() {
        return "master".equals(role);
    }

    /** OFFLINE:ERROR with no automatic recovery coming: only an operator can bring it back. */
    @JsonIgnore
    public boolean stuckInError() {
        return "OFFLINE:ERROR".equals(state) && "NONE".equals(autoRecoveryNext);
    }
}
