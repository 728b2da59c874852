package dev.kiln.runtime.report;

import dev.kiln.api.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A run directory as the report sees it: {@code metrics.jsonl} (train, eval, test, best,
 * early_stop and sample records), {@code run.json} (config, backend, versions; written when a
 * session starts) and {@code report.json} (written at the end). Works on a finished run, a running
 * one (a half-written last line is skipped) and a resumed one: the log is appended across
 * sessions, and where a step was logged twice (steps redone after resuming an earlier checkpoint)
 * the later record wins, so each curve has one point per step and is continuous.
 */
public final class RunLog {
    public static final String METRICS = "metrics.jsonl";
    public static final String INFO = "run.json";
    public static final String REPORT = "report.json";

    private final Path dir;
    private final Map<String, TreeMap<Long, Map<String, Object>>> byType = new LinkedHashMap<>();
    private final List<Map<String, Object>> samples = new ArrayList<>();
    private final Map<String, Object> info;
    private final Map<String, Object> report;
    private double firstTime = Double.NaN, lastTime = Double.NaN;

    private RunLog(Path dir, Map<String, Object> info, Map<String, Object> report) {
        this.dir = dir;
        this.info = info;
        this.report = report;
    }

    /** Reads a run directory; an error when it has no metrics.jsonl. */
    public static RunLog read(Path dir) throws IOException {
        Path metrics = dir.resolve(METRICS);
        if (!Files.isRegularFile(metrics))
            throw new NoSuchFileException(metrics.toString(), null, "not a Kiln run directory: no " + METRICS);
        RunLog log = new RunLog(dir, object(dir.resolve(INFO)), object(dir.resolve(REPORT)));
        List<String> lines = Files.readAllLines(metrics, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            Object parsed;
            try {
                parsed = Json.parse(line, metrics + " line " + (i + 1));
            } catch (IOException e) {
                if (i == lines.size() - 1) continue;          // being written right now
                throw e;
            }
            if (parsed instanceof Map<?, ?> m) log.add(cast(m));
        }
        return log;
    }

    private void add(Map<String, Object> r) {
        String type = String.valueOf(r.get("type"));
        long step = r.get("step") instanceof Number n ? n.longValue() : 0;
        if (r.get("time") instanceof Number t) {
            if (Double.isNaN(firstTime)) firstTime = t.doubleValue();
            lastTime = t.doubleValue();
        }
        if (type.equals("sample")) samples.add(r);
        else byType.computeIfAbsent(type, k -> new TreeMap<>()).put(step, r);
    }

    /** The run's name: its directory's. */
    public String name() {
        Path f = dir.toAbsolutePath().normalize().getFileName();
        return f == null ? dir.toString() : f.toString();
    }

    public Path dir() { return dir; }

    /** run.json, or empty (a run started before Kiln wrote it). */
    public Map<String, Object> info() { return info; }

    /** report.json, or empty while the run has not finished. */
    public Map<String, Object> report() { return report; }

    /** A numeric field of the train records over steps. */
    public Series train(String key) { return series("train", key); }

    /** A numeric field of the evaluation records over steps. */
    public Series eval(String key) { return series("eval", key); }

    /** The numeric fields the train records have, in the order they first appear. */
    public Set<String> trainKeys() { return keys("train"); }

    /** The metric names of the evaluations, in the order they first appear. */
    public Set<String> evalKeys() { return keys("eval"); }

    /** The last logged training step, or 0. */
    public long lastStep() {
        long last = 0;
        for (var records : byType.values()) if (!records.isEmpty()) last = Math.max(last, records.lastKey());
        return last;
    }

    /** The run's planned steps (run.json), or -1. */
    public long totalSteps() {
        return info.get("total_steps") instanceof Number n ? n.longValue() : -1;
    }

    /** Whether the run has finished: report.json is there and covers the last logged step. */
    public boolean finished() {
        return report.get("steps") instanceof Number n && n.longValue() >= lastStep();
    }

    /** The step of the best evaluation (model selection), or -1. */
    public long bestStep() {
        if (section(report, "model_selection").get("best_step") instanceof Number n && n.longValue() >= 0) return n.longValue();
        var best = byType.get("best");
        if (best != null && !best.isEmpty()) return best.lastKey();
        var stop = byType.get("early_stop");
        if (stop != null && !stop.isEmpty() && stop.lastEntry().getValue().get("best_step") instanceof Number n) return n.longValue();
        return -1;
    }

