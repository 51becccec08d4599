package io.tantalum.cli.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigurationDocsTest {
    @Test
    void docsConfigurationMdIsGeneratedFromTheDeclarations() throws Exception {
        Path doc = Path.of("..", "docs", "configuration.md");
        assertThat(Files.readString(doc))
                .as("docs/configuration.md is stale: run ./bin/tpm docs configuration > docs/configuration.md")
                .isEqualTo(ConfigDocs.markdown());
    }
}
