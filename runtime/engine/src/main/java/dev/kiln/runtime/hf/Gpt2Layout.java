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
import static dev.kiln.runtime.hf.TensorMapping.transpose;

/**
 * GPT-2 ({@code GPT2LMHeadModel}, {@code GPT2Model}): learned positions, pre-LayerNorm, fused
 * {@code c_attn}, GELU (tanh) MLP, tied head. Its {@code Conv1D} layers store weights [in, out],
 * so every projection is transposed to Kiln's [out, in]; {@code c_attn}'s output columns are
 * q, k, v in Kiln's row order already.
 */
final class Gpt2Layout implements HfLayout {
    static final String LM = "GPT2LMHeadModel", BASE = "GPT2Model";

    @Override public String modelType() { return "gpt2"; }

    @Override public List<String> architectures() { return List.of(LM, BASE); }

    @Override public String backbonePrefix() { return "transformer."; }

    @Override public boolean isBaseModel(String architecture) { return architecture.equals(BASE); }

    @Override
    public TransformerConfig toKiln(HfConfig c, String architecture) throws HfCheckpointException {
        c.require("scale_attn_weights", true, "Kiln scales attention by 1/sqrt(head_dim)");
        c.require("scale_attn_by_inverse_layer_idx", false, "no per-layer attention scaling");
        c.require("add_cross_attention", false, "a decoder-only checkpoint is expected");
        int d = c.positive("n_embd", 768), heads = c.positive("n_head", 12);
        if (d % heads != 0) throw c.error("n_embd", d + " is not divisible by n_head " + heads);
        int inner = c.has("n_inner") ? c.positive("n_inner", 0) : 4 * d;
        boolean tie = c.getBoolean("tie_word_embeddings", true) || isBaseModel(architecture);
        return TransformerConfig.gpt2(c.positive("vocab_size", 50257), d, c.getInt("n_layer", 12), heads, c.positive("n_positions", 1024))
                .toBuilder().dFF(inner).normEps((float) c.getDouble("layer_norm_epsilon", 1e-5))
                .activation(c.activation("activation_function", "gelu_new")).tieEmbeddings(tie)
                .dropout((float) c.getDouble("resid_pdrop", 0.1)).initStd((float) c.getDouble("initializer_range", 0.02)).build();
    }

    @Override
    public Map<String, Object> toHf(TransformerConfig t, String architecture) throws HfCheckpointException {
        Compatibility.of(architecture)
                .need("positions", t.positions(), Positions.LEARNED).need("norm", t.norm(), NormKind.LAYERNORM).need("ffn", t.ffn(), Ffn.MLP)
                .need("pre_norm", t.preNorm(), true).need("causal", t.causal(), true).need("bias", t.bias(), true)
                .need("final_norm", t.finalNorm(), true).need("embed_norm", t.embedNorm(), false)
                .need("type_vocab", t.typeVocab(), 0).need("kv_heads", t.kvHeads(), t.heads())
                .need("cross_attention", t.crossAttention(), false).need("position_offset", t.positionOffset(), 0)
                .need("sliding_window", t.slidingWindow(), 0).need("qk_norm", t.qkNorm(), false)
                .need("head_dim", t.headDim(), t.dModel() / t.heads())
                .need("tie_embeddings", t.tieEmbeddings() || !isBaseModel(architecture), true).check();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of(architecture));
        m.put("model_type", modelType());
        m.put("vocab_size", t.vocab());
        m.put("n_positions", t.maxSeq());
        m.put("n_embd", t.dModel());
        m.put("n_layer", t.layers());
        m.put("n_head", t.heads());
        m.put("n_inner", t.dFF());
        m.put("activation_function", HfConfig.hfActivation(t.activation(), "gelu_new"));
        m.put("resid_pdrop", t.dropout());
        m.put("embd_pdrop", t.dropout());
        m.put("attn_pdrop", t.dropout());
        m.put("layer_norm_epsilon", t.normEps());
        m.put("initializer_range", t.initStd());
        m.put("scale_attn_weights", true);
        m.put("tie_word_embeddings", t.tieEmbeddings());
        m.put("torch_dtype", "float32");
        return m;
    }

    @Override
    public List<TensorMapping> mappings(TransformerConfig t, String architecture, String p) {
        int c = t.dModel(), f = t.dFF();
        List<TensorMapping> m = new ArrayList<>();
        m.add(copy("embed.tokens.weight", p + "wte.weight", t.vocab(), c));
        m.add(copy("embed.positions.weight", p + "wpe.weight", t.maxSeq(), c));
        for (int i = 0; i < t.layers(); i++) {
            String h = p + "h." + i + ".", b = "blocks." + i + ".";
            norm(m, b + "norm1", h + "ln_1", c);
            m.add(transpose(b + "attn.qkv.weight", h + "attn.c_attn.weight", c, 3 * c));
            m.add(copy(b + "attn.qkv.bias", h + "attn.c_attn.bias", 3 * c));
            m.add(transpose(b + "attn.out.weight", h + "attn.c_proj.weight", c, c));
            m.add(copy(b + "attn.out.bias", h + "attn.c_proj.bias", c));
            norm(m, b + "norm2", h + "ln_2", c);
            m.add(transpose(b + "mlp.up.weight", h + "mlp.c_fc.weight", c, f));
            m.add(copy(b + "mlp.up.bias", h + "mlp.c_fc.bias", f));
            m.add(transpose(b + "mlp.down.weight", h + "mlp.c_proj.weight", f, c));
            m.add(copy(b + "mlp.down.bias", h + "mlp.c_proj.bias", c));
        }
        norm(m, "norm_f", p + "ln_f", c);
        if (!t.tieEmbeddings()) m.add(copy("lm_head.weight", "lm_head.weight", t.vocab(), c));
        return m;
    }

    @Override
    public Map<String, String> tiedAliases(TransformerConfig t, String architecture, String prefix) {
        return t.tieEmbeddings() && !isBaseModel(architecture) ? Map.of("lm_head.weight", prefix + "wte.weight") : Map.of();
    }

    /** GPT2Attention's causal-mask buffers ({@code attn.bias}, {@code attn.masked_bias}) in older checkpoints. */
    @Override
    public boolean isBuffer(String name) {
        return name.matches("(.*\\.)?h\\.\\d+\\.attn\\.(masked_bias|bias)");
    }

    static void norm(List<TensorMapping> m, String kiln, String hf, int c) {
        m.add(copy(kiln + ".weight", hf + ".weight", c));
        m.add(copy(kiln + ".bias", hf + ".bias", c));
    }
}
