package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The "bpe" tokenizer type. As a pipeline section it either loads files,
 * {@code {type: bpe, path: gpt2/}} (a tokenizer.json, or a directory with one or with GPT-2's
 * vocab + merges files), or trains on a corpus,
 * {@code {type: bpe, train_on: corpus.txt, vocab_size: 8000, special_tokens: [...], min_frequency: 2}}
 * (special tokens default to Kiln's six: {@code <|endoftext|>}, [PAD], [MASK], [CLS], [SEP], [UNK]).
 * Relative paths resolve against the base directory. Saved as Hugging Face's tokenizer.json.
 */
public final class BpeTokenizerFormat implements TokenizerFormat {
    private final Path baseDir;

    public BpeTokenizerFormat(Path baseDir) {
        this.baseDir = baseDir;
    }

    @Override
    public String type() { return BpeTokenizer.TYPE; }

    @Override
    public String modelType() { return "BPE"; }

    @Override
    public boolean describes(Tokenizer tokenizer) { return tokenizer instanceof BpeTokenizer; }

    @Override
    public Tokenizer create(Config options) {
        boolean hasPath = options.has("path"), train = options.has("train_on");
        if (hasPath == train) throw options.error(hasPath ? "path" : "train_on", "give exactly one of 'path' (load files) and 'train_on' (train on a corpus)");
        if (hasPath) {
            Path p = baseDir.resolve(options.requireString("path"));
            options.finish();
            Tokenizer t = load(p, options);
            if (!(t instanceof BpeTokenizer) && !(t instanceof HfTokenizer hf && hf.name().equals(BpeTokenizer.TYPE))) throw options.error("path", "names " + p + ", which holds a " + t.name() + " tokenizer, not bpe");
            return t;
        }
        Path corpus = baseDir.resolve(options.requireString("train_on"));
        if (!options.has("vocab_size")) throw options.error("vocab_size", "is required with 'train_on'");
        int vocab = options.getInt("vocab_size", 0);
        List<String> specials = options.getList("special_tokens", List.copyOf(ByteTokenizer.defaultSpecials().keySet()));
        int minFrequency = options.getInt("min_frequency", 2);
        options.finish();
        if (!Files.isRegularFile(corpus)) throw options.error("train_on", "names " + corpus + ", which is not a readable file");
        try {
            return new BpeTrainer(vocab, specials, minFrequency).train(Files.readString(corpus, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(corpus + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw options.error("vocab_size", e.getMessage());
        }
    }

    static Tokenizer load(Path p, Config options) {
        try {
            return TokenizerFiles.load(p);
        } catch (IOException e) {
            throw new UncheckedIOException(options.section() + ": key 'path': " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, Object> write(Tokenizer tokenizer) {
        return BpeFiles.toJson((BpeTokenizer) tokenizer);
    }

    @Override
    public Tokenizer read(Config json) {
        return HfTokenizerJson.read(json.raw(), json.section(), HfTokenizerConfig.NONE);
    }
}
