package dev.kiln.api.rl;

import dev.kiln.api.config.Config;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctions;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reward functions of an online-RL signal with their weights (TRL's {@code reward_funcs} and
 * {@code reward_weights}), read from the signal's {@code rewards} list:
 * {@code [{name: length, target: 24, weight: 0.5}, {name: format, pattern: "^a"}]}. A completion's
 * reward is the weighted sum over the functions that have an opinion: NaN scores are left out
 * (TRL's {@code nansum}); a completion no function scored gets 0.
 */
public final class WeightedRewards {
    private final List<RewardFunction> functions;
    private final double[] weights;

    /** Per-function scores [F][N] and the weighted totals [N] of one batch of completions. */
    public record Scores(double[][] perFunction, double[] total) {}

    public WeightedRewards(List<RewardFunction> functions, double[] weights) {
        if (functions.isEmpty()) throw new IllegalArgumentException("no reward functions");
        if (weights.length != functions.size()) throw new IllegalArgumentException(weights.length + " weights for " + functions.size() + " reward functions");
        this.functions = List.copyOf(functions);
        this.weights = weights.clone();
    }

    /** Reads {@code key} (a non-empty list of sections, each with {@code name} and an optional {@code weight}, default 1). */
    public static WeightedRewards fromConfig(Config config, String key, RewardFunctions available) {
        config.has(key);
        Object raw = config.raw().get(key);
        if (!(raw instanceof List<?> list) || list.isEmpty())
            throw config.error(key, "must be a non-empty list of reward functions, e.g. [{name: length, target: 16}] (known: "
                    + (available.known().isEmpty() ? "none" : String.join(", ", available.known())) + "), got "
                    + (raw == null ? "nothing" : "'" + raw + "'"));
        List<RewardFunction> functions = new ArrayList<>();
        double[] weights = new double[list.size()];
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String where = config.section() + "." + key + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m))
                throw config.error(key, "entry " + i + " must be a section with a 'name', got '" + list.get(i) + "'");
            @SuppressWarnings("unchecked")
            Config section = new Config(where, (Map<String, ?>) m);
            weights[i] = section.getDouble("weight", 1.0);
            if (!Double.isFinite(weights[i])) throw section.error("weight", "must be a finite number, got " + weights[i]);
            RewardFunction f = available.create(section);
            if (!names.add(f.name())) throw section.error("name", "names reward function '" + f.name() + "' a second time (each reward is listed once)");
            functions.add(f);
        }
        return new WeightedRewards(functions, weights);
    }

    public List<RewardFunction> functions() { return functions; }

    public double[] weights() { return weights.clone(); }

    /** The functions' names, in order (for metadata and messages). */
    public List<String> names() { return functions.stream().map(RewardFunction::name).toList(); }

    /** Scores every completion with every function; the totals as the class comment says. */
    public Scores score(List<Completion> completions) {
        int n = completions.size();
        double[][] per = new double[functions.size()][];
        double[] total = new double[n];
        for (int f = 0; f < per.length; f++) {
            per[f] = functions.get(f).score(completions);
            if (per[f] == null || per[f].length != n)
                throw new IllegalStateException("reward function '" + functions.get(f).name() + "' returned "
                        + (per[f] == null ? "null" : per[f].length + " scores") + " for " + n + " completions");
            for (int i = 0; i < n; i++) if (!Double.isNaN(per[f][i])) total[i] += weights[f] * per[f][i];
        }
        return new Scores(per, total);
    }

    /** rewards/&lt;name&gt;/mean and rewards/&lt;name&gt;/std (over the scores that are not NaN; left out when all are). */
    public Map<String, Double> metrics(Scores s) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int f = 0; f < functions.size(); f++) {
            double sum = 0, sq = 0;
            int k = 0;
            for (double v : s.perFunction()[f]) if (!Double.isNaN(v)) { sum += v; sq += v * v; k++; }
            if (k == 0) continue;
            double mean = sum / k;
            m.put("rewards/" + functions.get(f).name() + "/mean", mean);
            m.put("rewards/" + functions.get(f).name() + "/std", k < 2 ? 0.0 : Math.sqrt(Math.max(0, (sq - k * mean * mean) / (k - 1))));
        }
        return m;
    }
}
