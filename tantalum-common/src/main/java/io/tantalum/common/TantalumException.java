package io.tantalum.common;

/**
 * The root of every error Tantalum raises on purpose. The message follows the house template:
 * what failed, where, why, and what the operator can do next.
 */
public class TantalumException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public TantalumException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public TantalumException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    /** Wraps any throwable, keeping a Tantalum error's code and message as they are. */
    public static TantalumException wrap(Throwable t, ErrorCode fallback, String context) {
        if (t instanceof TantalumException te) {
            return te;
        }
        return new TantalumException(fallback, context + ": " + t, t);
    }
}
