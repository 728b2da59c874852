package dev.kiln.runtime.hf;

import dev.kiln.api.nn.TransformerConfig;

import java.util.List;
import java.util.Map;

/**
 * What sets the LLaMA-like decoders apart (transformers' {@code modeling_llama.py},
 * {@code modeling_mistral.py}, {@code modeling_qwen2.py}, {@code modeling_qwen3.py}): config-class
 * defaults, which projections carry biases, Qwen3's q/k RMSNorm, and how a sliding window is
 * configured. Everything else is one mapping ({@link LlamaLikeLayout}).
 */
enum LlamaFamily {
    /** attention_bias (q/k/v/o) and mlp_bias, each on its own; no sliding window. */
    LLAMA("llama", "LlamaForCausalLM", "LlamaModel", 32000, 11008, 2048, 0),
    /** No biases; {@code sliding_window} (absent = MistralConfig's 4096, null = off) on every layer. */
    MISTRAL("mistral", "MistralForCausalLM", "MistralModel", 32000, 14336, 4096 * 32, 8),
    /** q/k/v biases always, none on o_proj or the MLP; use_sliding_window from max_window_layers on. */
    QWEN2("qwen2", "Qwen2ForCausalLM", "Qwen2Model", 151936, 22016, 32768, 0),
    /** q_norm / k_norm on every head, head_dim 128 by default, attention_bias (q/k/v/o), never MLP biases. */
    QWEN3("qwen3", "Qwen3ForCausalLM", "Qwen3Model", 151936, 22016, 32768, 0);

    final String modelType, lm, base;
    final int vocab, intermediate, maxPositions, kvHeads;

    LlamaFamily(String modelType, String lm, String base, int vocab, int intermediate, int maxPositions, int kvHeads) {
        this.modelType = modelType;
        this.lm = lm;
        this.base = base;
        this.vocab = vocab;
        this.intermediate = intermediate;
        this.maxPositions = maxPositions;
        this.kvHeads = kvHeads;
    }

    /** head_dim when config.json leaves it out. */
    int defaultHeadDim(int hidden, int heads) {
        return this == QWEN3 ? 128 : hidden / heads;
    }

    /** Sets the bias switches and qkNorm on {@code b} from the family's keys. */
    void readBiasesAndNorms(HfConfig c, TransformerConfig.Builder b) throws HfCheckpointException {
        b.qkvBias(false);
        switch (this) {
            case LLAMA -> b.attentionBias(c.getBoolean("attention_bias", false)).mlpBias(c.getBoolean("mlp_bias", false));
            case MISTRAL -> b.bias(false);
            case QWEN2 -> b.bias(false).qkvBias(true);
            case QWEN3 -> b.attentionBias(c.getBoolean("attention_bias", false)).mlpBias(false).qkNorm(true);
        }
    }

    /** The bias / norm keys for {@code t}, after {@link #check} passed. */
    void writeBiasesAndNorms(TransformerConfig t, Map<String, Object> m) {
        switch (this) {
            case LLAMA -> {
                m.put("attention_bias", t.attentionBias());
                m.put("mlp_bias", t.mlpBias());
            }
            case QWEN3 -> m.put("attention_bias", t.attentionBias());
            default -> { }
        }
    }

    /** Every setting of {@code t} this family's config.json cannot express. */
    void check(TransformerConfig t, Compatibility c) {
        switch (this) {
            case LLAMA -> c.need("qkv_bias without attention_bias", t.qkvBias() && !t.attentionBias(), false)
                    .need("sliding_window", t.slidingWindow(), 0);
            case MISTRAL -> c.need("attention_bias", t.attentionBias(), false).need("mlp_bias", t.mlpBias(), false)
                    .need("qkv_bias", t.qkvBias(), false);
            case QWEN2 -> c.need("attention_bias", t.attentionBias(), false).need("mlp_bias", t.mlpBias(), false)
                    .need("qkv_bias", t.qkvBias(), true);
            case QWEN3 -> c.need("mlp_bias", t.mlpBias(), false).need("qkv_bias without attention_bias", t.qkvBias() && !t.attentionBias(), false);
        }
        c.need("qk_norm", t.qkNorm(), this == QWEN3);
    }

    /** The window every layer uses (0 = none); a per-layer mix Kiln cannot express is refused naming the key. */
    int readSlidingWindow(HfConfig c, int layers) throws HfCheckpointException {
        return switch (this) {
            case LLAMA -> 0;
            case MISTRAL -> c.present("sliding_window") ? (c.has("sliding_window") ? c.positive("sliding_window", 0) : 0) : 4096;
            case QWEN2, QWEN3 -> qwenWindow(c, layers);
        };
    }

    void writeSlidingWindow(TransformerConfig t, Map<String, Object> m) {
        int w = t.slidingWindow();
        switch (this) {
            case LLAMA -> { }
            case MISTRAL -> m.put("sliding_window", w > 0 ? w : null);
            case QWEN2, QWEN3 -> {
                m.put("use_sliding_window", w > 0);
                m.put("sliding_window", w > 0 ? w : null);
                m.put("max_window_layers", w > 0 ? 0 : t.layers());
                m.put("layer_types", java.util.Collections.nCopies(t.layers(), w > 0 ? "sliding_attention" : "full_attention"));
            }
        }
    }

    /**
     * Qwen2Config / Qwen3Config: {@code layer_types} when written, else layers ≥ {@code max_window_layers}
     * slide when {@code use_sliding_window}. Kiln has one window for every layer, so only "all" or "none" load.
     */
    private static int qwenWindow(HfConfig c, int layers) throws HfCheckpointException {
        if (c.has("layer_types")) {
            if (!(c.values().get("layer_types") instanceof List<?> types) || types.size() != layers)
                throw c.error("layer_types", "must list one of full_attention / sliding_attention per layer (" + layers + ")");
            long sliding = types.stream().filter("sliding_attention"::equals).count();
            long full = types.stream().filter("full_attention"::equals).count();
            if (sliding + full != layers) throw c.error("layer_types", "holds values other than full_attention / sliding_attention: " + types);
            if (sliding == 0) return 0;
            if (full > 0)
                throw c.error("layer_types", "mixes sliding and full attention layers " + types
                        + "; Kiln's backbone uses one window for every layer");
            return c.positive("sliding_window", 4096);
        }
        if (!c.getBoolean("use_sliding_window", false)) return 0;
        int from = c.getInt("max_window_layers", 28);
        if (from >= layers) return 0;
        if (from > 0)
            throw c.error("max_window_layers", "is " + from + " with use_sliding_window: only layers " + from + "-" + (layers - 1)
                    + " would slide, and Kiln's backbone uses one window for every layer (set it to 0 or >= num_hidden_layers " + layers + ")");
        return c.positive("sliding_window", 4096);
    }
}
