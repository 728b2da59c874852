package dev.kiln.cli;

import dev.kiln.runtime.adapter.Adapters;
import dev.kiln.runtime.generate.Generation;
import dev.kiln.runtime.generate.GenerationDefaults;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.kiln.runtime.guice.KilnPlugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln generate --model DIR --prompt TEXT ...}: streams a continuation to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continue a prompt with a saved causal language model, printing tokens to stdout as they are"
                + " produced (the prompt is echoed first unless --no-echo).",
                "Uses a KV cache; when the text reaches the model's max_seq the context slides to its most recent"
                        + " 3/4 window. Stops at the end-of-text token, a --stop string, or --max-new-tokens.",
                "A generation_config.json in the model directory (Hugging Face's) supplies the end-of-text ids"
                        + " (eos_token_id, one or a list) and sampling defaults (do_sample, temperature, top_k, top_p,"
                        + " repetition_penalty, max_new_tokens); the flags given override them."},
        footer = {"", "Example:", "  kiln generate --model runs/tiny/model --prompt 'Once upon a time' --max-new-tokens 200 --seed 1"})
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Model directory (config.json, model.safetensors, tokenizer.json), e.g. the 'model' folder a pretrain run wrote.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "Apply a saved adapter first (PEFT layout: adapter_config.json + adapter_model.safetensors, or a fine-tuning"
                    + " run's folder holding adapter/), loaded by the plugin for its peft_type; LoRA and IA3 are merged into the weights.")
    Path adapter;

    @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "The text to continue.")
    String prompt;

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

    @Option(names = "--no-echo", description = "Do not print the prompt before the generated text.")
    boolean noEcho;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        SamplingSettings flags = new SamplingSettings(greedy, temperature, topK, topP, repetitionPenalty,
                maxNewTokens, seed, stop);
        GenerationDefaults defaults = GenerationDefaults.read(model);
        SamplingSettings settings = defaults.applyTo(flags, this::givenOnCommandLine);
        try (Session session = Session.open(root, null, Map.of(), WriterStream.of(err))) {
            ModelFiles m = ModelFiles.load(model, session.backend(), err);
            if (adapter != null) Adapters.apply(session.get(KilnPlugins.class).fineTuners(), m.model(), adapter, true);
            Generator generator = new Generator(m.model(), m.tokenizer());
            if (defaults.eosIds() != null) generator.stopAt(defaults.eosIds());
            if (!noEcho) {
                out.print(prompt);
                out.flush();
            }
            Generation g = generator.generate(prompt, settings, piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            out.flush();
            err.println("(" + g.promptTokens() + " prompt + " + g.tokens().length + " generated tokens, stopped at "
                    + g.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ", "
                    + Format.fixed(g.tokensPerSecond(), 1) + " tok/s"
                    + (g.contextSlides() > 0 ? ", context slid " + g.contextSlides() + "×" : "") + ")");
            err.flush();
        }
        return 0;
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
        var parsed = spec.commandLine().getParseResult();
        return parsed != null && parsed.hasMatchedOption(flag);
    }

    /** "temperature 0.8, top_k 50, top_p 0.95, seed 0" or "greedy". */
    static String describe(SamplingSettings s) {
        if (s.isGreedy()) return "greedy, " + s.maxNewTokens() + " tokens";
        return "temperature " + Format.metric(s.temperature()) + ", top_k " + s.topK() + ", top_p " + Format.metric(s.topP())
                + (s.repetitionPenalty() != 1.0 ? ", repetition_penalty " + Format.metric(s.repetitionPenalty()) : "")
                + ", seed " + s.seed() + ", " + s.maxNewTokens() + " tokens";
    }
}
