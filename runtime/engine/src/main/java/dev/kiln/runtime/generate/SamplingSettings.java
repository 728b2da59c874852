package dev.kiln.runtime.generate;

import dev.kiln.api.config.Config;
import dev.kiln.api.sampling.TokenSampler;

import java.util.List;

/**
 * How {@link Generator} picks each next token.
 *
 * <p>Order of the logit transforms (Hugging Face's): repetition penalty, temperature, top-k,
 * top-p, then a draw from the renormalised distribution. {@code greedy}, {@code top_k = 1} and a
 * temperature at or below {@link #GREEDY_TEMPERATURE} all mean arg-max (the temperature → 0 limit),
 * so no division by a near-zero temperature ever happens.
 *
 * @param greedy            always take the most likely token
 * @param temperature       logits are divided by it; &gt; 0 (≤ {@value #GREEDY_TEMPERATURE} acts as greedy)
 * @param topK              keep only the k most likely tokens; 0 = off
 * @param topP              nucleus: keep the smallest set whose probability reaches p; 1 = off
 * @param repetitionPenalty CTRL's penalty on tokens already in the context; 1 = off
 * @param maxNewTokens      at most this many generated tokens
 * @param seed              seeds the sampler: same seed, model and prompt → same text
 * @param stop              generation stops before the first occurrence of any of these strings
 */
public record SamplingSettings(boolean greedy, double temperature, int topK, double topP, double repetitionPenalty,
                               int maxNewTokens, long seed, List<String> stop) {
    /** Temperatures at or below this are treated as the greedy limit. */
    public static final double GREEDY_TEMPERATURE = 1e-4;

    public SamplingSettings {
        if (!(temperature >= 0) || Double.isInfinite(temperature))
            throw new IllegalArgumentException("generate: temperature must be a finite number >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("generate: top_k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("generate: top_p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0))
            throw new IllegalArgumentException("generate: repetition_penalty must be > 0 (1 = off), got " + repetitionPenalty);
        if (maxNewTokens < 0) throw new IllegalArgumentException("generate: max_new_tokens must be >= 0, got " + maxNewTokens);
        stop = stop == null ? List.of() : List.copyOf(stop.stream().filter(s -> !s.isEmpty()).toList());
    }

    /** temperature 0.8, top_k 50, top_p 0.95, no repetition penalty, 100 tokens, seed 0. */
    public static SamplingSettings defaults() {
        return new SamplingSettings(false, 0.8, 50, 0.95, 1.0, 100, 0, List.of());
    }

    public static SamplingSettings greedy(int maxNewTokens) {
        return new SamplingSettings(true, 1.0, 0, 1.0, 1.0, maxNewTokens, 0, List.of());
    }

    /**
     * Reads the sampling keys of a {@code generate} section: greedy, temperature, top_k, top_p,
     * repetition_penalty, max_new_tokens, seed, stop (a string or a list). Does not call
     * {@link Config#finish()}: the caller reads its own keys (e.g. {@code prompt}) first.
     */
    public static SamplingSettings fromConfig(Config c) {
        SamplingSettings d = defaults();
        return new SamplingSettings(c.getBoolean("greedy", d.greedy), c.getDouble("temperature", d.temperature),
                c.getInt("top_k", d.topK), c.getDouble("top_p", d.topP),
                c.getDouble("repetition_penalty", d.repetitionPenalty), c.getInt("max_new_tokens", d.maxNewTokens),
                c.getLong("seed", d.seed), c.getList("stop", List.of()));
    }

    /** Whether every step takes the arg-max (greedy, top_k 1 or temperature → 0). */
    public boolean isGreedy() {
        return greedy || topK == 1 || temperature <= GREEDY_TEMPERATURE;
    }

    /** A fresh sampler for these settings (seeded with {@link #seed}). */
    public TokenSampler sampler() {
        return new TokenSampler(isGreedy(), temperature, topK, topP, repetitionPenalty, seed);
    }

    public SamplingSettings withGreedy(boolean g) {
        return new SamplingSettings(g, temperature, topK, topP, repetitionPenalty, maxNewTokens, seed, stop);
    }

    public SamplingSettings withTemperature(double t) {
        return new SamplingSettings(greedy, t, topK, topP, repetitionPenalty, maxNewTokens, seed, stop);
    }

    public SamplingSettings withTopK(int k) {
        return new SamplingSettings(greedy, temperature, k, topP, repetitionPenalty, maxNewTokens, seed, stop);
    }

    public SamplingSettings withTopP(double p) {
        return new SamplingSettings(greedy, temperature, topK, p, repetitionPenalty, maxNewTokens, seed, stop);
    }

    public SamplingSettings withRepetitionPenalty(double r) {
        return new SamplingSettings(greedy, temperature, topK, topP, r, maxNewTokens, seed, stop);
    }

    public SamplingSettings withMaxNewTokens(int n) {
        return new SamplingSettings(greedy, temperature, topK, topP, repetitionPenalty, n, seed, stop);
    }

    public SamplingSettings withSeed(long s) {
        return new SamplingSettings(greedy, temperature, topK, topP, repetitionPenalty, maxNewTokens, s, stop);
    }

    public SamplingSettings withStop(List<String> strings) {
        return new SamplingSettings(greedy, temperature, topK, topP, repetitionPenalty, maxNewTokens, seed, strings);
    }
}