    /** The step at which early stopping ended the run, or -1. */
    public long earlyStopStep() {
        if (section(report, "model_selection").get("stopped_early_at") instanceof Number n) return n.longValue();
        var stop = byType.get("early_stop");
        return stop == null || stop.isEmpty() ? -1 : stop.lastKey();
    }

    /** The metric model selection uses (report.json, else the config's train.metric_for_best_model), or null. */
    public String selectionMetric() {
        if (section(report, "model_selection").get("metric") instanceof String s) return s;
        if (section(section(info, "config"), "train").get("metric_for_best_model") instanceof String s) return s;
        return byType.containsKey("early_stop") && byType.get("early_stop").lastEntry().getValue().get("metric") instanceof String s ? s : null;
    }

    /** The first evaluation's metrics (report.json's validation_before when finished). */
    public Map<String, Double> firstEval() {
        Map<String, Double> m = numbers(report.get("validation_before"));
        if (!m.isEmpty()) return m;
        var evals = byType.get("eval");
        return evals == null || evals.isEmpty() ? Map.of() : numbers(evals.firstEntry().getValue());
    }

    /** The final evaluation's metrics (report.json's validation_after: the best one when loaded at the end). */
    public Map<String, Double> finalEval() {
        Map<String, Double> m = numbers(report.get("validation_after"));
        if (!m.isEmpty()) return m;
        var evals = byType.get("eval");
        return evals == null || evals.isEmpty() ? Map.of() : numbers(evals.lastEntry().getValue());
    }

    /** The test split's metrics, or empty. */
    public Map<String, Double> test() {
        Map<String, Double> m = numbers(report.get("test"));
        if (!m.isEmpty()) return m;
        var test = byType.get("test");
        return test == null || test.isEmpty() ? Map.of() : numbers(test.lastEntry().getValue());
    }

    /** Generated samples: records with prompt, text and settings, in the order they were written. */
    public List<Map<String, Object>> samples() { return samples; }

    /** report.json's wall seconds when finished, else the time between the first and the last record. */
    public double wallSeconds() {
        if (report.get("wall_seconds") instanceof Number n) return n.doubleValue();
        return Double.isNaN(firstTime) ? Double.NaN : lastTime - firstTime;
    }

    /** A map-valued field of a map, or an empty map. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> section(Map<String, Object> m, String key) {
        return m.get(key) instanceof Map<?, ?> s ? (Map<String, Object>) s : Map.of();
    }

    /** The numeric fields of a record (step, time and type left out); logged NaN / Infinity strings become doubles. */
    static Map<String, Double> numbers(Object record) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (!(record instanceof Map<?, ?> m)) return out;
        for (var e : m.entrySet()) {
            String k = String.valueOf(e.getKey());
            if (k.equals("step") || k.equals("time") || k.equals("type")) continue;
            double v = number(e.getValue());
            if (e.getValue() instanceof Number || !Double.isNaN(v)) out.put(k, v);
        }
        return out;
    }

    private static double number(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) return switch (s) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.NaN;
        };
        return Double.NaN;
    }

    private static boolean numeric(Object v) {
        return v instanceof Number || "NaN".equals(v) || "Infinity".equals(v) || "-Infinity".equals(v);
    }

    private Series series(String type, String key) {
        var records = byType.get(type);
        if (records == null) return Series.empty(key);
        long[] steps = new long[records.size()];
        double[] values = new double[records.size()];
        int n = 0;
        for (var e : records.entrySet()) {
            Object v = e.getValue().get(key);
            if (!numeric(v)) continue;
            steps[n] = e.getKey();
            values[n++] = number(v);
        }
        return new Series(key, java.util.Arrays.copyOf(steps, n), java.util.Arrays.copyOf(values, n));
    }

    private Set<String> keys(String type) {
        Set<String> keys = new LinkedHashSet<>();
        var records = byType.get(type);
        if (records != null)
            for (var r : records.values())
                for (var e : r.entrySet())
                    if (numeric(e.getValue()) && !e.getKey().equals("step") && !e.getKey().equals("time")) keys.add(e.getKey());
        return keys;
    }

    /** A JSON object file, or empty when absent (report.json before the end) or not an object. */
    private static Map<String, Object> object(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return Map.of();
        return Json.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString()) instanceof Map<?, ?> m ? cast(m) : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) { return (Map<String, Object>) m; }
}
