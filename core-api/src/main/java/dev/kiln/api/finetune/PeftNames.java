package dev.kiln.api.finetune;

import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which module names a saved adapter uses (config key {@code peft_names}). {@link #KILN} keeps
 * Kiln's paths ({@code blocks.0.attn.qkv}); the others use the module paths of the Hugging Face
 * model with the same shape, as PEFT writes them for {@code GPT2LMHeadModel}
 * ({@code transformer.h.0.attn.c_attn}), {@code Bert*} task models ({@code bert.encoder.layer.0.attention.self.query})
 * and {@code LlamaForCausalLM} ({@code model.layers.0.self_attn.q_proj}). The tables mirror the
 * engine's HF checkpoint layouts; Kiln's fused qkv maps to GPT-2's fused {@code c_attn}, or to
 * BERT's / LLaMA's three projections, each a row range of the fused output.
 */
public enum PeftNames {
    KILN("", null, "embed.tokens", Map.of(), List.of()),
    GPT2("transformer.", "h.", "wte", Map.of(
            "attn.qkv", List.of("attn.c_attn"), "attn.out", List.of("attn.c_proj"),
            "mlp.up", List.of("mlp.c_fc"), "mlp.down", List.of("mlp.c_proj")),
            List.of("lm_head")),
    BERT("bert.", "encoder.layer.", "embeddings.word_embeddings", Map.of(
            "attn.qkv", List.of("attention.self.query", "attention.self.key", "attention.self.value"),
            "attn.out", List.of("attention.output.dense"), "mlp.up", List.of("intermediate.dense"), "mlp.down", List.of("output.dense")),
            List.of("bert.pooler.dense", "cls.predictions.transform.dense", "cls.seq_relationship", "classifier")),
    /** RoBERTa: BERT's module names under {@code roberta.} ({@code RobertaFor*} task models). */
    ROBERTA("roberta.", "encoder.layer.", "embeddings.word_embeddings", BERT.inLayer,
            List.of("roberta.pooler.dense", "lm_head.dense", "classifier.dense", "classifier.out_proj")),
    LLAMA("model.", "layers.", "embed_tokens", Map.of(
            "attn.qkv", List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"), "attn.out", List.of("self_attn.o_proj"),
            "mlp.gate", List.of("mlp.gate_proj"), "mlp.up", List.of("mlp.up_proj"), "mlp.down", List.of("mlp.down_proj")),
            List.of("lm_head"));

    /** One HF module a Kiln Linear maps to: output rows [rowStart, rowEnd) of the Kiln layer. */
    public record Part(String module, int rowStart, int rowEnd) {
        public int rows() { return rowEnd - rowStart; }
    }

    /** Where an HF module lives in Kiln: the Linear's path and which of its {@link #parts} it is. */
    public record Location(String kilnPath, int part) {}

    private static final Pattern KILN_LAYER = Pattern.compile("blocks\\.(\\d+)\\.(.+)");

    private final String backbone, layerPrefix, embedding;
    private final Pattern layer;
    private final Map<String, List<String>> inLayer;
    private final List<String> outsideLayers;

    /** layerPrefix: what precedes a block's index ({@code h.}, {@code encoder.layer.}, {@code layers.}). */
    PeftNames(String backbone, String layerPrefix, String embedding, Map<String, List<String>> inLayer, List<String> outsideLayers) {
        this.backbone = backbone;
        this.layerPrefix = layerPrefix;
        this.embedding = embedding;
        this.layer = layerPrefix == null ? null : Pattern.compile(Pattern.quote(layerPrefix) + "(\\d+)\\.(.+)");
        this.inLayer = inLayer;
        this.outsideLayers = outsideLayers;
    }

    /** The config value: kiln, gpt2, bert, roberta or llama. */
    public String key() { return name().toLowerCase(Locale.ROOT); }

    /** Every config value, in order: kiln, gpt2, bert, roberta, llama. */
    public static String[] keys() {
        return java.util.Arrays.stream(values()).map(PeftNames::key).toArray(String[]::new);
    }

    public static PeftNames parse(String value) {
        for (PeftNames n : values()) if (n.key().equals(value.trim().toLowerCase(Locale.ROOT))) return n;
        throw new IllegalArgumentException("must be one of " + String.join(", ", keys()) + "; got '" + value + "'");
    }

    /**
     * The names PEFT uses for a Hugging Face family ({@code config.json}'s {@code model_type}):
     * {@code gpt2}; {@code bert}; {@code roberta}; {@code llama} and the families with LLaMA's module
     * names ({@code mistral}, {@code qwen2}, {@code qwen3}); {@link #KILN} for anything else or null.
     */
    public static PeftNames forModelType(String modelType) {
        if (modelType == null) return KILN;
        return switch (modelType) {
            case "gpt2" -> GPT2;
            case "bert" -> BERT;
            case "roberta" -> ROBERTA;
            case "llama", "mistral", "qwen2", "qwen3" -> LLAMA;
            default -> KILN;
        };
    }

    /** Whether GPT-2's Conv1D layers ([in, out] weights) hold these modules: PEFT's {@code fan_in_fan_out}. */
    public boolean fanInFanOut() { return this == GPT2; }

    /**
     * The HF modules of the Kiln Linear at {@code kilnPath} (output width {@code out}), relative to
     * {@code base_model.model.}; errors when this architecture has no such module.
     */
    public List<Part> parts(String kilnPath, int out, TransformerConfig cfg) {
        if (this == KILN) return List.of(new Part(kilnPath, 0, out));
        Matcher m = KILN_LAYER.matcher(kilnPath);
        List<String> hf = m.matches() ? inLayer.get(m.group(2)) : null;
        if (hf == null)
            throw new IllegalArgumentException("peft_names " + key() + " has no module for Kiln's '" + kilnPath
                    + "' (it maps " + inLayer.keySet() + " of each block)");
        String prefix = backbone + layerPrefix + m.group(1) + ".";
        if (hf.size() == 1) return List.of(new Part(prefix + hf.get(0), 0, out));
        int q = cfg.heads() * cfg.headDim(), kv = cfg.kvHeads() * cfg.headDim();
        if (q + 2 * kv != out) throw new IllegalArgumentException("'" + kilnPath + "' has " + out + " rows, not (Hq + 2·Hkv)·D = " + (q + 2 * kv));
        return List.of(new Part(prefix + hf.get(0), 0, q), new Part(prefix + hf.get(1), q, q + kv), new Part(prefix + hf.get(2), q + kv, q + 2 * kv));
    }

    /** The token embeddings' module ({@code embed.tokens}, {@code transformer.wte}, {@code bert.embeddings.word_embeddings}, {@code model.embed_tokens}). */
    public String embeddingModule() { return backbone + embedding; }

    /** Whether an HF module path (relative to {@code base_model.model.}, backbone prefix optional) is the token embeddings. */
    public boolean isEmbedding(String module) {
        return module.equals(embeddingModule()) || module.equals(embedding);
    }

    /**
     * The Kiln Linear an HF module path (relative to {@code base_model.model.}) belongs to, or null.
     * The backbone prefix is optional: PEFT on a bare {@code BertModel} / {@code LlamaModel} writes
     * {@code encoder.layer.0...} / {@code layers.0...}. For {@link #KILN} the path is returned as is.
     */
    public Location locate(String module) {
        if (this == KILN) return new Location(module, 0);
        String rest = module.startsWith(backbone) ? module.substring(backbone.length()) : module;
        Matcher m = layer.matcher(rest);
        if (!m.matches()) return null;
        for (var e : inLayer.entrySet()) {
            int part = e.getValue().indexOf(m.group(2));
            if (part >= 0) return new Location("blocks." + m.group(1) + "." + e.getKey(), part);
        }
        return null;
    }

    /**
     * PEFT's {@code target_modules} for exactly the {@code adapted} modules: for each, its shortest
     * dotted suffix that PEFT's suffix matching ({@code name == t || name.endsWith("." + t)}) would
     * not also find in a module of {@code all} (every HF Linear the model maps to, plus the ones HF
     * models have outside the blocks: poolers, heads) that is not adapted. {@code c_attn},
     * {@code query}, {@code q_proj} in the common cases; layer-qualified suffixes when only some
     * layers are adapted.
     */
    public List<String> targetModules(Collection<String> adapted, Collection<String> all) {
        Set<String> universe = new LinkedHashSet<>(all);
        universe.addAll(outsideLayers);
        universe.addAll(adapted);
        Set<String> chosen = new LinkedHashSet<>();
        for (String module : adapted) {
            String[] parts = module.split("\\.");
            for (int n = 1; n <= parts.length; n++) {
                String suffix = String.join(".", java.util.Arrays.copyOfRange(parts, parts.length - n, parts.length));
                boolean exact = true;
                for (String other : universe)
                    if ((other.equals(suffix) || other.endsWith("." + suffix)) && !adapted.contains(other)) { exact = false; break; }
                if (exact) { chosen.add(suffix); break; }
            }
        }
        return new ArrayList<>(chosen);
    }

    /** The model's Linear layers by module path. */
    public static Map<String, Linear> linears(Module model) {
        Map<String, Linear> out = new java.util.LinkedHashMap<>();
        for (var e : model.namedModules().entrySet()) if (e.getValue() instanceof Linear l) out.put(e.getKey(), l);
        return out;
    }

    /** Every HF module the model's Linears map to in these names (those the names have no module for are skipped). */
    public List<String> allModules(Transformer model) {
        List<String> out = new ArrayList<>();
        for (var e : linears(model).entrySet()) {
            try {
                for (Part p : parts(e.getKey(), e.getValue().outFeatures(), model.config())) out.add(p.module());
            } catch (IllegalArgumentException notMapped) {
                // a Linear this architecture has no name for; it is not adapted, or save() has failed already
            }
        }
        return out;
    }
}
