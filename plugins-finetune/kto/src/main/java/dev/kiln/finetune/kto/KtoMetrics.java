package dev.kiln.finetune.kto;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TRL's KTO metrics. Per batch, what TRL's {@code get_batch_loss_metrics} returns:
 * {@code kl}, {@code count/chosen}, {@code count/rejected} and the sums over each kind's examples
 * {@code rewards/chosen_sum}, {@code logps/chosen_sum}, {@code logits/chosen_sum} (and
 * {@code /rejected_sum}), 0 for a kind the batch lacks; plus, for the training log, the batch's
 * means under TRL's logged names {@code rewards/chosen}, {@code logps/chosen}, {@code logits/chosen},
 * {@code rewards/rejected}, ..., and {@code rewards/margins} when both kinds are present.
 *
 * <p>{@link #finish} does what TRL's {@code log} does for evaluation: each logged mean is the sum over
 * all examples of that kind divided by their count (exact when the evaluation batches have one size;
 * a short last batch weighs in by its size, as evaluation averages batches by {@code weight}),
 * {@code rewards/margins} their difference, and the {@code _sum} keys go.
 *
 * <p>{@code logits/*}: the mean logit over the vocabulary and the positions that predict a completion
 * token, per example (TRL sums every logit of the row's forward, padding included; Kiln's dpo and
 * this plugin report the completion positions' mean instead, a number of the logits' own scale).
 */
final class KtoMetrics {
    private static final List<String> SPLITS = List.of("chosen", "rejected"), KINDS = List.of("rewards", "logps", "logits");

    private KtoMetrics() {}

    /**
     * @param rewards   [B] β·log-ratio
     * @param logps     [B] policy log-probs
     * @param logits    [B] mean completion logit per example ({@link #meanLogits})
     * @param desirable [B] labels
     */
    static Map<String, Double> batch(double loss, double kl, float[] rewards, float[] logps, float[] logits, boolean[] desirable) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", loss);
        m.put("kl", kl);
        for (String split : SPLITS) {
            boolean want = split.equals("chosen");
            double count = 0, r = 0, lp = 0, lg = 0;
            for (int i = 0; i < desirable.length; i++)
                if (desirable[i] == want) {
                    count++;
                    r += rewards[i];
                    lp += logps[i];
                    lg += logits[i];
                }
            m.put("count/" + split, count);
            m.put("rewards/" + split + "_sum", r);
            m.put("logps/" + split + "_sum", lp);
            m.put("logits/" + split + "_sum", lg);
            if (count > 0) {
                m.put("rewards/" + split, r / count);
                m.put("logps/" + split, lp / count);
                m.put("logits/" + split, lg / count);
            }
        }
        if (m.containsKey("rewards/chosen") && m.containsKey("rewards/rejected"))
            m.put("rewards/margins", m.get("rewards/chosen") - m.get("rewards/rejected"));
        return m;
    }

    /** Averaged batch metrics → TRL's logged ones (see the class comment). */
    static Map<String, Double> finish(Map<String, Double> averaged) {
        Map<String, Double> out = new LinkedHashMap<>(averaged);
        for (String split : SPLITS) {
            double count = out.getOrDefault("count/" + split, 0.0);
            for (String kind : KINDS) {
                Double sum = out.remove(kind + "/" + split + "_sum");
                if (count > 0 && sum != null) out.put(kind + "/" + split, sum / count);
                else out.remove(kind + "/" + split);
            }
        }
        out.remove("rewards/margins");
        if (out.containsKey("rewards/chosen") && out.containsKey("rewards/rejected"))
            out.put("rewards/margins", out.get("rewards/chosen") - out.get("rewards/rejected"));
        return out;
    }

    /** logits [B, L, V], trained [B, L] → [B] each row's mean logit over the positions that predict a completion token (0 without one). */
    static float[] meanLogits(Tensor logits, IntTensor trained) {
        float[] perPosition;
        try (var g = GradMode.noGrad()) {
            perPosition = Reductions.mean(logits, -1, false).toArray();                  // [B, L]
        }
        int b = logits.dim(0), l = logits.dim(1);
        float[] out = new float[b];
        for (int row = 0; row < b; row++) {
            double sum = 0;
            int count = 0;
            for (int t = 0; t + 1 < l; t++)
                if (trained.data()[row * l + t + 1] != 0) {
                    sum += perPosition[row * l + t];
                    count++;
                }
            out[row] = count == 0 ? 0f : (float) (sum / count);
        }
        return out;
    }
}
