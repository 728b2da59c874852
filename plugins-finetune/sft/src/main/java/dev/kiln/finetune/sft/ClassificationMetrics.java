package dev.kiln.finetune.sft;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Host-side classification metrics. Per batch, the confusion matrix is reported as fractions of
 * the batch's examples under {@code confusion.<true>.<pred>} (non-zero cells only); the
 * evaluator's example-weighted average turns them into fractions of the whole split, from which
 * {@link #finish} derives macro-F1 (F1 is scale-free, so fractions give the same value as counts).
 */
final class ClassificationMetrics {
    static final String CONFUSION = "confusion.";

    private ClassificationMetrics() {}

    static String key(Labels labels, int truth, int pred) {
        return CONFUSION + labels.name(truth) + "." + labels.name(pred);
    }

    /** Adds one batch's confusion cells: truth[i], pred[i] over b rows. */
    static void confusion(Map<String, Double> metrics, Labels labels, int[] truth, int[] pred) {
        int k = labels.size(), b = truth.length;
        int[] counts = new int[k * k];
        for (int i = 0; i < b; i++) counts[truth[i] * k + pred[i]]++;
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++)
                if (counts[t * k + p] > 0) metrics.put(key(labels, t, p), (double) counts[t * k + p] / b);
    }

    /**
     * Macro-F1 over the classes present in the truth or the predictions (scikit-learn's default
     * label set); a class with no true positives scores 0. NaN when no confusion cells are present.
     */
    static double macroF1(Map<String, Double> metrics, Labels labels) {
        int k = labels.size();
        double[] cell = new double[k * k];
        boolean any = false;
        for (int t = 0; t < k; t++)
            for (int p = 0; p < k; p++) {
                Double v = metrics.get(key(labels, t, p));
                if (v != null) {
                    cell[t * k + p] = v;
                    any = true;
                }
            }
        if (!any) return Double.NaN;
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < k; c++) {
            double tp = cell[c * k + c], support = 0, predicted = 0;
            for (int j = 0; j < k; j++) {
                support += cell[c * k + j];
                predicted += cell[j * k + c];
            }
            if (support == 0 && predicted == 0) continue;
            classes++;
            sum += tp == 0 ? 0 : 2 * tp / (support + predicted);
        }
        return classes == 0 ? Double.NaN : sum / classes;
    }

    /** The averaged metrics plus macro_f1 (when confusion cells are present). */
    static Map<String, Double> finish(Map<String, Double> averaged, Labels labels) {
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        double f1 = macroF1(averaged, labels);
        if (!Double.isNaN(f1)) out.put("macro_f1", f1);
        return out;
    }
}
