package io.tantalum.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * libfaketime (Debian's {@code faketime} package): the environment that starts a real program
 * with its wall clock shifted, as if its host's clock were off. Monotonic clocks stay real, so
 * timeouts inside the program are unaffected.
 */
public final class Faketime {
    private Faketime() {}

    /** The environment for a program whose wall clock is {@code offset} off, e.g. "+10s" or "-2s". */
    public static Map<String, String> env(String offset) {
        Path lib = Stream.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib")
                .map(d -> Path.of(d, "faketime", "libfaketime.so.1")).filter(Files::exists).findFirst()
                .orElseThrow(() -> new AssertionError("libfaketime is missing: install it (apt-get install -y"
                        + " faketime); the clock skew tests run a database with its clock shifted"));
        return Map.of("LD_PRELOAD", lib.toString(), "FAKETIME", offset, "FAKETIME_DONT_FAKE_MONOTONIC", "1");
    }
}
