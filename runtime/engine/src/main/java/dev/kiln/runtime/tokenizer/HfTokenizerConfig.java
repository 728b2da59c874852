package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What transformers' {@code tokenizer_config.json} adds to a tokenizer.json: the tokens of the
 * roles (bos_token, eos_token, pad_token, unk_token, sep_token, cls_token, mask_token; a string
 * or an object with {@code content}), {@code add_bos_token} / {@code add_eos_token} and
 * {@code model_max_length}. {@link #kilnRoles} maps Kiln's special-token names to these roles.
 */
public record HfTokenizerConfig(Map<String, String> roles, Boolean addBosToken, Boolean addEosToken, OptionalInt modelMaxLength) {
    public static final String FILE = "tokenizer_config.json";
    static final HfTokenizerConfig NONE = new HfTokenizerConfig(Map.of(), null, null, OptionalInt.empty());

    /** Kiln's special-token names and the transformers role each stands for. */
    static final Map<String, String> KILN_ROLES = kilnRoles();

    private static Map<String, String> kilnRoles() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(Tokenizer.EOS, "eos_token");
        m.put(Tokenizer.PAD, "pad_token");
        m.put(Tokenizer.MASK, "mask_token");
        m.put(Tokenizer.CLS, "cls_token");
        m.put(Tokenizer.SEP, "sep_token");
        m.put(Tokenizer.UNK, "unk_token");
        return Collections.unmodifiableMap(m);
    }

    /** The role's token text (e.g. roles().get("eos_token")), or null. */
    public String role(String role) {
        return roles.get(role);
    }

    boolean isEmpty() {
        return roles.isEmpty() && addBosToken == null && addEosToken == null && modelMaxLength.isEmpty();
    }

    /** The keys this record holds, as tokenizer_config.json writes them. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>(roles);
        if (addBosToken != null) m.put("add_bos_token", addBosToken);
        if (addEosToken != null) m.put("add_eos_token", addEosToken);
        modelMaxLength.ifPresent(n -> m.put("model_max_length", n));
        return m;
    }

    /** tokenizer_config.json beside {@code tokenizerJson}, or {@link #NONE} when there is none. */
    static HfTokenizerConfig besides(Path tokenizerJson) throws IOException {
        Path dir = tokenizerJson.toAbsolutePath().getParent();
        Path f = dir == null ? null : dir.resolve(FILE);
        if (f == null || !Files.isRegularFile(f)) return NONE;
        return read(HfJson.readObject(f), f.toString());
    }

    static HfTokenizerConfig read(Map<String, Object> json, String file) {
        Map<String, String> roles = new LinkedHashMap<>();
        for (String role : new String[] {"bos_token", "eos_token", "pad_token", "unk_token", "sep_token", "cls_token", "mask_token"}) {
            Object v = json.get(role);
            if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) v = s;
            if (v == null) continue;
            if (!(v instanceof String s)) throw HfJson.error(file, role, "expected a string or {\"content\": ...}, got " + HfJson.describe(v));
            roles.put(role, s);
        }
        Boolean bos = json.get("add_bos_token") == null ? null : HfJson.optBoolean(json, "add_bos_token", false, file, "");
        Boolean eos = json.get("add_eos_token") == null ? null : HfJson.optBoolean(json, "add_eos_token", false, file, "");
        OptionalInt max = OptionalInt.empty();
        if (json.get("model_max_length") instanceof Number n) {
            double d = n.doubleValue();                              // transformers writes 1e30 for "no limit"
            if (d >= 1 && d < Integer.MAX_VALUE) max = OptionalInt.of((int) d);
        } else if (json.get("model_max_length") != null) {
            throw HfJson.error(file, "model_max_length", "expected a number, got " + HfJson.describe(json.get("model_max_length")));
        }
        return new HfTokenizerConfig(Collections.unmodifiableMap(roles), bos, eos, max);
    }
}
