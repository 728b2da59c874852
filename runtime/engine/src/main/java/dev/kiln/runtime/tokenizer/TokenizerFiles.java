package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads a tokenizer from whatever a user points at: a tokenizer.json (Kiln's or Hugging Face's),
 * GPT-2's vocab.json/encoder.json (merges.txt/vocab.bpe beside it), BERT's vocab.txt (lower-cased,
 * as bert-base-uncased), or a directory holding one of these (tokenizer.json first).
 */
public final class TokenizerFiles {
    private TokenizerFiles() {}

    private static final List<String[]> GPT2_PAIRS = List.of(new String[] {"vocab.json", "merges.txt"},
            new String[] {"encoder.json", "vocab.bpe"});

    public static Tokenizer load(Path path) throws IOException {
        return load(path, TokenizerSpec.standard());
    }

    public static Tokenizer load(Path path, TokenizerSpec spec) throws IOException {
        if (Files.isDirectory(path)) {
            if (Files.isRegularFile(path.resolve(TokenizerSpec.FILE))) return spec.read(path.resolve(TokenizerSpec.FILE));
            for (String[] pair : GPT2_PAIRS)
                if (Files.isRegularFile(path.resolve(pair[0])) && Files.isRegularFile(path.resolve(pair[1])))
                    return BpeFiles.readGpt2(path.resolve(pair[0]), path.resolve(pair[1]));
            if (Files.isRegularFile(path.resolve("vocab.txt"))) return WordPieceFiles.readVocabTxt(path.resolve("vocab.txt"), true, true);
            throw new IOException(path + ": no tokenizer here (looked for tokenizer.json, vocab.json + merges.txt, "
                    + "encoder.json + vocab.bpe, vocab.txt)");
        }
        if (!Files.isRegularFile(path)) throw new IOException(path + ": not found");
        String name = path.getFileName().toString();
        Path dir = path.toAbsolutePath().getParent();
        for (String[] pair : GPT2_PAIRS) {
            if (name.equals(pair[0])) return BpeFiles.readGpt2(path, sibling(dir, pair[1], path));
            if (name.equals(pair[1])) return BpeFiles.readGpt2(sibling(dir, pair[0], path), path);
        }
        if (name.endsWith(".txt")) return WordPieceFiles.readVocabTxt(path, true, true);
        return spec.read(path);
    }

    private static Path sibling(Path dir, String name, Path of) throws IOException {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) throw new IOException(of + ": needs " + name + " beside it, which is missing");
        return p;
    }
}
