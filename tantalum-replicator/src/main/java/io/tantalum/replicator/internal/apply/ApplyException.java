package io.tantalum.replicator.internal.apply;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;

/** An event could not be applied; carries the seqno and event id where the applier stopped. */
public final class ApplyException extends TantalumException {
    private static final long serialVersionUID = 1L;
    private final long seqno;
    private final String eventId;

    public ApplyException(String message, long seqno, String eventId, Throwable cause) {
        super(ErrorCode.FAILED_PRECONDITION, message, cause);
        this.seqno = seqno;
        this.eventId = eventId;
    }

    public long seqno() {
        return seqno;
    }

    public String eventId() {
        return eventId;
    }
}
