package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.ModulesToSave;
import dev.kiln.api.finetune.PeftConfigChecks;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PEFT's {@code adapter_config.json} for LoRA: written with the fields PEFT's {@code LoraConfig}
 * reads back, read for the flat fields this plugin understands plus {@code rank_pattern} /
 * {@code alpha_pattern} (per-module rank and alpha, matched as PEFT does: the first key for which
 * {@code (.*\.)?(key)$} matches the module path).
 */
final class PeftConfigJson {
    private PeftConfigJson() {}

    /** The adapter's settings, the names its target_modules holds, the per-module exceptions, and PEFT's modules_to_save. */
    record Parsed(LoraConfig config, Map<String, Integer> rankPattern, Map<String, Double> alphaPattern, List<String> modulesToSave) {
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
        Map<String, Object> o = new LinkedHashMap<>();                 // every key PEFT's LoraConfig writes, sorted as it sorts them
        o.put("alpha_pattern", alphaPattern);
        o.put("auto_mapping", null);
        o.put("base_model_name_or_path", null);
        o.put("bias", "none");
        o.put("exclude_modules", null);
        o.put("fan_in_fan_out", fanInFanOut);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.put("layer_replication", null);
        o.put("layers_pattern", null);
        o.put("layers_to_transform", null);
        o.put("lora_alpha", c.alpha());
        o.put("lora_bias", false);
        o.put("lora_dropout", c.dropout());
        o.put("megatron_config", null);
        o.put("megatron_core", "megatron.core");
        o.put("modules_to_save", null);
        o.put("peft_type", "LORA");
        o.put("r", c.r());
        o.put("rank_pattern", rankPattern);
        o.put("revision", null);
        o.put("target_modules", targetModules.equals(List.of(LoraConfig.ALL_LINEAR)) ? LoraConfig.ALL_LINEAR : targetModules);
        o.put("task_type", null);
        o.put("use_dora", false);
        o.put("use_rslora", c.useRslora());
        return Json.write(o) + "\n";
    }

    /** {@link #read(String, String, String)} with errors naming {@code adapter_config.json}. */
    static Parsed read(String json, String adapterName) throws IOException { return read(json, "adapter_config.json", adapterName); }

    /**
     * Reads a PEFT adapter_config.json (the fields this plugin understands, the two pattern objects);
     * the adapter is named {@code adapterName}. Errors name {@code source} and the key.
     */
    static Parsed read(String json, String source, String adapterName) throws IOException {
        JsonObject o = Json.parseObject(json, source);
        String type = o.string("peft_type");
        if (type != null && !type.equals("LORA")) throw o.error("peft_type", "is " + type + ", expected LORA");
        PeftConfigChecks.refuseUnless(o, "use_dora", "DoRA (weight-decomposed LoRA)", false);
        PeftConfigChecks.refuseUnless(o, "lora_bias", "a trained bias on lora_B", false);
        PeftConfigChecks.refuseUnless(o, "use_qalora", "QALoRA pooling", false);
        PeftConfigChecks.refuseUnless(o, "layer_replication", "layer replication");
        PeftConfigChecks.refuseUnless(o, "trainable_token_indices", "trainable token rows");
        PeftConfigChecks.refuseUnless(o, "target_parameters", "LoRA on parameters (not modules)");
        List<String> modulesToSave = ModulesToSave.of(o);
        String bias = o.string("bias");
        if (bias != null && !bias.equals("none"))
            throw o.error("bias", "is \"" + bias + "\"; only \"none\" is supported (LoRA adapters without trained biases)");
        Integer r = o.integer("r");
        Double alpha = o.number("lora_alpha"), dropout = o.number("lora_dropout");
        if (r == null || alpha == null) throw new IOException(source + " needs \"r\" and \"lora_alpha\"");
        List<String> targets = o.strings("target_modules");
        if (targets == null) throw new IOException(source + " needs \"target_modules\"");
        LoraConfig config;
        try {
            config = new LoraConfig(r, alpha, dropout == null ? 0 : dropout, Boolean.TRUE.equals(o.bool("use_rslora")), targets, adapterName);
        } catch (IllegalArgumentException bad) {
            throw new IOException(source + ": " + bad.getMessage(), bad);
        }
        Map<String, Integer> ranks = new LinkedHashMap<>();
        JsonObject rankPattern = o.object("rank_pattern");
        if (rankPattern != null) for (String k : rankPattern.keys()) ranks.put(k, rankPattern.integer(k));
        Map<String, Double> alphas = new LinkedHashMap<>();
        JsonObject alphaPattern = o.object("alpha_pattern");
        if (alphaPattern != null) for (String k : alphaPattern.keys()) alphas.put(k, alphaPattern.number(k));
        return new Parsed(config, ranks, alphas, modulesToSave);
    }
}
