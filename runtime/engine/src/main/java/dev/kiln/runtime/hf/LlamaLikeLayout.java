package dev.kiln.runtime.hf;

import dev.kiln.api.nn.ModelKinds.Ffn;
import dev.kiln.api.nn.ModelKinds.NormKind;
import dev.kiln.api.nn.ModelKinds.Positions;
import dev.kiln.api.nn.TransformerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.runtime.hf.TensorMapping.copy;

/**
 * The LLaMA-like decoders, one mapping for all: LLaMA 1/2/3.x, Mistral, Qwen2/2.5 and Qwen3
 * ({@code *ForCausalLM}, {@code *Model}). Rotary positions (rotate-half, with {@code rope_scaling}),
 * pre-RMSNorm, SwiGLU, grouped-query attention, {@code head_dim} of its own, a head untied unless
 * {@code tie_word_embeddings}. q / k / v projections are stacked into Kiln's fused {@code attn.qkv}
 * ([(Hq + 2·Hkv)·D, C]). What differs per family is in {@link LlamaFamily}.
 */
final class LlamaLikeLayout implements HfLayout {
    private final LlamaFamily family;

    LlamaLikeLayout(LlamaFamily family) {
        this.family = family;
    }

    @Override public String modelType() { return family.modelType; }

    @Override public List<String> architectures() { return List.of(family.lm, family.base); }

    @Override public String backbonePrefix() { return "model."; }

    @Override public boolean isBaseModel(String architecture) { return architecture.equals(family.base); }

    @Override
    public TransformerConfig toKiln(HfConfig c, String architecture) throws HfCheckpointException {
        c.require("pretraining_tp", 1, "tensor-parallel slicing of the projections");
        int d = c.positive("hidden_size", 4096), heads = c.positive("num_attention_heads", 32);
        int kv = c.positive("num_key_value_heads", family.kvHeads > 0 ? family.kvHeads : heads);
        if (heads % kv != 0) throw c.error("num_key_value_heads", kv + " does not divide num_attention_heads " + heads);
        if (!c.has("head_dim") && family != LlamaFamily.QWEN3 && d % heads != 0)
            throw c.error("hidden_size", d + " is not divisible by num_attention_heads " + heads + " (and head_dim is not set)");
        int headDim = c.positive("head_dim", family.defaultHeadDim(d, heads));
        if (headDim % 2 != 0) throw c.error("head_dim", "is " + headDim + "; rotary positions need an even head dim");
        int layers = c.getInt("num_hidden_layers", 32), maxPos = c.positive("max_position_embeddings", family.maxPositions);
        boolean tie = c.getBoolean("tie_word_embeddings", false) || isBaseModel(architecture);
        TransformerConfig.Builder b = TransformerConfig.llama(c.positive("vocab_size", family.vocab), d, layers, heads, kv,
                        c.positive("intermediate_size", family.intermediate), maxPos).toBuilder()
                .headDim(headDim).ropeTheta(RopeScalingKeys.theta(c)).ropeScaling(RopeScalingKeys.read(c, maxPos))
                .normEps((float) c.getDouble("rms_norm_eps", 1e-6)).activation(c.activation("hidden_act", "silu"))
                .slidingWindow(family.readSlidingWindow(c, layers)).tieEmbeddings(tie)
                .dropout((float) c.getDouble("attention_dropout", 0.0)).initStd((float) c.getDouble("initializer_range", 0.02));
        family.readBiasesAndNorms(c, b);
        return b.build();
    }

