package io.tantalum.cli.install;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class JavaRuntimeTest {
    @Test
    void parsesTheVersionLineOfEveryVendorAndEra() {
        assertThat(JavaRuntime.parse("openjdk version \"11.0.24\" 2024-07-16\nOpenJDK Runtime Environment"))
                .isEqualTo(new JavaRuntime.Version("11.0.24", 11));
        assertThat(JavaRuntime.parse("java version \"1.8.0_392\"\nJava(TM) SE Runtime Environment"))
                .isEqualTo(new JavaRuntime.Version("1.8.0_392", 8));
        assertThat(JavaRuntime.parse("Picked up JAVA_TOOL_OPTIONS: -Xss1m\nopenjdk version \"25\" 2025-09-16"))
                .isEqualTo(new JavaRuntime.Version("25", 25));
        assertThat(JavaRuntime.parse("openjdk version \"21-ea\" 2023-09-19").feature()).isEqualTo(21);
        assertThatThrownBy(() -> JavaRuntime.parse("bash: java: command not found"))
                .hasMessage("no version in: bash: java: command not found");
    }

    @Test
    void anEmptyJavaHomeIsTheJavaThatRunsTpmAndItIsProbedForReal() {
        JavaRuntime here = JavaRuntime.of("");
        assertThat(here.home()).isEqualTo(Path.of(System.getProperty("java.home")));
        assertThat(here.probe().feature()).isEqualTo(Runtime.version().feature());
        assertThatThrownBy(() -> JavaRuntime.of("/nonexistent/jdk").probe())
                .hasMessage("there is no Java at /nonexistent/jdk/bin/java");
    }
}
