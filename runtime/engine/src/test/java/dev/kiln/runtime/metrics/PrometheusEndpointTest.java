package dev.kiln.runtime.metrics;

import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.kiln.api.io.Json;

import static org.junit.jupiter.api.Assertions.*;

class PrometheusEndpointTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void kilnsMetersAndTheJvmsAreServedInPrometheusTextFormatOnLoopback() throws Exception {
        String url;
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(0)) {
            url = endpoint.url();
            assertTrue(url.startsWith("http://127.0.0.1:") && endpoint.port() > 0, url);
            TrainingMetrics m = new TrainingMetrics(endpoint.registry(), "clm", "cpu");
            m.step(1_000_000, 128, 2.5, 1e-3, 0.7, 1000);
            m.eval(Map.of("perplexity", 12.0));
            HttpResponse<String> r = get(url);
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"), r.headers().toString());
            String body = r.body();
            assertTrue(body.contains("kiln_train_loss{backend=\"cpu\",objective=\"clm\"} 2.5"), body);
            assertTrue(body.contains("kiln_eval_perplexity{backend=\"cpu\",objective=\"clm\"} 12.0"), body);
            assertTrue(body.contains("# TYPE kiln_train_tokens_total counter"), body);
            assertTrue(body.contains("jvm_memory_used_bytes") && body.contains("process_uptime_seconds") && body.contains("system_cpu_count"), body);
            RequiredInCi.require(java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/status")),
                    "no /proc/self/status (not Linux): no process_memory_rss_bytes to check");
            assertTrue(body.matches("(?s).*\nprocess_memory_rss_bytes [1-9][0-9.E]+\n.*"), "RSS in bytes: " + body);
            m.step(1_000_000, 128, 2.25, 1e-3, 0.7, 1000);
            assertTrue(get(url).body().contains("kiln_train_loss{backend=\"cpu\",objective=\"clm\"} 2.25"), "a scrape sees the new loss");
            assertEquals(404, get(url.replace("/metrics", "/other")).statusCode());
        }
        assertThrows(ConnectException.class, () -> get(url), "closed: nothing listens any more");
    }

    @Test
    void theSampleGrafanaDashboardQueriesOnlyMetersTheEndpointServes() throws Exception {
        Path dashboard = Path.of("../../samples/grafana/kiln-training.json");
        Set<String> queried = new TreeSet<>();
        collectExpressions(Json.parse(Files.readString(dashboard), dashboard.toString()), queried);
        assertTrue(queried.size() >= 10, "the dashboard queries the training and JVM meters: " + queried);
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.start(0)) {
            TrainingMetrics m = new TrainingMetrics(endpoint.registry(), "clm", "cpu");
            m.step(1_000_000, 128, 2.5, 1e-3, 0.7, 1000);
            m.eval(Map.of("loss", 2.0));
            String body = "";
            for (int i = 0; i < 100 && !body.contains("jvm_gc_pause_seconds"); i++) {   // GC pause timers appear after a collection
                System.gc();
                Thread.sleep(50);
                body = get(endpoint.url()).body();
            }
            for (String name : queried) assertTrue(body.contains("\n" + name), "the dashboard queries " + name + ", which the endpoint does not serve");
        }
    }

    /** The metric names in every 'expr' of the dashboard (series regexes like kiln_eval_.+ stand for their prefix). */
    private static void collectExpressions(Object node, Set<String> names) {
        if (node instanceof Map<?, ?> m) {
            if (m.get("expr") instanceof String expr) {
                Matcher n = Pattern.compile("\\b(kiln|jvm|process|system)_[a-z0-9_]+").matcher(expr);
                while (n.find()) names.add(n.group());
            }
            m.values().forEach(v -> collectExpressions(v, names));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> collectExpressions(v, names));
        }
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        try (PrometheusEndpoint first = PrometheusEndpoint.start(0)) {
            IOException e = assertThrows(IOException.class, () -> PrometheusEndpoint.start(first.port()));
            assertTrue(e.getMessage().contains("--metrics-port " + first.port()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PrometheusEndpoint.start(70000));
    }
}
