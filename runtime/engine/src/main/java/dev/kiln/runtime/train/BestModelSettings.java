package dev.kiln.runtime.train;

import dev.kiln.api.config.Config;

/**
 * Model selection on the validation metric, with Hugging Face Trainer's names:
 * {@code metric_for_best_model} (default {@code loss}), {@code greater_is_better} (default: false
 * for a metric named like a loss or perplexity, true otherwise), {@code early_stopping_patience}
 * (evaluations without improvement before stopping; 0 = never stop early),
 * {@code early_stopping_threshold} (how much better counts as better) and
 * {@code load_best_model_at_end} (default: on when early stopping is).
 */
public record BestModelSettings(String metric, boolean greaterIsBetter, int patience, double threshold, boolean loadBestAtEnd) {

    /** Reads the keys from the train section (the caller finishes it). */
    static BestModelSettings fromConfig(Config c) {
        String metric = c.getString("metric_for_best_model", "loss");
        boolean greater = c.getBoolean("greater_is_better", !(metric.endsWith("loss") || metric.endsWith("perplexity") || metric.endsWith("rmse")));
        int patience = c.getInt("early_stopping_patience", 0);
        double threshold = c.getDouble("early_stopping_threshold", 0.0);
        boolean load = c.getBoolean("load_best_model_at_end", patience > 0);
        if (patience < 0) throw c.error("early_stopping_patience", "must be >= 0 (0 turns early stopping off), got " + patience);
        if (threshold < 0) throw c.error("early_stopping_threshold", "must be >= 0, got " + threshold);
        return new BestModelSettings(metric, greater, patience, threshold, load);
    }

    /** Whether the trainer tracks the best evaluation at all. */
    public boolean tracking() { return patience > 0 || loadBestAtEnd; }

    /** Whether {@code value} beats {@code best} by more than the threshold. */
    boolean improves(double value, double best) {
        if (Double.isNaN(value)) return false;
        if (Double.isNaN(best)) return true;
        return greaterIsBetter ? value > best + threshold : value < best - threshold;
    }
}
