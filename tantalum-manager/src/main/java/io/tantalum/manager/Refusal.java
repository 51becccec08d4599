package io.tantalum.manager;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;

/**
 * A command refused before it changed anything (its message ends with what to do next). The
 * coordinator tells it apart from a procedure that failed part-way: a refusal does not open the
 * quiet window after a procedure ({@code Coordinator.current()}), so an operator who asks again at
 * once is judged on the same observations, not refused again for a reason the refusal made up.
 */
final class Refusal extends TantalumException {
    private static final long serialVersionUID = 1L;

    Refusal(ErrorCode code, String message) {
        super(code, message);
    }
}
