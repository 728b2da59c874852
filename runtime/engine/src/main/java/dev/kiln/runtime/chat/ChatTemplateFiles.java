package dev.kiln.runtime.chat;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a model directory's chat template where transformers looks: {@code chat_template.jinja}
 * beside the tokenizer (what recent transformers saves), else {@code tokenizer_config.json}'s
 * {@code chat_template} (a string, or a list of {@code {name, template}} of which
 * {@code default} is used unless a name is asked for; a named one may also be
 * {@code additional_chat_templates/NAME.jinja}), else {@code chat_template.json}'s
 * {@code chat_template} (processors). The template's variables take the special tokens of
 * {@code tokenizer_config.json} (bos_token, eos_token, unk_token, sep_token, pad_token, cls_token,
 * mask_token: a string or an added token's {@code content}; additional_special_tokens; the
 * entries of extra_special_tokens), {@code special_tokens_map.json} filling roles it lacks.
 * Errors name the file and key.
 */
public final class ChatTemplateFiles {
    public static final String JINJA = "chat_template.jinja", TOKENIZER_CONFIG = "tokenizer_config.json",
            PROCESSOR = "chat_template.json", SPECIAL_TOKENS_MAP = "special_tokens_map.json", ADDITIONAL = "additional_chat_templates";
    static final List<String> ROLES = List.of("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");

    private ChatTemplateFiles() {}

    /** The directory's default chat template; empty when it has none. */
    public static Optional<JinjaChatTemplate> load(Path dir) throws IOException {
        return load(dir, null);
    }

    /** The chat template called {@code name} (null: the default); empty when the directory has no template at all. */
    public static Optional<JinjaChatTemplate> load(Path dir, String name) throws IOException {
        Map<String, Object> config = readObject(dir.resolve(TOKENIZER_CONFIG));
        Map<String, Object> tokens = specialTokens(dir, config);
        if (name != null) {
            Path file = dir.resolve(ADDITIONAL).resolve(name + ".jinja");
            if (Files.isRegularFile(file)) return Optional.of(JinjaChatTemplate.of(read(file), file.toString(), tokens));
        }
        Path jinja = dir.resolve(JINJA);
        if (name == null && Files.isRegularFile(jinja)) return Optional.of(JinjaChatTemplate.of(read(jinja), jinja.toString(), tokens));
        Path configFile = dir.resolve(TOKENIZER_CONFIG);
        Object raw = config == null ? null : config.get("chat_template");
        if (raw != null) return Optional.of(pick(raw, name, configFile + ": chat_template", tokens));
        Map<String, Object> processor = readObject(dir.resolve(PROCESSOR));
        if (processor != null && processor.get("chat_template") != null)
            return Optional.of(pick(processor.get("chat_template"), name, dir.resolve(PROCESSOR) + ": chat_template", tokens));
        if (name != null) throw new IOException(dir + ": no chat template named '" + name + "' (the directory has no chat template)");
        return Optional.empty();
    }

    /**
     * Writes {@code template} into a model directory as {@code chat_template.jinja} and, when the
     * directory has neither tokenizer_config.json nor special_tokens_map.json, its special tokens as
     * special_tokens_map.json, so that {@link #load} finds the same template there.
     */
    public static void save(JinjaChatTemplate template, Path dir) throws IOException {
        Files.writeString(dir.resolve(JINJA), template.source(), StandardCharsets.UTF_8);
        if (!Files.exists(dir.resolve(TOKENIZER_CONFIG)) && !Files.exists(dir.resolve(SPECIAL_TOKENS_MAP)) && !template.specialTokens().isEmpty())
            Files.writeString(dir.resolve(SPECIAL_TOKENS_MAP), Json.pretty(template.specialTokens()) + "\n", StandardCharsets.UTF_8);
    }

    private static JinjaChatTemplate pick(Object raw, String name, String where, Map<String, Object> tokens) throws IOException {
        if (raw instanceof String s) {
            if (name != null && !name.equals("default"))
                throw new IOException(where + ": has one unnamed template, not one named '" + name + "'");
            return JinjaChatTemplate.of(s, where, tokens);
        }
        if (!(raw instanceof List<?> list)) throw new IOException(where + ": expected a string or a list of {name, template}, got " + Json.write(raw));
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || !(m.get("name") instanceof String n) || !(m.get("template") instanceof String t))
                throw new IOException(where + "[" + i + "]: expected {\"name\": ..., \"template\": ...}");
            named.put(n, t);
        }
        String want = name == null ? "default" : name;
        String t = named.get(want);
        if (t == null)
            throw new IOException(where + ": no template named '" + want + "' (has: " + String.join(", ", named.keySet())
                    + (name == null ? "; name one" : "") + ")");
        return JinjaChatTemplate.of(t, where + "[" + want + "]", tokens);
    }

    /** The special-token variables of a tokenizer directory (see the class comment). */
    public static Map<String, Object> specialTokens(Path dir) throws IOException {
        return specialTokens(dir, readObject(dir.resolve(TOKENIZER_CONFIG)));
    }

    private static Map<String, Object> specialTokens(Path dir, Map<String, Object> config) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> map = readObject(dir.resolve(SPECIAL_TOKENS_MAP));
        for (Map<String, Object> source : java.util.Arrays.asList(config, map)) {
            if (source == null) continue;
            for (String role : ROLES) {
                String v = content(source.get(role));
                if (v != null) out.putIfAbsent(role, v);
            }
            if (source.get("additional_special_tokens") instanceof List<?> extra && !out.containsKey("additional_special_tokens")) {
                List<String> tokens = new ArrayList<>();
                for (Object t : extra) if (content(t) != null) tokens.add(content(t));
                out.put("additional_special_tokens", tokens);
            }
            if (source.get("extra_special_tokens") instanceof Map<?, ?> extra)
                for (var e : extra.entrySet()) if (content(e.getValue()) != null) out.putIfAbsent(e.getKey().toString(), content(e.getValue()));
        }
        return out;
    }

    private static String content(Object v) {
        if (v instanceof String s) return s;
        if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) return s;
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readObject(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return null;
        Object json;
        try {
            json = Json.read(file);
        } catch (JsonException e) {
            IOException named = new IOException(file + ": not valid JSON: " + e.problem() + " (line " + e.line() + ", column " + e.column() + ")");
            named.addSuppressed(e);
            throw named;
        }
        if (!(json instanceof Map<?, ?>)) throw new IOException(file + ": expected a JSON object");
        return (Map<String, Object>) json;
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8", e);
        }
    }
}
