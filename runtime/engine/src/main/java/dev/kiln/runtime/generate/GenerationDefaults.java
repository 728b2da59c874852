package dev.kiln.runtime.generate;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;
import dev.kiln.runtime.io.JsonValues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model directory's {@code generation_config.json} (transformers' GenerationConfig): the token
 * ids {@code eos_token_id} (one or a list; generation stops at any), {@code bos_token_id},
 * {@code pad_token_id}, and sampling defaults ({@code do_sample}, {@code temperature},
 * {@code top_k}, {@code top_p}, {@code repetition_penalty}, {@code max_new_tokens}) that a
 * caller's explicit settings override. Absent keys are null; an absent file is {@link #NONE}.
 */
public record GenerationDefaults(int[] eosIds, Integer bosId, Integer padId, Boolean doSample, Double temperature,
                                 Integer topK, Double topP, Double repetitionPenalty, Integer maxNewTokens) {
    public static final String FILE = "generation_config.json";
    public static final GenerationDefaults NONE = new GenerationDefaults(null, null, null, null, null, null, null, null, null);

    /** Reads {@code dir/generation_config.json}; {@link #NONE} when there is none. Errors name the file and the key. */
    public static GenerationDefaults read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) return NONE;
        Object json;
        try {
            json = Json.read(file);
        } catch (JsonException e) {
            IOException named = new IOException(file + ": not a JSON object: " + e.problem() + " (line " + e.line() + ", column " + e.column() + ")");
            named.addSuppressed(e);                             // in stack traces, not repeated in one-line messages
            throw named;
        }
        if (!(json instanceof Map<?, ?>))
            throw new IOException(file + ": not a JSON object: the top level is " + (json instanceof List<?> ? "a list" : Json.write(json)));
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) JsonValues.plain(json);          // whole numbers as Integer where they fit
        Reader r = new Reader(file, m);
        return new GenerationDefaults(r.ids("eos_token_id"), r.integer("bos_token_id"), r.integer("pad_token_id"),
                r.bool("do_sample"), r.number("temperature"), r.integer("top_k"), r.number("top_p"),
                r.number("repetition_penalty"), r.integer("max_new_tokens"));
    }

    /**
     * {@code base} with this file's sampling defaults wherever {@code explicit} says the caller did
     * not choose (names as the settings' keys: greedy, temperature, top_k, top_p, repetition_penalty,
     * max_new_tokens). {@code do_sample: false} means greedy.
     */
    public SamplingSettings applyTo(SamplingSettings base, java.util.function.Predicate<String> explicit) {
        SamplingSettings s = base;
        if (doSample != null && !explicit.test("greedy")) s = s.withGreedy(!doSample);
        if (temperature != null && !explicit.test("temperature")) s = s.withTemperature(temperature);
        if (topK != null && !explicit.test("top_k")) s = s.withTopK(topK);
        if (topP != null && !explicit.test("top_p")) s = s.withTopP(topP);
        if (repetitionPenalty != null && !explicit.test("repetition_penalty")) s = s.withRepetitionPenalty(repetitionPenalty);
        if (maxNewTokens != null && !explicit.test("max_new_tokens")) s = s.withMaxNewTokens(maxNewTokens);
        return s;
    }

    private record Reader(Path file, Map<String, Object> m) {
        Integer integer(String key) throws IOException {
            Object v = m.get(key);
            if (v == null) return null;
            if (v instanceof Integer || v instanceof Long) return ((Number) v).intValue();
            throw error(key, "must be an integer, got " + v);
        }

        Double number(String key) throws IOException {
            Object v = m.get(key);
            if (v == null) return null;
            if (v instanceof Number n) return n.doubleValue();
            throw error(key, "must be a number, got " + v);
        }

        Boolean bool(String key) throws IOException {
            Object v = m.get(key);
            if (v == null) return null;
            if (v instanceof Boolean b) return b;
            throw error(key, "must be true or false, got " + v);
        }

        int[] ids(String key) throws IOException {
            Object v = m.get(key);
            if (v == null) return null;
            if (v instanceof Integer i) return new int[] {i};
            if (v instanceof List<?> l && l.stream().allMatch(Integer.class::isInstance))
                return l.stream().mapToInt(Integer.class::cast).toArray();
            throw error(key, "must be a token id or a list of token ids, got " + v);
        }

        IOException error(String key, String what) {
            return new IOException(file + ": key '" + key + "' " + what);
        }
    }
}
