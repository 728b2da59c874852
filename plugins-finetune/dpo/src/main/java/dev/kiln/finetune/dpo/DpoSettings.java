package dev.kiln.finetune.dpo;

import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.config.Config;

import java.util.ArrayList;
import java.util.List;

/**
 * The parsed {@code dpo} signal config (TRL's DPOConfig names; keys and defaults in
 * {@link DpoFineTunerFactory}).
 *
 * @param lossWeights one per loss type (1 each when not given)
 * @param rpoAlpha    the weight of the NLL term on chosen completions (RPO), or null for none
 * @param maxLength   tokens of prompt + completion kept, or 0: the row width (train.seq_len)
 */
record DpoSettings(double beta, List<LossType> lossTypes, double[] lossWeights, double labelSmoothing, boolean precomputeRefLogProbs,
                   int maxLength, int maxPromptLength, int maxCompletionLength, boolean keepEnd, Double rpoAlpha, boolean shuffle,
                   CompletionFormat format) {

    static final List<String> KEYS = List.of("beta", "loss_type", "loss_weights", "label_smoothing", "precompute_ref_log_probs",
            "max_length", "max_prompt_length", "max_completion_length", "truncation_mode", "rpo_alpha", "shuffle");

    /** IPO compares per-token averages: TRL averages every log-prob when "ipo" is among the loss types. */
    boolean averagesLogProbs() { return lossTypes.contains(LossType.IPO); }

    /** The NLL on chosen completions is computed (and logged as nll_loss) for RPO or the sft loss type. */
    boolean needsNll() { return rpoAlpha != null || lossTypes.contains(LossType.SFT); }

    static DpoSettings fromConfig(Config config, dev.kiln.api.chat.ChatTemplate modelTemplate) {
        double beta = config.getDouble("beta", 0.1);
        if (!(beta > 0) || !Double.isFinite(beta)) throw config.error("beta", "must be > 0, got " + beta);
        List<LossType> types = new ArrayList<>();
        for (String name : config.getList("loss_type", List.of("sigmoid"))) types.add(LossType.parse(name, config));
        if (types.isEmpty()) throw config.error("loss_type", "is empty; give at least one of " + LossType.names());
        if (types.stream().distinct().count() != types.size()) throw config.error("loss_type", "lists a loss type twice: " + types);
        double[] weights = new double[types.size()];
        List<String> given = config.getList("loss_weights", List.of());
        if (!given.isEmpty() && given.size() != types.size())
            throw config.error("loss_weights", "has " + given.size() + " weights for " + types.size() + " loss types " + LossType.names(types));
        for (int i = 0; i < weights.length; i++) {
            try {
                weights[i] = given.isEmpty() ? 1.0 : Double.parseDouble(given.get(i));
            } catch (NumberFormatException e) {
                throw config.error("loss_weights", "entry " + i + " is not a number: '" + given.get(i) + "'");
            }
            if (!Double.isFinite(weights[i]) || weights[i] < 0) throw config.error("loss_weights", "entry " + i + " must be >= 0, got " + weights[i]);
        }
        double smoothing = config.getDouble("label_smoothing", 0.0);
        if (!(smoothing >= 0 && smoothing <= 0.5)) throw config.error("label_smoothing", "must be in [0, 0.5], got " + smoothing);
        if (smoothing > 0) for (LossType t : types)
            if (t != LossType.SIGMOID && t != LossType.ROBUST)
                throw config.error("label_smoothing", "applies to loss types sigmoid (cDPO) and robust only, not '" + t.key() + "'");
        if (types.contains(LossType.ROBUST) && smoothing >= 0.5)
            throw config.error("label_smoothing", "must be < 0.5 for loss type robust (it divides by 1 - 2·label_smoothing)");
        boolean precompute = config.getBoolean("precompute_ref_log_probs", false);
        int maxLength = nonNegative(config, "max_length", 0), maxPrompt = nonNegative(config, "max_prompt_length", 512);
        int maxCompletion = nonNegative(config, "max_completion_length", 0);
        boolean keepEnd = config.getChoice("truncation_mode", "keep_end", "keep_end", "keep_start").equals("keep_end");
        Double rpo = null;
        if (config.has("rpo_alpha")) {
            rpo = config.getDouble("rpo_alpha", 0);
            if (!(rpo >= 0) || !Double.isFinite(rpo)) throw config.error("rpo_alpha", "must be >= 0, got " + rpo);
        }
        boolean shuffle = config.getBoolean("shuffle", true);
        CompletionFormat format = CompletionFormat.fromConfig(config, modelTemplate);
        if (!format.completionOnlyLoss()) throw config.error("completion_only_loss", "must be true for dpo: log-probabilities are summed over completions");
        return new DpoSettings(beta, List.copyOf(types), weights, smoothing, precompute, maxLength, maxPrompt, maxCompletion, keepEnd, rpo,
                shuffle, format);
    }

    private static int nonNegative(Config config, String key, int dflt) {
        int v = config.getInt(key, dflt);
        if (v < 0) throw config.error(key, "must be >= 0 (0 = no limit), got " + v);
        return v;
    }
}
