package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/grafana/tantalum-dashboard.json asks Prometheus only for metrics the daemons serve: every
 * metric in its queries is in docs/metrics.md, which the ITs check against what is served.
 */
class GrafanaDashboardTest {
    @Test
    void everyQueryUsesDocumentedMetrics() throws Exception {
        Path dir = Path.of(System.getProperty("user.dir")).getParent().resolve("docs");
        JsonNode dashboard = new ObjectMapper().readTree(dir.resolve("grafana").resolve("tantalum-dashboard.json")
                .toFile());
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                Matcher m = Pattern.compile("\\b((?:tantalum|process)_[a-z_]+)").matcher(target.get("expr").asText());
                while (m.find()) {
                    used.add(m.group(1).replaceAll("_(bucket|count|sum|max)$", ""));
                }
            }
        }
        Set<String> documented = new TreeSet<>(Scrapes.documented("tantalum_"));
        documented.add("process_resident_memory_bytes");
        assertThat(documented).containsAll(used);
        assertThat(used).as("the dashboard shows every daemon").anyMatch(n -> n.startsWith("tantalum_replicator_"))
                .anyMatch(n -> n.startsWith("tantalum_manager_")).anyMatch(n -> n.startsWith("tantalum_connector_"));
    }
}
