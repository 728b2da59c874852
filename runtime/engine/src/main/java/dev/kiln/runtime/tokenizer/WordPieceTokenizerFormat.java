package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The "wordpiece" tokenizer type. As a pipeline section:
 * {@code {type: wordpiece, path: bert/vocab.txt, lowercase: true, strip_accents: true}} — path is a
 * vocab.txt, a tokenizer.json or a directory with either; lowercase (default true) and
 * strip_accents (default: as lowercase) apply to vocab.txt, a tokenizer.json says its own.
 * Saved as Hugging Face's tokenizer.json.
 */
public final class WordPieceTokenizerFormat implements TokenizerFormat {
    private final Path baseDir;

    public WordPieceTokenizerFormat(Path baseDir) {
        this.baseDir = baseDir;
    }

    @Override
    public String type() { return WordPieceTokenizer.TYPE; }

    @Override
    public String modelType() { return "WordPiece"; }

    @Override
    public boolean describes(Tokenizer tokenizer) { return tokenizer instanceof WordPieceTokenizer; }

    @Override
    public Tokenizer create(Config options) {
        Path p = baseDir.resolve(options.requireString("path"));
        boolean hasCase = options.has("lowercase") || options.has("strip_accents");
        boolean lowercase = options.getBoolean("lowercase", true);
        boolean strip = options.getBoolean("strip_accents", lowercase);
        options.finish();
        Path vocabTxt = Files.isDirectory(p) && !Files.exists(p.resolve(TokenizerSpec.FILE)) ? p.resolve("vocab.txt") : p;
        try {
            if (vocabTxt.getFileName() != null && vocabTxt.getFileName().toString().endsWith(".txt"))
                return WordPieceFiles.readVocabTxt(vocabTxt, lowercase, strip);
            if (hasCase) throw options.error("lowercase", "applies to vocab.txt only; " + p + " sets its own normalizer");
            Tokenizer t = TokenizerFiles.load(p);
            if (!(t instanceof WordPieceTokenizer) && !(t instanceof HfTokenizer hf && hf.name().equals(WordPieceTokenizer.TYPE))) throw options.error("path", "names " + p + ", which holds a " + t.name() + " tokenizer, not wordpiece");
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(options.section() + ": key 'path': " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Object> write(Tokenizer tokenizer) {
        return WordPieceFiles.toJson((WordPieceTokenizer) tokenizer);
    }

    @Override
    public Tokenizer read(Config json) {
        return HfTokenizerJson.read(json.raw(), json.section(), HfTokenizerConfig.NONE);
    }
}
