package dev.kiln.cli;

import dev.kiln.runtime.adapter.Adapters;
import dev.kiln.runtime.chat.ChatSession;
import dev.kiln.runtime.chat.ModelChatTemplate;
import dev.kiln.runtime.generate.GenerationDefaults;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.kiln.runtime.guice.KilnPlugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code kiln chat --model DIR [--adapter DIR] [--system TEXT]}: an interactive conversation in the terminal. */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Chat with a saved causal language model in the terminal: each line you type is a user message; the"
                + " answer streams back as it is generated. The conversation so far goes into every prompt.",
                "The prompt is the model's chat template (chat_template.jinja, tokenizer_config.json's chat_template, or"
                        + " chat_template.json; else the format a Kiln sft run stored in config.json; else Kiln's built-in"
                        + " ChatML). An answer ends at the template's end-of-turn tokens (generation_config.json's eos_token_id,"
                        + " tokenizer_config.json's eos_token, <|eot_id|>, <end_of_turn>, <|im_end|> ... when the vocabulary"
                        + " has them), a --stop string, or --max-new-tokens.",
                "Commands: /reset clears the history (the system message stays), /exit (or end of input, Ctrl-D) ends."},
        footer = {"", "Example:", "  kiln chat --model Qwen3-0.6B --system 'Answer in one sentence.' --temperature 0.7"})
final class ChatCommand implements Callable<Integer> {
    static final String PROMPT = "> ";

    @ParentCommand
    KilnCli root;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "DIR",
            description = "Model directory (config.json, model.safetensors and the tokenizer files), Kiln's or Hugging Face's.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "Apply a saved adapter first (PEFT layout, or a fine-tuning run's folder holding adapter/); LoRA and IA3 are merged.")
    Path adapter;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message at the start of the conversation.")
    String system;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        GenerationDefaults defaults = GenerationDefaults.read(model);
        SamplingSettings settings = sampling.settings(defaults);
        try (Session session = Session.open(root, null, Map.of(), WriterStream.of(err))) {
            ModelFiles m = ModelFiles.load(model, session.backend(), err);
            if (adapter != null) Adapters.apply(session.get(KilnPlugins.class).fineTuners(), m.model(), adapter, true);
            ModelChatTemplate template = ModelChatTemplate.forModel(model);
            ChatSession chat = new ChatSession(m.model(), m.tokenizer(), template, defaults.eosIds(), system);
            err.println("(chat template: " + template.describe() + (template.builtin() ? ", as " + model + " has none" : "")
                    + "; /reset clears the history, /exit or Ctrl-D ends)");
            err.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(root.in(), StandardCharsets.UTF_8));
            while (true) {
                out.print(PROMPT);
                out.flush();
                String line = in.readLine();
                if (line == null) {
                    out.println();
                    break;
                }
                String text = line.strip();
                if (text.isEmpty()) continue;
                if (text.equals("/exit") || text.equals("/quit")) break;
                if (text.equals("/reset")) {
                    chat.reset();
                    out.println("(history cleared)");
                    continue;
                }
                chat.reply(text, settings, piece -> {
                    out.print(piece);
                    out.flush();
                });
                out.println();
            }
            out.flush();
        }
        return 0;
    }
}
