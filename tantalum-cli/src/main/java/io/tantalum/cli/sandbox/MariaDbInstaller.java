package io.tantalum.cli.sandbox;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.io.PrintStream;

/** Installs Debian's mariadb-server when {@code mariadbd} is missing and we run as root. */
final class MariaDbInstaller {
    static final String COMMAND = "apt-get update && apt-get install -y mariadb-server mariadb-client";

    private MariaDbInstaller() {}

    static void ensureInstalled(PrintStream out) {
        if (MariaDbServer.binary("mariadbd").isPresent() && MariaDbServer.binary("mariadb-install-db").isPresent()) {
            return;
        }
        if (!MariaDbServer.isRoot()) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "MariaDB is not installed (mariadbd not found)"
                    + " and this user cannot install it. Run as root: sudo sh -c '" + COMMAND + "', then deploy again.");
        }
        out.println("mariadbd not found: installing Debian's mariadb-server (" + COMMAND + ")");
        try {
            Process p = new ProcessBuilder("sh", "-c", "export DEBIAN_FRONTEND=noninteractive; " + COMMAND)
                    .inheritIO().start();
            if (p.waitFor() != 0 || MariaDbServer.binary("mariadbd").isEmpty()) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "Installing mariadb-server failed (exit code "
                        + p.exitValue() + "). Run `" + COMMAND + "` by hand, read its errors, then deploy again.");
            }
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.UNAVAILABLE, "Cannot run apt-get: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted while installing MariaDB");
        }
    }
}
