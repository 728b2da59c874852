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
 * LLaMA-family decoders ({@code LlamaForCausalLM}, {@code LlamaModel}): rotary positions (the
 * rotate-half convention, as Kiln's), pre-RMSNorm, SwiGLU, grouped-query attention, a head that is
 * untied unless {@code tie_word_embeddings}. q / k / v projections are stacked into Kiln's fused
 * {@code attn.qkv} ([(Hq + 2·Hkv)·D, C]).
 */
final class LlamaLayout implements HfLayout {
    static final String LM = "LlamaForCausalLM", BASE = "LlamaModel";

    @Override public String modelType() { return "llama"; }

    @Override public List<String> architectures() { return List.of(LM, BASE); }

    @Override public String backbonePrefix() { return "model."; }

    @Override public boolean isBaseModel(String architecture) { return architecture.equals(BASE); }

    @Override
    public TransformerConfig toKiln(HfConfig c, String architecture) throws HfCheckpointException {
        if (c.has("rope_scaling"))
            throw c.error("rope_scaling", "is " + c.values().get("rope_scaling") + "; only plain rotary positions (null) are supported");
        c.require("pretraining_tp", 1, "tensor-parallel slicing of the projections");
        int d = c.positive("hidden_size", 4096), heads = c.positive("num_attention_heads", 32);
        int kv = c.positive("num_key_value_heads", heads);
        if (d % heads != 0) throw c.error("hidden_size", d + " is not divisible by num_attention_heads " + heads);
        if (heads % kv != 0) throw c.error("num_key_value_heads", kv + " does not divide num_attention_heads " + heads);
        if (c.has("head_dim") && c.getInt("head_dim", 0) != d / heads)
            throw c.error("head_dim", "is " + c.getInt("head_dim", 0) + "; Kiln's backbone needs hidden_size / num_attention_heads = " + d / heads);
        boolean attnBias = c.getBoolean("attention_bias", false), mlpBias = c.getBoolean("mlp_bias", false);
        if (attnBias != mlpBias)
            throw c.error("mlp_bias", "is " + mlpBias + " but attention_bias is " + attnBias + "; Kiln's backbone has one bias switch for every projection");
        boolean tie = c.getBoolean("tie_word_embeddings", false) || isBaseModel(architecture);
        return TransformerConfig.llama(c.positive("vocab_size", 32000), d, c.getInt("num_hidden_layers", 32), heads, kv,
                        c.positive("intermediate_size", 11008), c.positive("max_position_embeddings", 2048))
                .toBuilder().ropeTheta((float) c.getDouble("rope_theta", 10000.0)).normEps((float) c.getDouble("rms_norm_eps", 1e-6))
                .activation(c.activation("hidden_act", "silu")).bias(attnBias).tieEmbeddings(tie)
                .dropout((float) c.getDouble("attention_dropout", 0.0)).initStd((float) c.getDouble("initializer_range", 0.02)).build();
    }

    @Override
    public Map<String, Object> toHf(TransformerConfig t, String architecture) throws HfCheckpointException {
        Compatibility.of(architecture)
                .need("positions", t.positions(), Positions.ROTARY).need("norm", t.norm(), NormKind.RMSNORM).need("ffn", t.ffn(), Ffn.SWIGLU)
                .need("pre_norm", t.preNorm(), true).need("causal", t.causal(), true).need("final_norm", t.finalNorm(), true)
                .need("embed_norm", t.embedNorm(), false).need("type_vocab", t.typeVocab(), 0)
                .need("cross_attention", t.crossAttention(), false)
                .need("tie_embeddings", t.tieEmbeddings() || !isBaseModel(architecture), true).check();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of(architecture));
        m.put("model_type", modelType());
        m.put("vocab_size", t.vocab());
        m.put("hidden_size", t.dModel());
        m.put("intermediate_size", t.dFF());
        m.put("num_hidden_layers", t.layers());
        m.put("num_attention_heads", t.heads());
        m.put("num_key_value_heads", t.kvHeads());
        m.put("hidden_act", HfConfig.hfActivation(t.activation(), "gelu_pytorch_tanh"));
        m.put("max_position_embeddings", t.maxSeq());
        m.put("rms_norm_eps", t.normEps());
        m.put("rope_theta", t.ropeTheta());
        m.put("rope_scaling", null);
        m.put("attention_bias", t.bias());
        m.put("mlp_bias", t.bias());
        m.put("attention_dropout", t.dropout());
        m.put("tie_word_embeddings", t.tieEmbeddings());
        m.put("initializer_range", t.initStd());
        m.put("pretraining_tp", 1);
        m.put("torch_dtype", "float32");
        return m;
    }

    @Override
    public List<TensorMapping> mappings(TransformerConfig t, String architecture, String p) {
        int c = t.dModel(), f = t.dFF(), q = t.heads() * t.headDim(), kv = t.kvHeads() * t.headDim();
        List<TensorMapping> m = new ArrayList<>();
        m.add(copy("embed.tokens.weight", p + "embed_tokens.weight", t.vocab(), c));
        for (int i = 0; i < t.layers(); i++) {
            String h = p + "layers." + i + ".", b = "blocks." + i + ".", a = h + "self_attn.";
            m.add(copy(b + "norm1.weight", h + "input_layernorm.weight", c));
            m.add(TensorMapping.rows(b + "attn.qkv.weight", List.of(a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"),
                    List.of(new int[] {q, c}, new int[] {kv, c}, new int[] {kv, c})));
            if (t.bias()) m.add(TensorMapping.rows(b + "attn.qkv.bias", List.of(a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias"),
                    List.of(new int[] {q}, new int[] {kv}, new int[] {kv})));
            projection(m, t, b + "attn.out", a + "o_proj", c, q);
            m.add(copy(b + "norm2.weight", h + "post_attention_layernorm.weight", c));
            projection(m, t, b + "mlp.gate", h + "mlp.gate_proj", f, c);
            projection(m, t, b + "mlp.up", h + "mlp.up_proj", f, c);
            projection(m, t, b + "mlp.down", h + "mlp.down_proj", c, f);
        }
        m.add(copy("norm_f.weight", p + "norm.weight", c));
        if (!t.tieEmbeddings()) m.add(copy("lm_head.weight", "lm_head.weight", t.vocab(), c));
        return m;
    }

    @Override
    public Map<String, String> tiedAliases(TransformerConfig t, String architecture, String prefix) {
        return t.tieEmbeddings() && !isBaseModel(architecture) ? Map.of("lm_head.weight", prefix + "embed_tokens.weight") : Map.of();
    }

    /** LlamaRotaryEmbedding's {@code inv_freq} buffer in older checkpoints. */
    @Override
    public boolean isBuffer(String name) {
        return name.endsWith(".rotary_emb.inv_freq");
    }

    private static void projection(List<TensorMapping> m, TransformerConfig t, String kiln, String hf, int out, int in) {
        m.add(copy(kiln + ".weight", hf + ".weight", out, in));
        if (t.bias()) m.add(copy(kiln + ".bias", hf + ".bias", out));
    }
}
