package dev.kiln.runtime.train;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The best evaluation so far and a copy of the trainable tensors at that point, kept on disk
 * ({@code best.safetensors} beside the step checkpoints, written atomically) so that a resumed
 * run still knows it (its patience count restarts). Frozen tensors are not copied: they cannot
 * have changed.
 */
public final class BestModel {
    static final String FILE = "best.safetensors";

    private final BestModelSettings settings;
    private final Path file;
    private double bestValue = Double.NaN;
    private long bestStep = -1;
    private int evalsWithoutImprovement;
    private Map<String, Double> bestMetrics = Map.of();
    private Map<String, float[]> memory = new LinkedHashMap<>();

    /** file: where the copy lives (null keeps it in memory only). */
    BestModel(BestModelSettings settings, Path file) {
        this.settings = settings;
        this.file = file;
    }

    public long bestStep() { return bestStep; }

    public double bestValue() { return bestValue; }

    public Map<String, Double> bestMetrics() { return bestMetrics; }

    public BestModelSettings settings() { return settings; }

    /** Records an evaluation; snapshots the trainable tensors when it is the best so far. Returns whether it was. */
    boolean observe(long step, Map<String, Double> metrics, Map<String, Tensor> params) {
        Double value = metrics.get(settings.metric());
        if (value == null)
            throw new IllegalArgumentException("train.metric_for_best_model: '" + settings.metric() + "' is not a validation metric of this run (metrics: "
                    + String.join(", ", new TreeMap<>(metrics).keySet()) + ")");
        if (!settings.improves(value, bestValue)) {
            evalsWithoutImprovement++;
            return false;
        }
        bestValue = value;
        bestStep = step;
        bestMetrics = Map.copyOf(metrics);
        evalsWithoutImprovement = 0;
        snapshot(params);
        return true;
    }

    /** Early stopping: patience evaluations in a row without improvement. */
    boolean shouldStop() {
        return settings.patience() > 0 && evalsWithoutImprovement >= settings.patience();
    }

    int evalsWithoutImprovement() { return evalsWithoutImprovement; }

    private void snapshot(Map<String, Tensor> params) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        for (var e : params.entrySet()) if (e.getValue().requiresGrad()) copy.put(e.getKey(), e.getValue().toArray());
        memory = copy;
        if (file == null) return;
        Map<String, TensorData> data = new LinkedHashMap<>();
        for (var e : copy.entrySet()) data.put(e.getKey(), TensorData.of(new NamedTensor(e.getKey(), params.get(e.getKey()).dims(), e.getValue())));
        Map<String, String> meta = Map.of("step", Long.toString(bestStep), "metric", settings.metric(), "value", Double.toString(bestValue));
        try {
            Files.createDirectories(file.getParent());
            AtomicFiles.write(file, out -> SafetensorsWriter.write(out, data, meta));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the best model to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Copies the best tensors back into the parameters; false when there was no evaluation to pick from. */
    boolean restore(Map<String, Tensor> params) {
        if (bestStep < 0) return false;
        for (var e : memory.entrySet()) {
            Tensor p = params.get(e.getKey());
            if (p != null) p.copyFrom(e.getValue());
        }
        return true;
    }

    /** On resume: reads a best copy written by an earlier session of this run, if any (patience restarts). */
    void resume(Map<String, Tensor> params) {
        if (file == null || !Files.isRegularFile(file)) return;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> meta = f.metadata();
            if (!settings.metric().equals(meta.get("metric"))) return;     // selected on another metric: start afresh
            Map<String, float[]> copy = new LinkedHashMap<>();
            for (String name : f.names()) {
                Tensor p = params.get(name);
                float[] v = f.floats(name);
                if (p == null || v.length != p.size())
                    throw new IllegalStateException(file + ": tensor '" + name + "' does not match this model; move the file away to start selection afresh");
                copy.put(name, v);
            }
            memory = copy;
            bestStep = Long.parseLong(meta.get("step"));
            bestValue = Double.parseDouble(meta.get("value"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the best model " + file + ": " + e.getMessage(), e);
        }
    }
}
