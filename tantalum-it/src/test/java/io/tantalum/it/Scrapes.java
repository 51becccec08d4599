package io.tantalum.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus scrapes of the daemons' {@code /metrics}, as Prometheus reads them, and docs/metrics.md's tables. */
final class Scrapes {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private static final Pattern SAMPLE = Pattern.compile("^((?:tantalum|process)_\\w+?)(?:\\{([^}]*)})? (\\S+)$",
            Pattern.MULTILINE);

    private Scrapes() {}

    /** Every metric name in docs/metrics.md's tables that starts with {@code prefix}. */
    static Set<String> documented(String prefix) throws java.io.IOException {
        Path doc = Path.of(System.getProperty("user.dir")).getParent().resolve("docs").resolve("metrics.md");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("^\\| `(" + prefix + "\\w+)` \\|", Pattern.MULTILINE).matcher(Files.readString(doc));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The samples of one /metrics: "name{labels}" to value (tantalum_ and process_ ones). */
    static Map<String, Double> scrape(URI metrics, String token) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(metrics).header("Authorization", "Bearer " + token)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith(
                "text/plain; version=0.0.4"));
        Map<String, Double> samples = new TreeMap<>();
        Matcher m = SAMPLE.matcher(r.body());
        while (m.find()) {
            samples.put(m.group(1) + "{" + (m.group(2) == null ? "" : m.group(2)) + "}", Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    /** The metric families served whose names start with {@code prefix} (histogram and summary series folded). */
    static Set<String> families(Map<String, Double> samples, String prefix) {
        Set<String> f = new TreeSet<>();
        samples.keySet().stream().map(k -> k.replaceAll("\\{.*", "")).filter(n -> n.startsWith(prefix))
                .forEach(n -> f.add(n.replaceAll("_(bucket|count|sum|max)$", "")));
        return f;
    }

    /** The value of the one sample of {@code name} whose labels contain each of {@code labels} ({@code key="value"}). */
    static double value(Map<String, Double> samples, String name, String... labels) {
        String what = name + " with " + String.join(", ", labels);
        return samples.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{") && java.util.Arrays.stream(labels)
                .allMatch(l -> e.getKey().contains(l))).map(Map.Entry::getValue).reduce((a, b) -> {
                    throw new AssertionError("more than one sample of " + what);
                }).orElseThrow(() -> new AssertionError("no sample of " + what + " in " + samples));
    }

    /** The sum of every sample of {@code name} whose labels contain {@code label} (0 if none). */
    static double sum(Map<String, Double> samples, String name, String label) {
        return samples.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{") && e.getKey().contains(label))
                .mapToDouble(Map.Entry::getValue).sum();
    }
}
