package dev.kiln.runtime.report;

import dev.kiln.api.io.Json;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.io.AtomicFiles;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code run.json}: what a run is, written when each training session starts, so the report can
 * show it while the run is going: the config (after overrides; and resolved: with the default of every
 * key the run read), objective, method, backend,
 * trainable / total parameters, the planned steps, versions (Kiln, plugin API, Java, OS) and one
 * entry per session ({@code started}, {@code from_step}; a resumed run has several).
 */
public final class RunInfo {
    private RunInfo() {}

    /** What one session knows at its start. {@code method} may be null (pretraining); {@code resolvedConfig} may be empty. */
    public record Session(Map<String, Object> config, Map<String, Object> resolvedConfig, String objective, String method, String backend,
                          long trainable, long total, double trainablePercent, long fromStep, long totalSteps) {}

    public static void write(Path runDir, Session s) throws IOException {
        Path file = runDir.resolve(RunLog.INFO);
        List<Object> sessions = new ArrayList<>();
        if (Files.isRegularFile(file)) {
            try {
                if (Json.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString()) instanceof Map<?, ?> old
                        && old.get("sessions") instanceof List<?> l) sessions.addAll(l);
            } catch (IOException e) {
                // an unreadable run.json from elsewhere: start the list again
            }
        }
        Map<String, Object> session = new LinkedHashMap<>();
        session.put("started", Instant.now().toString());
        session.put("from_step", s.fromStep());
        sessions.add(session);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("objective", s.objective());
        if (s.method() != null) info.put("method", s.method());
        info.put("backend", s.backend());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("trainable", s.trainable());
        params.put("total", s.total());
        params.put("trainable_percent", s.trainablePercent());
        info.put("parameters", params);
        info.put("total_steps", s.totalSteps());
        info.put("versions", versions());
        info.put("sessions", sessions);
        info.put("config", plain(s.config()));
        info.put("resolved_config", plain(s.resolvedConfig()));
        AtomicFiles.writeString(file, Json.write(info) + "\n");
    }

    static Map<String, Object> versions() {
        Map<String, Object> v = new LinkedHashMap<>();
        String kiln = RunInfo.class.getPackage().getImplementationVersion();
        v.put("kiln", kiln == null ? "dev" : kiln);
        v.put("plugin API", ApiVersion.CURRENT);
        v.put("Java", Runtime.version().toString() + " (" + System.getProperty("java.vm.name") + ")");
        v.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        v.put("cores", Runtime.getRuntime().availableProcessors());
        return v;
    }

    /** The config as JSON's own types (a YAML parser's BigDecimal or Float become Double, non-finite numbers strings). */
    static Object plain(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (var e : m.entrySet()) out.put(String.valueOf(e.getKey()), plain(e.getValue()));
            return out;
        }
        if (v instanceof List<?> l) return l.stream().map(RunInfo::plain).toList();
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte || v instanceof BigInteger)
            return ((Number) v).longValue();
        if (v instanceof Number n) {
            double d = n instanceof BigDecimal bd ? bd.doubleValue() : n.doubleValue();
            return Double.isFinite(d) ? d : String.valueOf(d);
        }
        if (v == null || v instanceof String || v instanceof Boolean) return v;
        return String.valueOf(v);
    }
}
