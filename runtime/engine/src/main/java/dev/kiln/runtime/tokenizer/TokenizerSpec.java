package dev.kiln.runtime.tokenizer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Tokenizers by type: creates one from a pipeline's {@code tokenizer:} section
 * ({@code {type: byte}}) and saves / loads {@code tokenizer.json} in a checkpoint or model
 * directory. {@link #standard()} knows "byte"; {@link #with} adds a format (BPE, WordPiece).
 * Immutable.
 */
public final class TokenizerSpec {
    /** The file name inside a model / checkpoint directory. */
    public static final String FILE = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, TokenizerFormat> formats;

    private TokenizerSpec(Map<String, TokenizerFormat> formats) {
        this.formats = Map.copyOf(formats);
    }

    /** The built-in formats: byte. */
    public static TokenizerSpec standard() {
        return new TokenizerSpec(Map.of(ByteTokenizer.TYPE, new ByteTokenizerFormat()));
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

    /** Writes {@code dir/tokenizer.json} atomically. */
    public void save(Tokenizer tokenizer, Path dir) throws IOException {
        TokenizerFormat f = null;
        for (TokenizerFormat candidate : formats.values()) if (candidate.describes(tokenizer)) f = candidate;
        if (f == null)
            throw new IllegalArgumentException("no tokenizer format can save '" + tokenizer.name() + "' (" + tokenizer.getClass().getName()
                    + "); known types: " + String.join(", ", types()));
        Files.createDirectories(dir);
        AtomicFiles.writeString(dir.resolve(FILE), JSON.writeValueAsString(f.write(tokenizer)) + "\n");
    }

    /** Reads {@code dir/tokenizer.json}. */
    public Tokenizer load(Path dir) throws IOException {
        return read(dir.resolve(FILE));
    }

    /** Reads a tokenizer.json file; errors name the file and the key. */
    public Tokenizer read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": not found (no tokenizer saved here?)");
        Map<String, Object> json;
        try {
            json = JSON.readValue(file.toFile(), new TypeReference<>() {});
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a JSON object: " + e.getOriginalMessage(), e);
        }
        if (json == null) throw new IOException(file + ": empty");
        Config c = new Config(file.toString(), json);
        if (!c.has("type")) throw new IOException(file + ": missing key 'type' (known types: " + String.join(", ", types()) + ")");
        return format(c.getString("type", null), file + ": key 'type'").read(c);
    }

    private TokenizerFormat format(String type, String where) {
        TokenizerFormat f = formats.get(type);
        if (f == null) throw new IllegalArgumentException(where + ": unknown tokenizer type '" + type + "' (known: " + String.join(", ", types()) + ")");
        return f;
    }
}
