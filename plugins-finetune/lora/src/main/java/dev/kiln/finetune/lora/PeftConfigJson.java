package dev.kiln.finetune.lora;

import dev.kiln.api.io.Json;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEFT's {@code adapter_config.json} for LoRA: written with the fields PEFT's {@code LoraConfig}
 * reads back, read for the flat fields this plugin understands plus {@code rank_pattern} /
 * {@code alpha_pattern} (per-module rank and alpha, matched as PEFT does: the first key for which
 * {@code (.*\.)?(key)$} matches the module path).
 */
final class PeftConfigJson {
    private PeftConfigJson() {}

    /** The adapter's settings, the names its target_modules holds, and the per-module exceptions. */
    record Parsed(LoraConfig config, Map<String, Integer> rankPattern, Map<String, Double> alphaPattern) {
        /** The rank PEFT gives the module at {@code module} (a path relative to {@code base_model.model.}). */
        int rank(String module) {
            String key = patternKey(rankPattern, module);
            return key == null ? config.r() : rankPattern.get(key);
        }

        /** PEFT's scaling for the module: alpha / r, or alpha / √r with rsLoRA, both per module. */
        double scaling(String module) {
            String key = patternKey(alphaPattern, module);
            return scaling(key == null ? config.alpha() : alphaPattern.get(key), rank(module), config.useRslora());
        }

        static double scaling(double alpha, int r, boolean rslora) { return rslora ? alpha / Math.sqrt(r) : alpha / r; }

        private static String patternKey(Map<String, ?> pattern, String module) {
            for (String key : pattern.keySet()) {
                try {
                    if (Pattern.compile("(.*\\.)?(" + key + ")$").matcher(module).matches()) return key;
                } catch (java.util.regex.PatternSyntaxException e) {
                    if (module.equals(key) || module.endsWith("." + key)) return key;
                }
            }
            return null;
        }
    }

    /**
     * @param targetModules the names PEFT matches modules by (or the single entry {@code all-linear})
     * @param rankPattern   module → rank, for modules whose rank is not {@code c.r()}
     * @param alphaPattern  module → alpha, where alpha / rank would not give the module's scaling
     */
    static String write(LoraConfig c, List<String> targetModules, boolean fanInFanOut,
                        Map<String, Integer> rankPattern, Map<String, Double> alphaPattern) {
        String targets = targetModules.equals(List.of(LoraConfig.ALL_LINEAR)) ? "\"all-linear\""
                : "[" + String.join(", ", targetModules.stream().map(Json::quote).toList()) + "]";
        return String.format(Locale.ROOT, """
                {
                  "peft_type": "LORA",
                  "task_type": null,
                  "base_model_name_or_path": null,
                  "r": %d,
                  "lora_alpha": %s,
                  "lora_dropout": %s,
                  "use_rslora": %s,
                  "target_modules": %s,
                  "rank_pattern": %s,
                  "alpha_pattern": %s,
                  "bias": "none",
                  "fan_in_fan_out": %s,
                  "init_lora_weights": true,
                  "use_dora": false,
                  "inference_mode": true,
                  "modules_to_save": null
                }
                """, c.r(), num(c.alpha()), num(c.dropout()), c.useRslora(), targets, object(rankPattern), object(alphaPattern), fanInFanOut);
    }

    /** Reads a PEFT adapter_config.json (flat fields and the two pattern objects); the adapter is named {@code adapterName}. */
    static Parsed read(String json, String adapterName) throws IOException {
        String type = field(json, "peft_type", "\"(\\w+)\"");
        if (type != null && !type.equals("LORA")) throw new IOException("adapter_config.json: peft_type is " + type + ", expected LORA");
        if ("true".equals(field(json, "use_dora", "(true|false)")))
            throw new IOException("adapter_config.json: use_dora is true; DoRA adapters are not supported");
        String bias = field(json, "bias", "\"(\\w+)\"");
        if (bias != null && !bias.equals("none"))
            throw new IOException("adapter_config.json: bias is \"" + bias + "\"; only \"none\" is supported (LoRA adapters without trained biases)");
        String r = field(json, "r", "(\\d+)"), alpha = field(json, "lora_alpha", "([-0-9.eE+]+)");
        if (r == null || alpha == null) throw new IOException("adapter_config.json needs \"r\" and \"lora_alpha\"");
        String dropout = field(json, "lora_dropout", "([-0-9.eE+]+)"), rs = field(json, "use_rslora", "(true|false)");
        String t = field(json, "target_modules", "(\\[[^\\]]*\\]|\"(?:[^\"\\\\]|\\\\.)*\")");
        if (t == null) throw new IOException("adapter_config.json needs \"target_modules\"");
        List<String> targets = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(t);
        while (m.find()) targets.add(unquote(m.group(1)));
        LoraConfig config = new LoraConfig(Integer.parseInt(r), Double.parseDouble(alpha), dropout == null ? 0 : Double.parseDouble(dropout),
                Boolean.parseBoolean(rs), targets, adapterName);
        Map<String, Integer> ranks = new LinkedHashMap<>();
        pattern(json, "rank_pattern").forEach((k, v) -> ranks.put(k, (int) Math.round(v)));
        return new Parsed(config, ranks, pattern(json, "alpha_pattern"));
    }

    /** A flat {"module": number, ...} object under {@code key}; empty when absent or null. */
    private static Map<String, Double> pattern(String json, String key) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        String body = field(json, key, "\\{([^{}]*)\\}");
        if (body == null) return out;
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*([-0-9.eE+]+)").matcher(body);
        while (m.find()) out.put(unquote(m.group(1)), Double.parseDouble(m.group(2)));
        if (out.isEmpty() && !body.isBlank()) throw new IOException("adapter_config.json: cannot read " + key + " {" + body + "}");
        return out;
    }

    private static String object(Map<String, ? extends Number> m) {
        if (m.isEmpty()) return "{}";
        List<String> entries = new ArrayList<>();
        m.forEach((k, v) -> entries.add(Json.quote(k) + ": " + (v instanceof Integer ? v.toString() : num(v.doubleValue()))));
        return "{" + String.join(", ", entries) + "}";
    }


    private static String unquote(String s) { return s.replace("\\\"", "\"").replace("\\\\", "\\"); }

    private static String num(double d) { return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d); }

    private static String field(String json, String key, String value) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*" + value).matcher(json);
        return m.find() ? m.group(1) : null;
    }
}
