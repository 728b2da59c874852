package dev.kiln.reward.length;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;

import java.util.List;

/**
 * The {@code length} reward: how close a completion's token count n (its end-of-sequence token not
 * counted) is to {@code target}: {@code −|n − target| / target}, so 0 at the target and −1 at an empty
 * completion. Options (strict): {@code target} (required, ≥ 1 tokens).
 */
public final class LengthRewardFactory implements RewardFunctionFactory {
    public static final String NAME = "length";

    @Override
    public String name() { return NAME; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "-|tokens - target| / target: rewards completions of about 'target' tokens"; }

    @Override
    public RewardFunction create(Config options, RewardContext context) {
        if (!options.has("target")) throw options.error("target", "is required (the completion length in tokens that scores 0, the best)");
        int target = options.getInt("target", 0);
        if (target < 1) throw options.error("target", "must be >= 1 token, got " + target);
        options.finish();
        return new RewardFunction() {
            @Override
            public String name() { return NAME; }

            @Override
            public double[] score(List<Completion> completions) {
                double[] out = new double[completions.size()];
                for (int i = 0; i < out.length; i++) out[i] = -Math.abs(completions.get(i).ids().length - target) / (double) target;
                return out;
            }
        };
    }
}
