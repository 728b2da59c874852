package dev.kiln.runtime.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Kiln's meters for Prometheus: a Micrometer {@link PrometheusMeterRegistry} with the JVM and
 * process meters bound to it (and the resident set size, {@value #PROCESS_RSS}), served at {@code http://127.0.0.1:PORT/metrics} in Prometheus'
 * text format by the JDK's HTTP server (loopback only, one daemon thread). Bind {@link #registry()}
 * as Kiln's meter registry ({@code KilnBinders.meterRegistry(binder()).setBinding()}) so the
 * {@code kiln.train.*} and {@code kiln.eval.*} meters land in it. Port 0 picks a free port.
 */
public final class PrometheusEndpoint implements AutoCloseable {
    public static final String PATH = "/metrics";
    /** The process's resident set size in bytes (Linux; NaN elsewhere): process_memory_rss_bytes. */
    public static final String PROCESS_RSS = "process.memory.rss";
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final HttpServer server;
    private final ExecutorService executor;

    private PrometheusEndpoint(int port) throws IOException {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        Gauge.builder(PROCESS_RSS, () -> ProcessMemory.rssMib() * 1024 * 1024).description("resident set size (VmRSS)")
                .baseUnit("bytes").register(registry);
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (IOException e) {
            gc.close();
            registry.close();
            throw new IOException("--metrics-port " + port + ": cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
        server.createContext(PATH, this::scrape);
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "kiln-prometheus");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
    }

    /** Starts serving on 127.0.0.1:port (0: any free port). */
    public static PrometheusEndpoint start(int port) throws IOException {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--metrics-port must be 0..65535, not " + port);
        return new PrometheusEndpoint(port);
    }

    public MeterRegistry registry() { return registry; }

    /** The port actually listened on. */
    public int port() { return server.getAddress().getPort(); }

    /** http://127.0.0.1:PORT/metrics */
    public String url() { return "http://127.0.0.1:" + port() + PATH; }

    private void scrape(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            boolean head = exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(200, head ? -1 : body.length);
            if (!head) try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        gc.close();
        registry.close();
    }
}
