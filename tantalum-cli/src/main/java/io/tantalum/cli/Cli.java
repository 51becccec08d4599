package io.tantalum.cli;

import io.tantalum.common.TantalumException;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;

/** Shared entry point behaviour of the CLIs: error messages, exit codes and output format. */
public final class Cli {
    private Cli() {}

    /** Runs a picocli command and exits with its code; Tantalum errors print one clear line. */
    public static void run(Object command, String[] args) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof TantalumException te) {
                err.println("ERROR: " + te.getMessage());
                err.flush();
                return te.code().exitCode();
            }
            err.println("ERROR: " + ex);
            err.flush();
            return 8;
        });
        System.exit(cl.execute(args));
    }

    /** Prints {@code NAME : VALUE} lines aligned on the longest name, as trepctl status does. */
    public static String aligned(Map<String, Object> fields) {
        int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            sb.append(String.format("%-" + width + "s : %s%n", e.getKey(), e.getValue()));
        }
        return sb.toString();
    }
}
