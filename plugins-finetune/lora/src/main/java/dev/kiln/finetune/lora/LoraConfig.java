package dev.kiln.finetune.lora;

import java.util.List;

/**
 * A LoRA adapter's settings, PEFT's {@code LoraConfig} subset. {@code targetModules} holds name
 * patterns matched against Linear module paths, or {@code all-linear}; a pattern that names
 * {@code embed.tokens} (not {@code all-linear}, as in PEFT) adds an adapter on the token embeddings.
 */
public record LoraConfig(int r, double alpha, double dropout, boolean useRslora, List<String> targetModules, String adapterName) {
    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("r must be >= 1, got " + r);
        if (!(alpha > 0) || !Double.isFinite(alpha)) throw new IllegalArgumentException("alpha must be > 0, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        if (targetModules == null || targetModules.isEmpty()) throw new IllegalArgumentException("target_modules must not be empty");
        if (adapterName == null || !adapterName.matches("[A-Za-z0-9_-]+"))
            throw new IllegalArgumentException("adapter_name must match [A-Za-z0-9_-]+, got '" + adapterName + "'");
        targetModules = List.copyOf(targetModules);
    }

    /** α/r, or α/√r with rsLoRA. */
    public double scaling() { return useRslora ? alpha / Math.sqrt(r) : alpha / r; }

    /**
     * Whether a Linear at {@code path} (e.g. {@code blocks.0.attn.qkv}) is targeted: {@code all-linear},
     * or a pattern equal to the path, a dotted suffix of it ({@code attn.qkv}), or a regex matching all of it.
     */
    public boolean targets(String path) {
        for (String p : targetModules) if (p.equals(ALL_LINEAR)) return true;
        return matchesPattern(path);
    }

    /** Whether a pattern (not {@code all-linear}) names the token embeddings, {@link LoraEmbedding#PATH}. */
    public boolean targetsEmbedding() { return matchesPattern(LoraEmbedding.PATH); }

    private boolean matchesPattern(String path) {
        for (String p : targetModules) {
            if (p.equals(ALL_LINEAR)) continue;
            if (path.equals(p) || path.endsWith("." + p)) return true;
            try {
                if (path.matches(p)) return true;
            } catch (java.util.regex.PatternSyntaxException ignored) {
                // not a regex: only the exact / suffix forms apply
            }
        }
        return false;
    }
}
