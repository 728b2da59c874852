package dev.kiln.cli;

import dev.kiln.runtime.generate.GenerationDefaults;
import dev.kiln.runtime.generate.SamplingSettings;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

/** The sampling options of {@code generate} and {@code chat}; generation_config.json supplies what is not given. */
final class SamplingOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = {"-n", "--max-new-tokens"}, paramLabel = "N", defaultValue = "100",
            description = "Generate at most N tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = {"-t", "--temperature"}, paramLabel = "T", defaultValue = "0.8",
            description = "Divide the logits by T; lower is more conservative, 0 is greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "50",
            description = "Sample only among the K most likely tokens; 0 turns it off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95",
            description = "Nucleus sampling: the smallest set of tokens whose probability reaches P; 1 turns it off (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "Penalise tokens already in the context (CTRL); 1 turns it off (default: ${DEFAULT-VALUE}).")
    double repetitionPenalty;

    @Option(names = {"-s", "--seed"}, paramLabel = "S", defaultValue = "0",
            description = "Sampler seed: the same seed, model and prompt give the same text (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--greedy", description = "Always take the most likely token (ignores temperature, top-k, top-p and seed).")
    boolean greedy;

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "Stop before this string (repeatable); it is not printed.")
    List<String> stop = new ArrayList<>();

    /** The flags, with generation_config.json's defaults where a flag was not given. */
    SamplingSettings settings(GenerationDefaults defaults) {
        SamplingSettings flags = new SamplingSettings(greedy, temperature, topK, topP, repetitionPenalty, maxNewTokens, seed, stop);
        return defaults.applyTo(flags, this::givenOnCommandLine);
    }

    /** Whether the sampling setting {@code key} (generation_config.json's name) was given as a flag. */
    private boolean givenOnCommandLine(String key) {
        String flag = switch (key) {
            case "greedy" -> "--greedy";
            case "temperature" -> "--temperature";
            case "top_k" -> "--top-k";
            case "top_p" -> "--top-p";
            case "repetition_penalty" -> "--repetition-penalty";
            case "max_new_tokens" -> "--max-new-tokens";
            default -> throw new IllegalArgumentException("no flag for " + key);
        };
        var parsed = mixee.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(flag);
    }
}
