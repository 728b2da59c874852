package dev.kiln.runtime.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

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
            m.step(1_000_000, 128, 2.25, 1e-3, 0.7, 1000);
            assertTrue(get(url).body().contains("kiln_train_loss{backend=\"cpu\",objective=\"clm\"} 2.25"), "a scrape sees the new loss");
            assertEquals(404, get(url.replace("/metrics", "/other")).statusCode());
        }
        assertThrows(ConnectException.class, () -> get(url), "closed: nothing listens any more");
    }

    @Test
    void aPortInUseIsAClearError() throws Exception {
        try (PrometheusEndpoint first = PrometheusEndpoint.start(0)) {
            IOException e = assertThrows(IOException.class, () -> PrometheusEndpoint.start(first.port()));
            assertTrue(e.getMessage().contains("--metrics-port " + first.port()), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> PrometheusEndpoint.start(70000));
        assertNotNull(new SimpleMeterRegistry());
    }
}
