package io.tantalum.common;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads and initializes a daemon's classes in the background after it starts, so that a code path
 * it runs for the first time (a replicator promoted to master starts extracting the binlog; a
 * manager elected coordinator runs its first switch) does not pay for loading, verifying and
 * initializing hundreds of classes while applications wait. Without it the first switch after a
 * deploy was about 1 s slower than the next ones on a 2-core machine.
 *
 * <p>Only the named packages of the classpath (jar files and class directories) are loaded; a
 * class that cannot be loaded (an optional dependency is absent) is skipped.
 */
public final class ClassPreloader {
    private static final Logger LOG = LoggerFactory.getLogger(ClassPreloader.class);

    private ClassPreloader() {}

    /** Starts a low-priority daemon thread that preloads the packages (dotted prefixes such as {@code io.tantalum.thl}). */
    public static Thread start(String daemon, String... packages) {
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            List<String> names = classNames(System.getProperty("java.class.path", ""), List.of(packages));
            int loaded = 0;
            for (String name : names) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                try {
                    Class.forName(name, true, ClassPreloader.class.getClassLoader());
                    loaded++;
                } catch (Throwable e) { // NOPMD: any class that cannot load is simply left to its first use
                    LOG.trace("preload: skipped {}: {}", name, e.toString());
                }
            }
            LOG.info("preloaded {} of {} classes in {} ms", loaded, names.size(), (System.nanoTime() - t0) / 1_000_000);
        }, "tantalum-" + daemon + "-preload");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    /** The binary names of the classes under the packages in a classpath string, in classpath order. */
    static List<String> classNames(String classpath, List<String> packages) {
        List<String> prefixes = packages.stream().map(p -> p.replace('.', '/') + "/").toList();
        List<String> names = new ArrayList<>();
        for (Path p : entries(classpath)) {
            List<String> files = Files.isDirectory(p) ? directoryEntries(p) : jarEntries(p);
            for (String f : files) {
                if (f.endsWith(".class") && !f.endsWith("module-info.class") && !f.endsWith("package-info.class")
                        && prefixes.stream().anyMatch(f::startsWith)) {
                    names.add(f.substring(0, f.length() - ".class".length()).replace('/', '.'));
                }
            }
        }
        return names;
    }

    /** The classpath's entries, with those of a manifest-only jar's {@code Class-Path} (as test runners use). */
    private static List<Path> entries(String classpath) {
        List<Path> out = new ArrayList<>();
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            Path p = Path.of(entry);
            out.add(p);
            if (Files.isRegularFile(p)) {
                try (JarFile j = new JarFile(p.toFile())) {
                    String more = j.getManifest() == null ? null
                            : j.getManifest().getMainAttributes().getValue("Class-Path");
                    if (more != null) {
                        for (String u : more.trim().split("\\s+")) {
                            out.add(Path.of(p.toUri().resolve(u)));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // not a jar, or an entry that is not a file URL: nothing more to find there
                }
            }
        }
        return out;
    }

    private static List<String> jarEntries(Path jar) {
        if (!Files.isRegularFile(jar)) {
            return List.of();
        }
        try (JarFile j = new JarFile(jar.toFile())) {
            return j.stream().map(e -> e.getName()).filter(n -> !n.startsWith("META-INF/")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static List<String> directoryEntries(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(f -> dir.relativize(f).toString().replace(File.separatorChar, '/'))
                    .sorted().toList();
        } catch (IOException e) {
            return Collections.emptyList();
        }
    }
}
