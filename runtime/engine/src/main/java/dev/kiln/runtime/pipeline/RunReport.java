package dev.kiln.runtime.pipeline;

import dev.kiln.api.io.Json;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.TrainableParameters;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.io.AtomicFiles;
import dev.kiln.runtime.io.JsonValues;
import dev.kiln.runtime.train.BestModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The end-of-run report ({@code report.json} in the run directory): what trained and how much of
 * the model, how long, model selection and early stopping, validation before / after, the test
 * split, the forgetting measurement and peak heap. Indented JSON; a NaN or infinite value (a
 * diverged run's perplexity) is written as the string {@code "NaN"} / {@code "Infinity"}.
 */
final class RunReport {
    static final String FILE = "report.json";

    private final Map<String, Object> report = new LinkedHashMap<>();

    RunReport(Objective objective, FineTuner tuner, TrainableParameters trainable) {
        report.put("objective", objective.name());
        if (tuner != null) report.put("method", tuner.name());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("trainable", trainable.trainable());
        params.put("total", trainable.total());
        params.put("trainable_percent", trainable.percent());
        report.put("parameters", params);
    }

    RunReport training(long steps, long stepsRun, double trainSeconds, double tokensPerSecond) {
        report.put("steps", steps);
        report.put("steps_run", stepsRun);
        report.put("train_seconds", trainSeconds);
        report.put("tokens_per_second", tokensPerSecond);
        return this;
    }

    RunReport selection(BestModel best, long stoppedEarlyAt) {
        if (best == null) return this;
        Map<String, Object> sel = new LinkedHashMap<>();
        sel.put("metric", best.settings().metric());
        sel.put("greater_is_better", best.settings().greaterIsBetter());
        sel.put("best_step", best.bestStep());
        sel.put("best_value", best.bestValue());
        sel.put("loaded_best_at_end", best.settings().loadBestAtEnd() && best.bestStep() >= 0);
        sel.put("stopped_early_at", stoppedEarlyAt < 0 ? null : stoppedEarlyAt);
        report.put("model_selection", sel);
        return this;
    }

    RunReport evaluations(Map<String, Double> before, Map<String, Double> after, Map<String, Double> test) {
        report.put("validation_before", before);
        report.put("validation_after", after);
        if (!test.isEmpty()) report.put("test", test);
        return this;
    }

    RunReport forgetting(Map<String, Object> forgetting) {
        if (forgetting != null) report.put("forgetting", forgetting);
        return this;
    }

    RunReport memory(long peakHeapBytes) {
        report.put("peak_heap_mib", peakHeapBytes / (1024.0 * 1024.0));
        return this;
    }

    /** Writes report.json atomically and returns the report. */
    Map<String, Object> write(Path file, double wallSeconds) throws IOException {
        report.put("wall_seconds", wallSeconds);
        AtomicFiles.writeString(file, Json.pretty(JsonValues.finite(report)) + "\n");
        return report;
    }
}
