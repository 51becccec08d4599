package io.tantalum.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tantalum.api.AdminClient;
import io.tantalum.common.TantalumException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/** Shared entry point behaviour of the CLIs: error messages, exit codes and output format. */
public final class Cli {
    private Cli() {}

    /** Indented JSON for what the commands print with {@code -json}, made on first use. */
    static ObjectMapper json() {
        return Printer.JSON;
    }

    private static final class Printer {
        static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    /**
     * Runs a picocli command and exits with its code; Tantalum errors print one clear line. Its
     * {@code subcommands} are registered here rather than in its annotation: only those named on the
     * command line, or all when none is (help, a mistyped name), because picocli reads each registered
     * subcommand's annotations by reflection, about 8 ms each (trepctl has 14). While picocli reads
     * the command line, a second thread runs {@code warmUp} ({@link #readingSandboxAnd}): the two
     * take about as long, and an operator waits for the longer one only (bench/cli).
     */
    public static void run(Object command, List<Class<?>> subcommands, String[] args, Runnable warmUp) {
        Thread warming = new Thread(() -> {
            try {
                warmUp.run();
            } catch (RuntimeException e) {
                // only a warm-up: the command itself reports what is wrong
            }
        }, "warm-up");
        warming.setDaemon(true);
        warming.start();
        CommandLine cl = new CommandLine(command);
        Set<String> words = new HashSet<>(Arrays.asList(args));
        List<Class<?>> named = subcommands.stream()
                .filter(c -> words.contains(c.getAnnotation(CommandLine.Command.class).name())).toList();
        for (Class<?> sub : named.isEmpty() ? subcommands : named) {
            cl.addSubcommand(sub);
        }
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

    /**
     * A warm-up for the commands that talk to daemons: reads the sandbox's description (as resolving
     * {@code -host} will) and sets up the JSON decoding of {@code replies}, the admin API's replies
     * the command most likely reads. Jackson's first use costs about 80 ms of a 0.5 s command.
     */
    static Runnable readingSandboxAnd(Class<?>... replies) {
        return () -> {
            HostResolver.sandbox();
            for (Class<?> reply : replies) {
                AdminClient.warmUp(reply);
            }
        };
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
