package io.tantalum.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs one file of MariaDB's own regression suite ({@code mysql-test}) with {@code mariadb-test}
 * against a running server, without comparing its output with the {@code .result} file: it
 * records into a scratch result file instead, so only the statements matter, not what they print.
 *
 * <p>The client runs in the suite directory (its {@code --source include/...} paths are relative
 * to it) with the variables that {@code mysql-test-run} would set for the file's own scratch files
 * ({@code MYSQL_TEST_DIR}, {@code MYSQLTEST_VARDIR}, {@code MYSQL_TMP_DIR}) and the server's socket
 * ({@code MASTER_MYSOCK}). It connects over TCP as the given account; a file's
 * {@code connect (c, localhost, root, ...)} lines go to the unix socket, as under mtr.
 */
public final class MariaDbTestRunner {
    /** The Debian location of the suite (package {@code mariadb-test}). */
    public static final Path SUITE = Path.of("/usr/share/mysql/mysql-test");
    /** The Debian location of the client (package {@code mariadb-test}). */
    public static final Path BINARY = Path.of("/usr/bin/mariadb-test");
    private static final Pattern AT_LINE = Pattern.compile("At line (\\d+)");

    private final Path suite;
    private final Path work;
    private final Duration timeout;
    private final Map<String, String> env;

    /** The server and account to run against. */
    public record Target(String host, int port, String user, String password, Path socket) {}

    /** What happened to one file. */
    public record Outcome(String file, int exitCode, boolean timedOut, int stoppedAtLine, int lines, String output,
            Duration took) {
        /** The client ran every statement of the file. */
        public boolean completed() {
            return exitCode == 0 && !timedOut;
        }

        /** The file asked to be skipped on this server ({@code --skip}, exit code 62). */
        public boolean skipped() {
            return exitCode == 62;
        }

        /** One phrase: "complete", "skipped", "stopped at line 120 of 400: ...", "timed out". */
        public String summary() {
            if (timedOut) {
                return "timed out after " + took.toSeconds() + "s";
            }
            if (completed()) {
                return "complete";
            }
            if (skipped()) {
                return "skipped: " + output.strip();
            }
            return (stoppedAtLine > 0 ? "stopped at line " + stoppedAtLine + " of " + lines : "failed (exit "
                    + exitCode + ")") + ": " + lastLine(output);
        }
    }

    /**
     * A runner whose scratch files go under {@code work}, each file given at most {@code timeout},
     * with {@code env} added to the variables mysql-test-run would set (e.g. the name of a plugin
     * library a suite looks for).
     */
    public MariaDbTestRunner(Path suite, Path work, Duration timeout, Map<String, String> env) {
        this.suite = suite;
        this.work = work;
        this.timeout = timeout;
        this.env = Map.copyOf(env);
    }

    /** Runs {@code file} (relative to the suite directory, e.g. {@code main/view.test}, or absolute). */
    public Outcome run(String file, Target target) {
        Path tmp = work.resolve("tmp");
        Path out = work.resolve("mariadb-test.out");
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            Files.createDirectories(work.resolve("log"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare the scratch directory " + work + ": " + e, e);
        }
        long start = System.nanoTime();
        Process p = start(file, target, out);
        boolean finished = waitFor(p);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String output = read(out);
        Matcher m = AT_LINE.matcher(output);
        int at = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return new Outcome(file, finished ? p.exitValue() : -1, !finished, at, countLines(suite.resolve(file)),
                output, took);
    }

    private Process start(String file, Target t, Path out) {
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--host=" + t.host(), "--port=" + t.port(),
                "--user=" + t.user(), "--socket=" + t.socket(), "--database=test",
                "--basedir=" + suite, "--tmpdir=" + work.resolve("tmp"), "--logdir=" + work.resolve("log"),
                "--record", "--result-file=" + work.resolve("scratch.result"), "--test-file=" + suite.resolve(file),
                "--silent", "--max-connect-retries=3"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(suite.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(Map.of("MYSQL_TEST_DIR", suite.toString(), "MYSQLTEST_VARDIR",
                work.resolve("tmp").toString(), "MYSQL_TMP_DIR", work.resolve("tmp").toString(), "MASTER_MYSOCK",
                t.socket().toString()));
        pb.environment().putAll(env);
        pb.environment().put("MYSQL_PWD", t.password()); // not on the command line, where ps shows it
        try {
            return pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + BINARY + " (" + e.getMessage() + "). Install the Debian"
                    + " package mariadb-test: apt-get install -y mariadb-test", e);
        }
    }

    private boolean waitFor(Process p) {
        try {
            if (p.waitFor(Await.scaled(timeout).toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            p.destroyForcibly().waitFor();
            return false;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + BINARY + " ran", e);
        }
    }

    /** Deletes a directory and everything in it; nothing when it does not exist. */
    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(cannot read " + f + ": " + e + ")";
        }
    }

    private static int countLines(Path f) {
        try {
            return Files.readAllLines(f, StandardCharsets.ISO_8859_1).size();
        } catch (IOException e) {
            return 0;
        }
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].contains("At line")) {
                return lines[i].replaceFirst("^mysqltest: ", "").strip();
            }
        }
        return lines[lines.length - 1].strip();
    }
}
