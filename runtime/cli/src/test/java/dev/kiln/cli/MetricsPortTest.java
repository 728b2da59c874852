package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.kiln.cli.ModelDirectories.text;
import static dev.kiln.cli.ReportRuns.config;
import static org.junit.jupiter.api.Assertions.*;

/** kiln pretrain --metrics-port: Prometheus scrapes over loopback during a short run see the loss meter change. */
class MetricsPortTest {
    private static final Pattern LOSS = Pattern.compile("(?m)^kiln_train_loss\\{backend=\"cpu\",objective=\"clm\"} (\\S+)$");
    private static final long LIMIT_S = 180;

    @TempDir
    Path tmp;

    @Test
    void theLossMeterChangesBetweenScrapesDuringARun() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, Object> cfg = config(text(tmp.resolve("stories.txt")), 300, 0, 0.003, false);
        @SuppressWarnings("unchecked")
        Map<String, Object> train = (Map<String, Object>) cfg.get("train");
        train.put("checkpoint_every", 0);
        Path file = ModelDirectories.config(tmp.resolve("run.json"), cfg);
        CompletableFuture<Cli> run = CompletableFuture.supplyAsync(() -> ModelDirectories.kiln("pretrain", "--config", file.toString(),
                "--out", tmp.resolve("run").toString(), "--no-sample", "--metrics-port", String.valueOf(port)));

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build();
        Set<Double> losses = new LinkedHashSet<>();
        String body = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LIMIT_S);
        while (!run.isDone() && System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(scrape, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                body = r.body();
                Matcher m = LOSS.matcher(body);
                if (m.find()) losses.add(Double.parseDouble(m.group(1)));
            } catch (IOException notYetListening) {
                // the command is still starting (or has just finished)
            }
            Thread.sleep(5);
        }
        Cli r = run.get(LIMIT_S, TimeUnit.SECONDS);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("metrics for Prometheus at http://127.0.0.1:" + port + "/metrics"), r.err());
        assertTrue(losses.size() >= 2, "the loss gauge changed between scrapes: " + losses);
        assertNotNull(body);
        for (String meter : new String[] {"kiln_train_tokens_total", "kiln_train_step_seconds_count", "kiln_train_lr", "kiln_train_grad_norm",
                "jvm_memory_used_bytes", "jvm_gc_", "process_uptime_seconds", "process_cpu_usage"})
            assertTrue(body.contains(meter), meter + " is served:\n" + body);
        assertThrows(IOException.class, () -> http.send(scrape, HttpResponse.BodyHandlers.ofString()), "the endpoint closes with the command");
    }
}
