package io.tantalum.cli;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import io.tantalum.common.Threads;
import java.io.IOException;

/**
 * {@code -r SECONDS [-c COUNT]} of {@code trepctl status} and {@code cctrl ls}, as in Tungsten 7:
 * print the report, then again every SECONDS, COUNT times in all (0: until interrupted). While
 * refreshing, a daemon that does not answer is reported and asked again at the next round.
 */
final class Refresh {
    private Refresh() {}

    /** A report that may fail. */
    interface Report {
        void print() throws IOException;
    }

    static void run(int seconds, int count, Report report) throws IOException {
        if (seconds < 0 || count < 0) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "-r and -c take a positive number, not "
                    + (seconds < 0 ? seconds : count));
        }
        if (seconds == 0) {
            report.print();
            return;
        }
        for (int n = 1; count == 0 || n <= count; n++) {
            try {
                report.print();
            } catch (TantalumException e) {
                if (e.code() != ErrorCode.UNAVAILABLE) {
                    throw e;
                }
                System.err.println("ERROR: " + e.getMessage());
            }
            System.out.flush();
            if ((count == 0 || n < count) && !Threads.sleep(seconds * 1000L)) {
                return;
            }
        }
    }
}
