package io.tantalum.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real Java 11 runtime, for tests of what happens when a host's Java is too old: Debian 11's
 * {@code openjdk-11-jre-headless}, downloaded with apt (into a private apt state, nothing is
 * installed on the machine) and unpacked under {@code ~/.cache/tantalum-it}, once per machine.
 */
public final class RealJava {
    private static final List<String> MIRRORS = List.of("http://deb.debian.org/debian",
            "http://archive.debian.org/debian");

    private RealJava() {}

    /** The home of a Java 11 runtime ({@code bin/java -version} says 11.x). */
    public static synchronized Path java11() {
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "tantalum-it");
        Path home = cache.resolve("openjdk-11-jre");
        if (Files.isExecutable(home.resolve("bin").resolve("java"))) {
            return home;
        }
        StringBuilder tried = new StringBuilder();
        for (String mirror : MIRRORS) {
            try {
                fetch(mirror, cache, home);
                return home;
            } catch (AssertionError | IOException e) {
                tried.append("\n").append(mirror).append(": ").append(e.getMessage());
            }
        }
        throw new AssertionError("cannot fetch openjdk-11-jre-headless from Debian 11 (bullseye); a test needs a real"
                + " Java 11 to make JavaVersionCheck fail:" + tried);
    }

    private static void fetch(String mirror, Path cache, Path home) throws IOException {
        Path work = Files.createDirectories(cache).resolve("apt-" + ProcessHandle.current().pid());
        Files.createDirectories(work.resolve("lists").resolve("partial"));
        Files.createDirectories(work.resolve("cache").resolve("archives").resolve("partial"));
        Path sources = work.resolve("sources.list");
        Files.writeString(sources, "deb " + mirror + " bullseye main\n");
        List<String> apt = List.of("-o", "Dir::Etc::sourcelist=" + sources, "-o", "Dir::Etc::sourceparts=-", "-o",
                "Dir::State::Lists=" + work.resolve("lists"), "-o", "Dir::Cache=" + work.resolve("cache"), "-o",
                "APT::Sandbox::User=" + System.getProperty("user.name"), "-o", "Debug::NoLocking=1");
        Commands.check(Map.of(), Stream.concat(Stream.of("apt-get", "-q"), Stream.concat(apt.stream(),
                Stream.of("update"))).toList());
        Commands.check(Map.of(), Stream.concat(Stream.of("sh", "-c", "cd \"$0\" && exec \"$@\"", work.toString(),
                "apt-get", "-q"), Stream.concat(apt.stream(), Stream.of("download", "openjdk-11-jre-headless"))).toList());
        Path deb;
        try (Stream<Path> s = Files.list(work)) {
            deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                    .orElseThrow(() -> new AssertionError("apt-get download left no .deb in " + work));
        }
        Path root = work.resolve("root");
        Commands.check(Map.of(), List.of("dpkg-deb", "-x", deb.toString(), root.toString()));
        Path jvm;
        try (Stream<Path> s = Files.list(root.resolve("usr/lib/jvm"))) {
            jvm = s.filter(p -> p.getFileName().toString().startsWith("java-11-openjdk") && !Files.isSymbolicLink(p))
                    .findFirst().orElseThrow(() -> new AssertionError("no java-11-openjdk-* in " + deb));
        }
        Files.move(jvm, home);
        Commands.check(Map.of(), List.of("rm", "-rf", work.toString()));
    }
}
