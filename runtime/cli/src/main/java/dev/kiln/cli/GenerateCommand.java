package dev.kiln.cli;

import dev.kiln.runtime.adapter.Adapters;
import dev.kiln.runtime.chat.ChatSession;
import dev.kiln.runtime.chat.ModelChatTemplate;
import dev.kiln.runtime.generate.Generation;
import dev.kiln.runtime.generate.GenerationDefaults;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.kiln.runtime.guice.KilnPlugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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
        footer = {"", "Examples:", "  kiln generate --model runs/tiny/model --prompt 'Once upon a time' --max-new-tokens 200 --seed 1",
                "  kiln generate --model Qwen3-0.6B --chat --prompt 'Name three rivers.' --greedy"})
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

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--chat", description = {"Treat the prompt as one user message: apply the model's chat template (with the"
            + " generation prompt; Kiln's built-in one when the model has none), print only the answer, and stop at the"
            + " template's end-of-turn tokens."})
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "With --chat: a system message before the user's.")
    String system;

    @Option(names = "--no-echo", description = "Do not print the prompt before the generated text.")
    boolean noEcho;

    @Override
    public Integer call() throws IOException {
        if (system != null && !chat) throw new IllegalArgumentException("--system only applies with --chat");
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        GenerationDefaults defaults = GenerationDefaults.read(model);
        SamplingSettings settings = sampling.settings(defaults);
        try (Session session = Session.open(root, null, Map.of(), WriterStream.of(err))) {
            ModelFiles m = ModelFiles.load(model, session.backend(), err);
            if (adapter != null) Adapters.apply(session.get(KilnPlugins.class).fineTuners(), m.model(), adapter, true);
            Generation g;
            if (chat) {
                ModelChatTemplate template = ModelChatTemplate.forModel(model);
                if (template.builtin()) err.println("(" + model + " has no chat template; using " + template.describe() + ")");
                ChatSession conversation = new ChatSession(m.model(), m.tokenizer(), template, defaults.eosIds(), system);
                g = conversation.reply(prompt, settings, piece -> {
                    out.print(piece);
                    out.flush();
                });
            } else {
                Generator generator = new Generator(m.model(), m.tokenizer());
                if (defaults.eosIds() != null) generator.stopAt(defaults.eosIds());
                if (!noEcho) {
                    out.print(prompt);
                    out.flush();
                }
                g = generator.generate(prompt, settings, piece -> {
                    out.print(piece);
                    out.flush();
                });
            }
            out.println();
            out.flush();
            err.println(summary(g));
            err.flush();
        }
        return 0;
    }

    /** "(12 prompt + 40 generated tokens, stopped at eos, 35.2 tok/s)". */
    static String summary(Generation g) {
        return "(" + g.promptTokens() + " prompt + " + g.tokens().length + " generated tokens, stopped at "
                + g.reason().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ", "
                + Format.fixed(g.tokensPerSecond(), 1) + " tok/s"
                + (g.contextSlides() > 0 ? ", context slid " + g.contextSlides() + "×" : "") + ")";
    }

    /** "temperature 0.8, top_k 50, top_p 0.95, seed 0" or "greedy". */
    static String describe(SamplingSettings s) {
        if (s.isGreedy()) return "greedy, " + s.maxNewTokens() + " tokens";
        return "temperature " + Format.metric(s.temperature()) + ", top_k " + s.topK() + ", top_p " + Format.metric(s.topP())
                + (s.repetitionPenalty() != 1.0 ? ", repetition_penalty " + Format.metric(s.repetitionPenalty()) : "")
                + ", seed " + s.seed() + ", " + s.maxNewTokens() + " tokens";
    }
}
