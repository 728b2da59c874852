package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tokenizers by type: creates one from a pipeline's {@code tokenizer:} section
 * ({@code {type: byte}}, {@code {type: bpe, train_on: corpus.txt, vocab_size: 8000}}) and saves /
 * loads {@code tokenizer.json} in a checkpoint or model directory: Kiln's own layout (a
 * {@code type} key) for "byte", Hugging Face's (a {@code model} key) for "bpe" and "wordpiece".
 * {@link #standard()} knows byte, bpe and wordpiece; {@link #with} adds a format. Immutable.
 */
public final class TokenizerSpec {
    /** The file name inside a model / checkpoint directory. */
    public static final String FILE = "tokenizer.json";

    private final Map<String, TokenizerFormat> formats;

    private TokenizerSpec(Map<String, TokenizerFormat> formats) {
        this.formats = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(formats));
    }

    /** The built-in formats (byte, bpe, wordpiece); relative paths in configs resolve against the working directory. */
    public static TokenizerSpec standard() {
        return standard(Path.of(""));
    }

    /** The built-in formats, resolving relative paths in configs ({@code path}, {@code train_on}) against {@code baseDir}. */
    public static TokenizerSpec standard(Path baseDir) {
        Map<String, TokenizerFormat> m = new LinkedHashMap<>();
        m.put(ByteTokenizer.TYPE, new ByteTokenizerFormat());
        m.put(BpeTokenizer.TYPE, new BpeTokenizerFormat(baseDir));
        m.put(WordPieceTokenizer.TYPE, new WordPieceTokenizerFormat(baseDir));
        return new TokenizerSpec(m);
    }

    /** A copy that also knows {@code format}; an error when its type is taken. */
    public TokenizerSpec with(TokenizerFormat format) {
        if (formats.containsKey(format.type()))
            throw new IllegalArgumentException("tokenizer type '" + format.type() + "' is already registered");
        Map<String, TokenizerFormat> m = new LinkedHashMap<>(formats);
        m.put(format.type(), format);
        return new TokenizerSpec(m);
    }

    public Set<String> types() {
        return new java.util.TreeSet<>(formats.keySet());
    }

    /** A tokenizer from a config section with a {@code type} key (default "byte") and the type's own keys. */
    public Tokenizer create(Config section) {
        String type = section.getString("type", ByteTokenizer.TYPE);
        return format(type, section.section() + ": key 'type'").create(section);
    }

    /** A tokenizer of a type with no options, e.g. {@code create("byte")}. */
    public Tokenizer create(String type) {
        return create(new Config("tokenizer", Map.of("type", type)));
    }

    /**
     * Writes {@code dir/tokenizer.json} atomically; a tokenizer read with a tokenizer_config.json
     * also gets the roles it read there (so Kiln's special-token names mean the same tokens when loaded).
     */
    public void save(Tokenizer tokenizer, Path dir) throws IOException {
        String json = serialize(tokenizer);
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(FILE), json);
        if (tokenizer instanceof HfTokenizer hf && !hf.config().isEmpty())
            AtomicFiles.writeString(dir.resolve(HfTokenizerConfig.FILE), HfJson.write(hf.config().toJson()));
    }

    /**
     * "sha256:…" of the tokenizer's tokenizer.json text and its {@code split_special_tokens} setting:
     * equal for tokenizers that encode alike (prepared token shards record it, so training with
     * another tokenizer is refused).
     */
    public String fingerprint(Tokenizer tokenizer) {
        String what = serialize(tokenizer) + "\n" + SpecialTokenSplitting.KEY + "=" + SpecialTokenSplitting.splits(tokenizer);
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(what.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sha256:" + java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private String serialize(Tokenizer tokenizer) {
        if (tokenizer instanceof HfTokenizer hf) return HfJson.write(hf.json());
        TokenizerFormat f = null;
        for (TokenizerFormat candidate : formats.values()) if (candidate.describes(tokenizer)) f = candidate;
        if (f == null)
            throw new IllegalArgumentException("no tokenizer format can save '" + tokenizer.name() + "' (" + tokenizer.getClass().getName()
                    + "); known types: " + String.join(", ", types()));
        return HfJson.write(f.write(tokenizer));
    }

    /** Reads {@code dir/tokenizer.json}. */
    public Tokenizer load(Path dir) throws IOException {
        return read(dir.resolve(FILE));
    }

    /**
     * Reads a tokenizer.json file, Kiln's ({@code type}) or Hugging Face's ({@code model.type}, read
     * as an {@link HfTokenizer} with the tokenizer_config.json beside it, unless an added format
     * claims the model type); errors name the file and the key.
     */
    public Tokenizer read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": not found (no tokenizer saved here?)");
        Map<String, Object> json = HfJson.readObject(file);
        Config c = new Config(file.toString(), json);
        if (json.containsKey("type")) return format(c.getString("type", null), file + ": key 'type'").read(c);
        if (!json.containsKey("model"))
            throw new IOException(file + ": missing key 'type' (a Kiln tokenizer.json; known types: " + String.join(", ", types())
                    + ") or 'model' (a Hugging Face tokenizer.json)");
        String modelType = HfJson.modelType(json, file.toString());
        for (TokenizerFormat f : formats.values())
            if (modelType.equals(f.modelType()) && !(f instanceof BpeTokenizerFormat) && !(f instanceof WordPieceTokenizerFormat))
                return f.read(c);
        return HfTokenizerJson.read(json, file.toString(), HfTokenizerConfig.besides(file));
    }

    private TokenizerFormat format(String type, String where) {
        TokenizerFormat f = formats.get(type);
        if (f == null) throw new IllegalArgumentException(where + ": unknown tokenizer type '" + type + "' (known: " + String.join(", ", types()) + ")");
        return f;
    }
}
