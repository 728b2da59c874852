package dev.kiln.cli;

import dev.kiln.api.tokenizer.Tokenizer;
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

/** {@code kiln tokenize --tokenizer PATH (--text TEXT | --file FILE) [--decode]}: ids of each line, or text of each line of ids. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the token ids of each input line, space-separated, one output line per input line;"
                + " with --decode, read lines of space-separated ids and print their text.",
                "Each line is encoded on its own, without its line break."},
        footer = {"", "PATH may be a tokenizer.json (Kiln's or Hugging Face's), a directory holding one (e.g. a Kiln model"
                + " directory), a directory or file of GPT-2's vocab.json/encoder.json + merges.txt/vocab.bpe, or BERT's"
                + " vocab.txt (loaded uncased).",
                "", "Examples:",
                "  kiln tokenize --tokenizer gpt2/ --text 'Hello, world!'",
                "  kiln tokenize --tokenizer runs/tiny/model --file ids.txt --decode"})
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
    }

    @Option(names = {"-d", "--decode"}, description = "Input lines are ids; print their text.")
    boolean decode;

    @Option(names = "--skip-special", description = "With --decode: leave special tokens out of the text.")
    boolean skipSpecial;

    @Override
    public Integer call() throws IOException {
        if (skipSpecial && !decode) throw new IllegalArgumentException("--skip-special only applies with --decode");
        Tokenizer tok = TokenizerFiles.load(tokenizer);
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