    @Override
    public Map<String, Object> toHf(TransformerConfig t, String architecture) throws HfCheckpointException {
        Compatibility c = Compatibility.of(architecture)
                .need("positions", t.positions(), Positions.ROTARY).need("norm", t.norm(), NormKind.RMSNORM).need("ffn", t.ffn(), Ffn.SWIGLU)
                .need("pre_norm", t.preNorm(), true).need("causal", t.causal(), true).need("final_norm", t.finalNorm(), true)
                .need("embed_norm", t.embedNorm(), false).need("type_vocab", t.typeVocab(), 0).need("position_offset", t.positionOffset(), 0)
                .need("cross_attention", t.crossAttention(), false)
                .need("rope_scaling dynamic with original length = max_seq", RopeScalingKeys.expressible(t.ropeScaling(), t.maxSeq()), true)
                .need("tie_embeddings", t.tieEmbeddings() || !isBaseModel(architecture), true);
        family.check(t, c);
        c.check();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of(architecture));
        m.put("model_type", modelType());
        m.put("vocab_size", t.vocab());
        m.put("hidden_size", t.dModel());
        m.put("intermediate_size", t.dFF());
        m.put("num_hidden_layers", t.layers());
        m.put("num_attention_heads", t.heads());
        m.put("num_key_value_heads", t.kvHeads());
        m.put("head_dim", t.headDim());
        m.put("hidden_act", HfConfig.hfActivation(t.activation(), "gelu_pytorch_tanh"));
        m.put("max_position_embeddings", t.maxSeq());
        m.put("rms_norm_eps", t.normEps());
        m.put("rope_theta", t.ropeTheta());
        m.put("rope_scaling", RopeScalingKeys.write(t.ropeScaling()));
        family.writeBiasesAndNorms(t, m);
        family.writeSlidingWindow(t, m);
        m.put("attention_dropout", t.dropout());
        m.put("tie_word_embeddings", t.tieEmbeddings());
        m.put("initializer_range", t.initStd());
        if (family == LlamaFamily.LLAMA) m.put("pretraining_tp", 1);
        m.put("torch_dtype", "float32");
        return m;
    }

    @Override
    public List<TensorMapping> mappings(TransformerConfig t, String architecture, String p) {
        int c = t.dModel(), f = t.dFF(), hd = t.headDim(), q = t.heads() * hd, kv = t.kvHeads() * hd;
        List<TensorMapping> m = new ArrayList<>();
        m.add(copy("embed.tokens.weight", p + "embed_tokens.weight", t.vocab(), c));
        for (int i = 0; i < t.layers(); i++) {
            String h = p + "layers." + i + ".", b = "blocks." + i + ".", a = h + "self_attn.";
            m.add(copy(b + "norm1.weight", h + "input_layernorm.weight", c));
            m.add(TensorMapping.rows(b + "attn.qkv.weight", List.of(a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"),
                    List.of(new int[] {q, c}, new int[] {kv, c}, new int[] {kv, c})));
            if (t.hasQkvBias()) m.add(TensorMapping.rows(b + "attn.qkv.bias", List.of(a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias"),
                    List.of(new int[] {q}, new int[] {kv}, new int[] {kv})));
            if (t.qkNorm()) {
                m.add(copy(b + "attn.q_norm.weight", a + "q_norm.weight", hd));
                m.add(copy(b + "attn.k_norm.weight", a + "k_norm.weight", hd));
            }
            projection(m, t.attentionBias(), b + "attn.out", a + "o_proj", c, q);
            m.add(copy(b + "norm2.weight", h + "post_attention_layernorm.weight", c));
            projection(m, t.mlpBias(), b + "mlp.gate", h + "mlp.gate_proj", f, c);
            projection(m, t.mlpBias(), b + "mlp.up", h + "mlp.up_proj", f, c);
            projection(m, t.mlpBias(), b + "mlp.down", h + "mlp.down_proj", c, f);
        }
        m.add(copy("norm_f.weight", p + "norm.weight", c));
        if (!t.tieEmbeddings()) m.add(copy("lm_head.weight", "lm_head.weight", t.vocab(), c));
        return m;
    }

    @Override
    public Map<String, String> tiedAliases(TransformerConfig t, String architecture, String prefix) {
        return t.tieEmbeddings() && !isBaseModel(architecture) ? Map.of("lm_head.weight", prefix + "embed_tokens.weight") : Map.of();
    }

    /** The rotary embedding's {@code inv_freq} buffer in older checkpoints. */
    @Override
    public boolean isBuffer(String name) {
        return name.endsWith(".rotary_emb.inv_freq");
    }

    private static void projection(List<TensorMapping> m, boolean bias, String kiln, String hf, int out, int in) {
        m.add(copy(kiln + ".weight", hf + ".weight", out, in));
        if (bias) m.add(copy(kiln + ".bias", hf + ".bias", out));
    }
}
