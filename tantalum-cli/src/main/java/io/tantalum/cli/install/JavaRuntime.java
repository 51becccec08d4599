package io.tantalum.cli.install;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java runtime that runs a host's replicators: the INI's {@code java-home}, or the one running
 * tpm when it is empty. {@link #probe()} runs its {@code bin/java -version}, as the replicator's
 * start would, so validation judges the runtime that will actually be used.
 */
public record JavaRuntime(Path home) {
    /** The oldest feature release the replicator runs on (its class files are Java 17). */
    public static final int MINIMUM = 17;

    private static final Pattern VERSION = Pattern.compile("version \"([^\"]+)\"");

    /** The runtime of {@code javaHome}, or this JVM's when it is empty. */
    public static JavaRuntime of(String javaHome) {
        return new JavaRuntime(Path.of(javaHome == null || javaHome.isEmpty() ? System.getProperty("java.home")
                : javaHome));
    }

    public Path executable() {
        return home.resolve("bin").resolve("java");
    }

    /** What {@code java -version} said: the version string and its feature release (8 for "1.8.0_392"). */
    public record Version(String text, int feature) {}

    /** Parses the first line of {@code java -version}'s output. */
    public static Version parse(String output) {
        Matcher m = VERSION.matcher(output);
        if (!m.find()) {
            throw new IllegalArgumentException("no version in: " + firstLine(output));
        }
        String v = m.group(1);
        String[] parts = v.split("[.+\\-_]");
        int feature = Integer.parseInt(parts[0]);
        if (feature == 1 && parts.length > 1) {
            feature = Integer.parseInt(parts[1]);  // 1.8.0_392 is Java 8
        }
        return new Version(v, feature);
    }

    /** Runs {@code bin/java -version}; throws with the reason when it cannot run or says no version. */
    public Version probe() {
        Path java = executable();
        if (!Files.isRegularFile(java)) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "there is no Java at " + java);
        }
        if (!Files.isExecutable(java)) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, java + " is not executable");
        }
        try {
            Process p = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TantalumException(ErrorCode.DEADLINE_EXCEEDED, java + " -version did not finish in 30s");
            }
            if (p.exitValue() != 0) {
                throw new TantalumException(ErrorCode.FAILED_PRECONDITION, java + " -version failed (exit code "
                        + p.exitValue() + "): " + firstLine(out));
            }
            return parse(out);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, "cannot run " + java + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new TantalumException(ErrorCode.FAILED_PRECONDITION, java + " -version: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TantalumException(ErrorCode.ABORTED, "interrupted");
        }
    }

    private static String firstLine(String s) {
        String t = s.strip();
        int nl = t.indexOf('\n');
        return nl < 0 ? t : t.substring(0, nl);
    }
}
