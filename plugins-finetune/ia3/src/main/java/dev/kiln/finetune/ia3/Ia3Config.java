package dev.kiln.finetune.ia3;

import java.util.HashSet;
import java.util.List;

/**
 * An IA3 adapter's settings, PEFT's {@code IA3Config} subset. {@code targetModules} and
 * {@code feedforwardModules} hold name patterns matched against Linear module paths (see
 * {@link #matches}); feed-forward targets have their <em>input</em> scaled, the others their output.
 *
 * @param initIa3Weights true: every scale starts at 1 (the adapted model computes the base model);
 *                       false: scales start randomly around 1 (tests only; PEFT's false leaves randn around 0)
 */
public record Ia3Config(List<String> targetModules, List<String> feedforwardModules, boolean initIa3Weights, String adapterName) {
    public static final String ALL_LINEAR = "all-linear";
    public static final List<String> DEFAULT_TARGETS = List.of("attn.qkv", "mlp.down");
    public static final List<String> DEFAULT_FEEDFORWARD = List.of("mlp.down");

    public Ia3Config {
        if (targetModules == null || targetModules.isEmpty() || targetModules.stream().anyMatch(String::isBlank))
            throw new IllegalArgumentException("target_modules must list at least one non-empty pattern, got " + targetModules);
        if (feedforwardModules == null || feedforwardModules.stream().anyMatch(String::isBlank))
            throw new IllegalArgumentException("feedforward_modules must be a list of non-empty patterns, got " + feedforwardModules);
        String notSubset = feedforwardNotInTargets(targetModules, feedforwardModules);
        if (notSubset != null) throw new IllegalArgumentException(notSubset);
        if (adapterName == null || !adapterName.matches("[A-Za-z0-9_-]+"))
            throw new IllegalArgumentException("adapter_name must match [A-Za-z0-9_-]+, got '" + adapterName + "'");
        targetModules = List.copyOf(targetModules);
        feedforwardModules = List.copyOf(feedforwardModules);
    }

    /**
     * PEFT's rule: every feed-forward pattern must also be a target pattern (compared as strings;
     * skipped for {@code all-linear}, which targets every Linear). Null when it holds, else the problem.
     */
    static String feedforwardNotInTargets(List<String> targets, List<String> feedforward) {
        if (targets.contains(ALL_LINEAR)) return null;
        var missing = new java.util.ArrayList<>(feedforward);
        missing.removeAll(new HashSet<>(targets));
        return missing.isEmpty() ? null
                : "feedforward_modules must be a subset of target_modules " + targets + "; not targeted: " + missing;
    }

    /** Whether the Linear at {@code path} gets an IA3 vector. */
    public boolean targets(String path) { return matches(targetModules, path); }

    /** Whether the Linear at {@code path} is a feed-forward target (its input is scaled). */
    public boolean feedforward(String path) { return targets(path) && matches(feedforwardModules, path); }

    /**
     * Kiln's target_modules matching (the same rules as the lora plugin): {@code all-linear}, a
     * pattern equal to the path, a dotted suffix of it ({@code attn.qkv} matches
     * {@code blocks.0.attn.qkv}), or a regex matching the whole path.
     */
    public static boolean matches(List<String> patterns, String path) {
        for (String p : patterns) {
            if (p.equals(ALL_LINEAR) || path.equals(p) || path.endsWith("." + p)) return true;
            try {
                if (path.matches(p)) return true;
            } catch (java.util.regex.PatternSyntaxException ignored) {
                // not a regex: only the exact / suffix forms apply
            }
        }
        return false;
    }
}
