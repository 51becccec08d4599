package io.tantalum.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesAFileWholeCreatingItsDirectoriesAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("a/b/role.properties");
        DurableFiles.replace(file, "one".getBytes(StandardCharsets.UTF_8), false);
        DurableFiles.replace(file, "two".getBytes(StandardCharsets.UTF_8), false);
        assertThat(file).hasContent("two");
        try (var s = Files.list(file.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("role.properties");
        }
    }

    @Test
    void aPropertiesFileIsWrittenInUtf8AsItsReadersLoadIt() throws Exception {
        Path file = dir.resolve("session.properties");
        Properties p = new Properties();
        p.setProperty("start", "mariadb-bin.000001:0000000000000004;gtid=0-1-1 ÿ€");
        DurableFiles.replace(file, p, "a comment", false);
        Properties back = new Properties();
        try (var r = Files.newBufferedReader(file)) {
            back.load(r);
        }
        assertThat(back).isEqualTo(p);
        assertThat(Files.readString(file)).startsWith("#a comment");
    }

    @Test
    void anOwnerOnlyFileIsMode0600() throws Exception {
        Path file = dir.resolve("secrets");
        DurableFiles.replace(file, new byte[] {1, 2}, true);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readAllBytes(file)).containsExactly(1, 2);
    }
}
