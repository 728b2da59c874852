package dev.kiln.finetune.reward;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code reward_model} reward function: a model directory written by {@code kiln finetune} with
 * the {@code reward} signal scores online-RL completions ({@link RewardModelFunction}). Options
 * (strict): {@code path} (required; relative to the config file's folder), {@code batch_size}
 * (8: completions scored per forward).
 */
public final class RewardModelFunctionFactory implements RewardFunctionFactory {
    public static final String NAME = "reward_model";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "scores completions with a reward model directory trained by the 'reward' signal (its score head on the last token)";
    }

    @Override
    public RewardFunction create(Config options, RewardContext context) {
        String raw = options.requireString("path");
        int batchSize = options.getInt("batch_size", 8);
        if (batchSize < 1) throw options.error("batch_size", "must be >= 1, got " + batchSize);
        options.finish();
        Path dir = context.resolve(raw);
        RewardContext.SavedModel saved;
        try {
            saved = context.loadModel(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("reward function '" + NAME + "': cannot load the reward model in " + dir + ": " + e.getMessage(), e);
        }
        var weight = saved.heads().get(RewardHead.WEIGHT);
        if (weight == null)
            throw options.error("path", dir + " has no reward head '" + RewardHead.WEIGHT + "' (saved heads: " + new TreeSet<>(saved.heads().keySet())
                    + "); train it with finetune.signal: reward");
        int dModel = saved.model().config().dModel();
        if (weight.dims().length != 2 || weight.dim(0) != 1 || weight.dim(1) != dModel)
            throw options.error("path", dir + ": head '" + RewardHead.WEIGHT + "' is " + weight.shape() + ", expected [1, " + dModel
                    + "] (one score from the model's d_model)");
        return new RewardModelFunction(saved.model(), saved.tokenizer(), RewardHead.of(weight), context.tokenizer(), addEos(saved.config()),
                batchSize);
    }

    /** Whether the reward model was trained on completions ending with EOS ({@code objectives.reward.add_eos}; true when absent). */
    private static boolean addEos(Map<String, Object> config) {
        if (config != null && config.get("objectives") instanceof Map<?, ?> objectives
                && objectives.get(RewardFineTunerFactory.NAME) instanceof Map<?, ?> reward && reward.get("add_eos") instanceof Boolean b)
            return b;
        return true;
    }
}
