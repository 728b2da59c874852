package dev.kiln.cli;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.chat.ChatEncoding;
import dev.kiln.runtime.chat.ChatMessages;
import dev.kiln.runtime.chat.ModelChatTemplate;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kiln tokenize --tokenizer PATH (--text TEXT | --file FILE) [--decode]}: ids of each line, or text of each line of ids;
 * {@code --chat MESSAGES.json [--add-generation-prompt] [--ids]}: a conversation as the chat template renders it, or its ids.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the token ids of each input line, space-separated, one output line per input line;"
                + " with --decode, read lines of space-separated ids and print their text.",
                "Each line is encoded on its own, without its line break.",
                "With --chat, print a conversation as the model's chat template renders it (what generation and fine-tuning"
                        + " feed the model), or with --ids its token ids."},
        footer = {"", "PATH may be a tokenizer.json (Kiln's or Hugging Face's), a directory holding one (e.g. a Kiln model"
                + " directory), a directory or file of GPT-2's vocab.json/encoder.json + merges.txt/vocab.bpe, or BERT's"
                + " vocab.txt (loaded uncased).",
                "", "Examples:",
                "  kiln tokenize --tokenizer gpt2/ --text 'Hello, world!'",
                "  kiln tokenize --tokenizer runs/tiny/model --file ids.txt --decode",
                "  kiln tokenize --tokenizer Qwen3-0.6B --chat messages.json --add-generation-prompt --ids"})
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-t", "--tokenizer"}, required = true, paramLabel = "PATH", description = "The tokenizer (see below).")
    Path tokenizer;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The input, given inline.")
        String text;

        @Option(names = "--file", required = true, paramLabel = "FILE", description = "The input, a UTF-8 text file.")
        Path file;

        @Option(names = "--chat", required = true, paramLabel = "MESSAGES.json",
                description = {"A conversation, a JSON array of {\"role\": ..., \"content\": ...} messages: print it as the chat template"
                        + " of the tokenizer's directory renders it (Kiln's built-in ChatML when it has none), exactly, plus a line"
                        + " break when the text does not end with one."})
        Path chat;
    }

    @Option(names = "--add-generation-prompt", description = "With --chat: end with the template's generation prompt (the start of the assistant's turn).")
    boolean addGenerationPrompt;

    @Option(names = "--ids", description = "With --chat: print the token ids of the rendered text instead (no special tokens added;"
            + " special-token names in it become their ids), space-separated on one line.")
    boolean ids;

    @Option(names = {"-d", "--decode"}, description = "Input lines are ids; print their text.")
    boolean decode;

    @Option(names = "--skip-special", description = "With --decode: leave special tokens out of the text.")
    boolean skipSpecial;

    @Override
    public Integer call() throws IOException {
        if (skipSpecial && !decode) throw new IllegalArgumentException("--skip-special only applies with --decode");
        if ((addGenerationPrompt || ids) && input.chat == null)
            throw new IllegalArgumentException((ids ? "--ids" : "--add-generation-prompt") + " only applies with --chat");
        if (decode && input.chat != null) throw new IllegalArgumentException("--decode does not apply with --chat");
        Tokenizer tok = TokenizerFiles.load(tokenizer);
        if (input.chat != null) return chat(tok);
        List<String> lines = (input.text != null ? input.text : read(input.file)).lines().toList();
        PrintWriter out = spec.commandLine().getOut();
        StringBuilder b = new StringBuilder();
        for (int n = 0; n < lines.size(); n++) {
            b.setLength(0);
            if (decode) {
                try {
                    b.append(tok.decode(ids(lines.get(n)), skipSpecial));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("line " + (n + 1) + ": " + e.getMessage(), e);
                }
            } else {
                int[] ids = tok.encode(lines.get(n));
                for (int i = 0; i < ids.length; i++) {
                    if (i > 0) b.append(' ');
                    b.append(ids[i]);
                }
            }
            out.println(b);
        }
        out.flush();
        return 0;
    }

    private int chat(Tokenizer tok) throws IOException {
        Path dir = Files.isDirectory(tokenizer) ? tokenizer : tokenizer.toAbsolutePath().getParent();
        ModelChatTemplate template = ModelChatTemplate.forModel(dir);
        if (template.builtin()) {
            spec.commandLine().getErr().println("(" + dir + " has no chat template; using " + template.describe() + ")");
            spec.commandLine().getErr().flush();
        }
        String text = template.template().render(ChatMessages.read(input.chat), addGenerationPrompt);
        PrintWriter out = spec.commandLine().getOut();
        if (ids) {
            StringBuilder b = new StringBuilder();
            for (int id : ChatEncoding.encode(tok, text)) {
                if (b.length() > 0) b.append(' ');
                b.append(id);
            }
            out.println(b);
        } else {
            out.print(text);
            if (!text.endsWith("\n")) out.println();
        }
        out.flush();
        return 0;
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8", e);
        }
    }

    private static int[] ids(String line) {
        String s = line.strip();
        if (s.isEmpty()) return new int[0];
        String[] parts = s.split("\\s+");
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                ids[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + parts[i] + "' is not a token id");
            }
        }
        return ids;
    }
}
