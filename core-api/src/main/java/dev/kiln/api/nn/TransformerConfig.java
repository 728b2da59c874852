package dev.kiln.api.nn;

import dev.kiln.api.config.Config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every shape of the one backbone: GPT-2, BERT, BART-style encoder-decoder and LLaMA are
 * settings of these fields, not separate code paths.
 *
 * @param positions    learned | sinusoidal | rotary | none
 * @param norm         layernorm | rmsnorm
 * @param ffn          mlp (up → activation → down) | swiglu (down(act(gate) ⊙ up))
 * @param activation   gelu | gelu_tanh | relu | silu
 * @param preNorm      true: x + f(norm(x)) (GPT, LLaMA); false: norm(x + f(x)) (BERT)
 * @param typeVocab    segment (token-type) embeddings, 0 for none
 * @param embedNorm    a norm right after the embeddings (BERT)
 * @param finalNorm    a norm after the last block (GPT, LLaMA)
 * @param crossAttention every block also attends to an encoder's states (decoder of an encoder-decoder)
 */
public record TransformerConfig(
        int vocab, int dModel, int layers, int heads, int kvHeads, int dFF, int maxSeq,
        String positions, float ropeTheta, String norm, float normEps, boolean preNorm,
        String ffn, String activation, boolean causal, boolean bias, boolean tieEmbeddings,
        float dropout, int typeVocab, boolean embedNorm, boolean finalNorm, boolean crossAttention,
        float initStd) {

    public TransformerConfig {
        if (vocab <= 0 || dModel <= 0 || layers < 0 || heads <= 0 || maxSeq <= 0)
            throw new IllegalArgumentException("model: vocab, d_model, heads and max_seq must be positive, layers >= 0");
        if (dModel % heads != 0)
            throw new IllegalArgumentException("model: d_model " + dModel + " is not divisible by heads " + heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new IllegalArgumentException("model: heads " + heads + " must be a multiple of kv_heads " + kvHeads);
        check("positions", positions, "learned", "sinusoidal", "rotary", "none");
        check("norm", norm, "layernorm", "rmsnorm");
        check("ffn", ffn, "mlp", "swiglu");
        check("activation", activation, "gelu", "gelu_tanh", "relu", "silu");
        if (positions.equals("rotary") && (dModel / heads) % 2 != 0)
            throw new IllegalArgumentException("model: rotary positions need an even head dim, got " + dModel / heads);
    }

    public int headDim() { return dModel / heads; }

    /** GPT-2: learned positions, pre-LayerNorm, GELU (tanh approx.) MLP 4×, causal, biases, tied head. */
    public static TransformerConfig gpt2(int vocab, int dModel, int layers, int heads, int maxSeq) {
        return new TransformerConfig(vocab, dModel, layers, heads, heads, 4 * dModel, maxSeq, "learned", 10000f,
                "layernorm", 1e-5f, true, "mlp", "gelu_tanh", true, true, true, 0f, 0, false, true, false, 0.02f);
    }

    /** BERT: learned positions + token types, post-LayerNorm, GELU (erf), bidirectional, embedding norm. */
    public static TransformerConfig bert(int vocab, int dModel, int layers, int heads, int maxSeq) {
        return new TransformerConfig(vocab, dModel, layers, heads, heads, 4 * dModel, maxSeq, "learned", 10000f,
                "layernorm", 1e-12f, false, "mlp", "gelu", false, true, true, 0.1f, 2, true, false, false, 0.02f);
    }

    /** LLaMA: rotary positions, pre-RMSNorm, SwiGLU, grouped-query heads, no biases, untied head. */
    public static TransformerConfig llama(int vocab, int dModel, int layers, int heads, int kvHeads, int dFF, int maxSeq) {
        return new TransformerConfig(vocab, dModel, layers, heads, kvHeads, dFF, maxSeq, "rotary", 10000f,
                "rmsnorm", 1e-6f, true, "swiglu", "silu", true, false, false, 0f, 0, false, true, false, 0.02f);
    }

    /** The preset named by {@code preset} (gpt2 | bert | llama), with every key overridable; parsed strictly. */
    public static TransformerConfig fromConfig(Config c) {
        String preset = c.getChoice("preset", "gpt2", "gpt2", "bert", "llama");
        int vocab = c.getInt("vocab", 0), d = c.getInt("d_model", 128), layers = c.getInt("layers", 2);
        int heads = c.getInt("heads", 4), seq = c.getInt("max_seq", 128);
        TransformerConfig base = switch (preset) {
            case "bert" -> bert(Math.max(vocab, 1), d, layers, heads, seq);
            case "llama" -> llama(Math.max(vocab, 1), d, layers, heads, c.getInt("kv_heads", heads), c.getInt("d_ff", 4 * d), seq);
            default -> gpt2(Math.max(vocab, 1), d, layers, heads, seq);
        };
        TransformerConfig out = new TransformerConfig(base.vocab, d, layers, heads,
                c.getInt("kv_heads", base.kvHeads), c.getInt("d_ff", base.dFF), seq,
                c.getChoice("positions", base.positions, "learned", "sinusoidal", "rotary", "none"),
                (float) c.getDouble("rope_theta", base.ropeTheta),
                c.getChoice("norm", base.norm, "layernorm", "rmsnorm"),
                (float) c.getDouble("norm_eps", base.normEps), c.getBoolean("pre_norm", base.preNorm),
                c.getChoice("ffn", base.ffn, "mlp", "swiglu"),
                c.getChoice("activation", base.activation, "gelu", "gelu_tanh", "relu", "silu"),
                c.getBoolean("causal", base.causal), c.getBoolean("bias", base.bias),
                c.getBoolean("tie_embeddings", base.tieEmbeddings), (float) c.getDouble("dropout", base.dropout),
                c.getInt("type_vocab", base.typeVocab), c.getBoolean("embed_norm", base.embedNorm),
                c.getBoolean("final_norm", base.finalNorm), c.getBoolean("cross_attention", base.crossAttention),
                (float) c.getDouble("init_std", base.initStd));
        c.finish();
        return out;
    }

    /** With a vocabulary size (known once the tokenizer is). */
    public TransformerConfig withVocab(int v) {
        return new TransformerConfig(v, dModel, layers, heads, kvHeads, dFF, maxSeq, positions, ropeTheta, norm, normEps,
                preNorm, ffn, activation, causal, bias, tieEmbeddings, dropout, typeVocab, embedNorm, finalNorm,
                crossAttention, initStd);
    }

    /** The keys {@link #fromConfig} reads, with this config's values (saved with checkpoints). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab", vocab); m.put("d_model", dModel); m.put("layers", layers); m.put("heads", heads);
        m.put("kv_heads", kvHeads); m.put("d_ff", dFF); m.put("max_seq", maxSeq); m.put("positions", positions);
        m.put("rope_theta", ropeTheta); m.put("norm", norm); m.put("norm_eps", normEps); m.put("pre_norm", preNorm);
        m.put("ffn", ffn); m.put("activation", activation); m.put("causal", causal); m.put("bias", bias);
        m.put("tie_embeddings", tieEmbeddings); m.put("dropout", dropout); m.put("type_vocab", typeVocab);
        m.put("embed_norm", embedNorm); m.put("final_norm", finalNorm); m.put("cross_attention", crossAttention);
        m.put("init_std", initStd);
        return m;
    }

    private static void check(String key, String value, String... allowed) {
        for (String a : allowed) if (a.equals(value)) return;
        throw new IllegalArgumentException("model: " + key + " must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }
}
