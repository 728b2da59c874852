package dev.kiln.runtime.tokenizer;

import dev.kiln.api.io.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small inline tokenizer.json pieces for the Hugging Face component tests. */
final class HfFixtures {
    private HfFixtures() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        try {
            return (Map<String, Object>) Json.parse(text, "test.json");
        } catch (dev.kiln.api.io.JsonException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    static HfTokenizer tokenizer(String json) {
        return HfTokenizerJson.read(json(json), "test.json", HfTokenizerConfig.NONE);
    }

    static HfTokenizer tokenizer(String json, String config) {
        return HfTokenizerJson.read(json(json), "test.json", HfTokenizerConfig.read(json(config), "tokenizer_config.json"));
    }

    static TextNormalizer normalizer(String json) {
        return TextNormalizer.fromJson(json(json), "test.json", "normalizer");
    }

    static PreTokenizer preTokenizer(String json) {
        return PreTokenizer.fromJson(json(json), "test.json", "pre_tokenizer");
    }

    static List<String> pieces(PreTokenizer p, String text) {
        List<String> out = new ArrayList<>();
        p.split(text, true, (s, atStart) -> out.add(s));
        return out;
    }

    static TokenModel model(String json) {
        return TokenModel.fromJson(json(json), "test.json");
    }

    static int[] ids(TokenModel m, String piece) {
        IntList out = new IntList(4);
        m.tokenize(piece, out);
        return out.toArray();
    }

    static TokenDecoder decoder(String json) {
        return TokenDecoder.fromJson(json(json), "test.json", "decoder");
    }

    static String decode(TokenDecoder d, String... tokens) {
        return String.join("", d.decode(List.of(tokens)));
    }
}
