package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.Config;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * tokenizer.json for the byte tokenizer:
 * {@code {"type": "byte", "special_tokens": {"<|endoftext|>": 256, "[PAD]": 257, ...}}}.
 * As a config section, {@code special_tokens} is optional (default: the six standard ones).
 */
public final class ByteTokenizerFormat implements TokenizerFormat {

    @Override
    public String type() { return ByteTokenizer.TYPE; }

    @Override
    public boolean describes(Tokenizer tokenizer) { return tokenizer instanceof ByteTokenizer; }

    @Override
    public Tokenizer create(Config options) {
        Map<String, Integer> specials = options.has("special_tokens") ? specials(options) : ByteTokenizer.defaultSpecials();
        options.finish();
        return new ByteTokenizer(specials);
    }

    @Override
    public Map<String, Object> write(Tokenizer tokenizer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type());
        m.put("special_tokens", new LinkedHashMap<>(tokenizer.specialTokens()));
        return m;
    }

    @Override
    public Tokenizer read(Config json) {
        if (!json.has("special_tokens")) throw json.error("special_tokens", "is required (a map of token → id)");
        Map<String, Integer> specials = specials(json);
        json.finish();
        try {
            return new ByteTokenizer(specials);
        } catch (IllegalArgumentException e) {
            throw json.error("special_tokens", e.getMessage());
        }
    }

    private static Map<String, Integer> specials(Config c) {
        Object raw = c.raw().get("special_tokens");
        if (!(raw instanceof Map<?, ?> map)) throw c.error("special_tokens", "expected a map of token → id, got '" + raw + "'");
        Map<String, Integer> out = new LinkedHashMap<>();
        for (var e : map.entrySet()) {
            Object v = e.getValue();
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()))
                throw c.error("special_tokens", "token '" + e.getKey() + "' needs an integer id, got '" + v + "'");
            out.put(String.valueOf(e.getKey()), n.intValue());
        }
        return out;
    }
}
