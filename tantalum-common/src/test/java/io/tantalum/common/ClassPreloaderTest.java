package io.tantalum.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassPreloaderTest {
    @TempDir
    Path dir;

    @Test
    void findsTheNamedPackagesInJarsAndClassDirectoriesOnly() throws Exception {
        Path jar = dir.resolve("lib.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("com/x/binlog/Client.class", "com/x/binlog/Client$1.class",
                    "com/x/other/Nope.class", "module-info.class", "com/x/binlog/package-info.class",
                    "META-INF/versions/11/com/x/binlog/Client.class", "com/x/binlog/readme.txt")) {
                out.putNextEntry(new JarEntry(name));
                out.closeEntry();
            }
        }
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes.resolve("io/tantalum/thl"));
        Files.createDirectories(classes.resolve("io/tantalum/thlx"));
        for (String f : List.of("io/tantalum/thl/ThlLog.class", "io/tantalum/thlx/Other.class", "logback.xml")) {
            try (OutputStream o = Files.newOutputStream(classes.resolve(f))) {
                o.write(0);
            }
        }
        String classpath = String.join(File.pathSeparator, jar.toString(), "", classes.toString(),
                dir.resolve("missing.jar").toString());
        assertThat(ClassPreloader.classNames(classpath, List.of("com.x.binlog", "io.tantalum.thl")))
                .containsExactly("com.x.binlog.Client", "com.x.binlog.Client$1", "io.tantalum.thl.ThlLog");
    }

    @Test
    void followsTheClassPathOfAManifestOnlyJar() throws Exception {
        Path classes = dir.resolve("deps dir/classes");
        Files.createDirectories(classes.resolve("io/tantalum/api"));
        Files.write(classes.resolve("io/tantalum/api/AdminClient.class"), new byte[] {0});
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        m.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().put(java.util.jar.Attributes.Name.CLASS_PATH, classes.toUri().toString());
        Path booter = dir.resolve("booter.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(booter), m)) {
            out.putNextEntry(new JarEntry("org/runner/Boot.class"));
            out.closeEntry();
        }
        assertThat(ClassPreloader.classNames(booter.toString(), List.of("io.tantalum")))
                .containsExactly("io.tantalum.api.AdminClient");
    }

    @Test
    void preloadsWithoutFailingOnClassesThatCannotLoad() throws Exception {
        Thread t = ClassPreloader.start("test", "io.tantalum.common");
        t.join(30_000);
        assertThat(t.isAlive()).isFalse();
    }
}
