package dev.kiln.api.nn;

import dev.kiln.api.config.Config;
import dev.kiln.api.nn.ModelKinds.Activation;
import dev.kiln.api.nn.ModelKinds.Ffn;
import dev.kiln.api.nn.ModelKinds.NormKind;
import dev.kiln.api.nn.ModelKinds.Positions;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every shape of the one backbone: GPT-2, BERT, RoBERTa, BART-style encoder-decoder, LLaMA,
 * Mistral and Qwen are settings of these fields, not separate code paths. Build one from a preset
 * ({@link #gpt2}, {@link #bert}, {@link #llama}) and {@link #toBuilder()}; never positionally.
 *
 * @param headDim        width of one attention head (usually dModel / heads; Qwen3 sets its own)
 * @param ropeScaling    rotary frequency scaling for long contexts ({@link RopeScaling#NONE} for plain rotary)
 * @param positionOffset learned positions start at this row (RoBERTa: padding_idx + 1)
 * @param preNorm        true: x + f(norm(x)) (GPT, LLaMA); false: norm(x + f(x)) (BERT)
 * @param slidingWindow  0, or W: query i sees key j iff i − W &lt; j ≤ i (Mistral)
 * @param attentionBias  biases on the attention projections: q/k/v and the output (o_proj), in self- and cross-attention
 * @param mlpBias        biases on the feed-forward projections (up, gate, down)
 * @param qkvBias        biases on the q/k/v projection even when {@code attentionBias} is off (Qwen2: none on o_proj)
 * @param qkNorm         RMSNorm over each head's q and k before rotary positions (Qwen3)
 * @param typeVocab      segment (token-type) embeddings, 0 for none
 * @param embedNorm      a norm right after the embeddings (BERT)
 * @param finalNorm      a norm after the last block (GPT, LLaMA)
 * @param crossAttention every block also attends to an encoder's states (decoder of an encoder-decoder)
 */
public record TransformerConfig(
        int vocab, int dModel, int layers, int heads, int kvHeads, int headDim, int dFF, int maxSeq,
        Positions positions, float ropeTheta, RopeScaling ropeScaling, int positionOffset,
        NormKind norm, float normEps, boolean preNorm, Ffn ffn, Activation activation,
        boolean causal, int slidingWindow, boolean attentionBias, boolean mlpBias, boolean qkvBias, boolean qkNorm, boolean tieEmbeddings,
        float dropout, int typeVocab, boolean embedNorm, boolean finalNorm, boolean crossAttention, float initStd) {

    public TransformerConfig {
        positive("vocab", vocab);
        positive("d_model", dModel);
        positive("heads", heads);
        positive("head_dim", headDim);
        positive("d_ff", dFF);
        positive("max_seq", maxSeq);
        if (layers < 0) throw new IllegalArgumentException("model: layers must be >= 0, got " + layers);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new IllegalArgumentException("model: heads " + heads + " must be a multiple of kv_heads " + kvHeads);
        if (positions == null || norm == null || ffn == null || activation == null || ropeScaling == null)
            throw new IllegalArgumentException("model: positions, norm, ffn, activation and rope_scaling must be set");
        if (positions == Positions.ROTARY && headDim % 2 != 0)
            throw new IllegalArgumentException("model: rotary positions need an even head dim, got " + headDim);
        if (positionOffset < 0 || (positions.bounded() && positionOffset >= maxSeq))
            throw new IllegalArgumentException("model: position_offset " + positionOffset + " must be in [0, max_seq " + maxSeq + ")");
        if (slidingWindow < 0) throw new IllegalArgumentException("model: sliding_window must be >= 0 (0 = off), got " + slidingWindow);
        if (slidingWindow > 0 && !causal)
            throw new IllegalArgumentException("model: sliding_window needs a causal model");
        if (!(normEps > 0)) throw new IllegalArgumentException("model: norm_eps must be > 0, got " + normEps);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("model: dropout must be in [0, 1), got " + dropout);
        if (typeVocab < 0) throw new IllegalArgumentException("model: type_vocab must be >= 0, got " + typeVocab);
    }

    private static void positive(String key, int value) {
        if (value <= 0) throw new IllegalArgumentException("model: " + key + " must be > 0, got " + value);
    }

    /** The number of input positions a learned / sinusoidal table can embed (max_seq less the offset). */
    public int usablePositions() { return maxSeq - positionOffset; }

    /** Whether the q/k/v projection carries a bias. */
    public boolean hasQkvBias() { return attentionBias || qkvBias; }

    /** Biases on every projection (attention and feed-forward), as GPT-2 and BERT have them. */
    public boolean bias() { return attentionBias && mlpBias; }

    /** GPT-2: learned positions, pre-LayerNorm, GELU (tanh approx.) MLP 4×, causal, biases, tied head. */
    public static TransformerConfig gpt2(int vocab, int dModel, int layers, int heads, int maxSeq) {
        return new Builder().vocab(vocab).dModel(dModel).layers(layers).heads(heads).kvHeads(heads).dFF(4 * dModel).maxSeq(maxSeq)
                .positions(Positions.LEARNED).norm(NormKind.LAYERNORM).normEps(1e-5f).preNorm(true).ffn(Ffn.MLP)
                .activation(Activation.GELU_TANH).causal(true).bias(true).tieEmbeddings(true).finalNorm(true).build();
    }

    /** BERT: learned positions + token types, post-LayerNorm, GELU (erf), bidirectional, embedding norm. */
    public static TransformerConfig bert(int vocab, int dModel, int layers, int heads, int maxSeq) {
        return new Builder().vocab(vocab).dModel(dModel).layers(layers).heads(heads).kvHeads(heads).dFF(4 * dModel).maxSeq(maxSeq)
                .positions(Positions.LEARNED).norm(NormKind.LAYERNORM).normEps(1e-12f).preNorm(false).ffn(Ffn.MLP)
                .activation(Activation.GELU).causal(false).bias(true).tieEmbeddings(true).dropout(0.1f).typeVocab(2)
                .embedNorm(true).finalNorm(false).build();
    }

    /** LLaMA: rotary positions, pre-RMSNorm, SwiGLU, grouped-query heads, no biases, untied head. */
    public static TransformerConfig llama(int vocab, int dModel, int layers, int heads, int kvHeads, int dFF, int maxSeq) {
        return new Builder().vocab(vocab).dModel(dModel).layers(layers).heads(heads).kvHeads(kvHeads).dFF(dFF).maxSeq(maxSeq)
                .positions(Positions.ROTARY).norm(NormKind.RMSNORM).normEps(1e-6f).preNorm(true).ffn(Ffn.SWIGLU)
                .activation(Activation.SILU).causal(true).bias(false).tieEmbeddings(false).finalNorm(true).build();
    }

    /** The preset named by {@code preset} (gpt2 | bert | llama), with every key overridable; parsed strictly. */
    public static TransformerConfig fromConfig(Config c) {
        String preset = c.getChoice("preset", "gpt2", "gpt2", "bert", "llama");
        int vocab = Math.max(c.getInt("vocab", 0), 1), d = c.getInt("d_model", 128), layers = c.getInt("layers", 2);
        int heads = c.getInt("heads", 4), seq = c.getInt("max_seq", 128);
        if (d <= 0 || heads <= 0) throw new IllegalArgumentException("model: d_model and heads must be positive, got " + d + ", " + heads);
        if (layers < 0) throw c.error("layers", "must be 0 or more, got " + layers);
        TransformerConfig base = switch (preset) {
            case "bert" -> bert(vocab, d, layers, heads, seq);
            case "llama" -> llama(vocab, d, layers, heads, heads, 4 * d, seq);
            default -> gpt2(vocab, d, layers, heads, seq);
        };
        boolean bias = c.getBoolean("bias", base.bias());   // the default of attention_bias and mlp_bias
        double initStd = c.getDouble("init_std", base.initStd);
        if (!(initStd >= 0)) throw c.error("init_std", "is a standard deviation, 0 or more, got " + initStd);
        Builder b = base.toBuilder()
                .kvHeads(c.getInt("kv_heads", base.kvHeads)).headDim(c.getInt("head_dim", 0)).dFF(c.getInt("d_ff", base.dFF))
                .positions(choice(c, "positions", base.positions, Positions.class))
                .ropeTheta((float) c.getDouble("rope_theta", base.ropeTheta))
                .positionOffset(c.getInt("position_offset", base.positionOffset))
                .norm(choice(c, "norm", base.norm, NormKind.class)).normEps((float) c.getDouble("norm_eps", base.normEps))
                .preNorm(c.getBoolean("pre_norm", base.preNorm)).ffn(choice(c, "ffn", base.ffn, Ffn.class))
                .activation(choice(c, "activation", base.activation, Activation.class))
                .causal(c.getBoolean("causal", base.causal)).slidingWindow(c.getInt("sliding_window", base.slidingWindow))
                .attentionBias(c.getBoolean("attention_bias", bias)).mlpBias(c.getBoolean("mlp_bias", bias))
                .qkvBias(c.getBoolean("qkv_bias", base.qkvBias))
                .qkNorm(c.getBoolean("qk_norm", base.qkNorm)).tieEmbeddings(c.getBoolean("tie_embeddings", base.tieEmbeddings))
                .dropout((float) c.getDouble("dropout", base.dropout)).typeVocab(c.getInt("type_vocab", base.typeVocab))
                .embedNorm(c.getBoolean("embed_norm", base.embedNorm)).finalNorm(c.getBoolean("final_norm", base.finalNorm))
                .crossAttention(c.getBoolean("cross_attention", base.crossAttention))
                .initStd((float) initStd);
        if (c.has("rope_scaling")) b.ropeScaling(ropeScaling(c.section("rope_scaling")));
        c.finish();
        return b.build();
    }

    /** With a vocabulary size (known once the tokenizer is). */
    public TransformerConfig withVocab(int v) { return toBuilder().vocab(v).build(); }

    public TransformerConfig withDropout(float p) { return toBuilder().dropout(p).build(); }

    /** A builder holding this config's values. */
    public Builder toBuilder() { return new Builder(this); }

    /** The keys {@link #fromConfig} reads, with this config's values (saved with checkpoints). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab", vocab); m.put("d_model", dModel); m.put("layers", layers); m.put("heads", heads);
        m.put("kv_heads", kvHeads); m.put("head_dim", headDim); m.put("d_ff", dFF); m.put("max_seq", maxSeq);
        m.put("positions", positions.key()); m.put("rope_theta", ropeTheta);
        if (ropeScaling.kind() != RopeScaling.Kind.NONE) m.put("rope_scaling", ropeScalingMap(ropeScaling));
        if (positionOffset != 0) m.put("position_offset", positionOffset);
        m.put("norm", norm.key()); m.put("norm_eps", normEps); m.put("pre_norm", preNorm);
        m.put("ffn", ffn.key()); m.put("activation", activation.key()); m.put("causal", causal);
        if (slidingWindow != 0) m.put("sliding_window", slidingWindow);
        if (attentionBias == mlpBias) m.put("bias", attentionBias);     // as configs saved before the split have it
        else {
            m.put("attention_bias", attentionBias);
            m.put("mlp_bias", mlpBias);
        }
        if (qkvBias) m.put("qkv_bias", true);
        if (qkNorm) m.put("qk_norm", true);
        m.put("tie_embeddings", tieEmbeddings); m.put("dropout", dropout); m.put("type_vocab", typeVocab);
        m.put("embed_norm", embedNorm); m.put("final_norm", finalNorm); m.put("cross_attention", crossAttention);
        m.put("init_std", initStd);
        return m;
    }

    private static <E extends Enum<E>> E choice(Config c, String key, E dflt, Class<E> type) {
        return ModelKinds.parse(type, key, c.getChoice(key, ModelKinds.key(dflt), ModelKinds.keys(type)));
    }

    private static RopeScaling ropeScaling(Config s) {
        RopeScaling.Kind kind = RopeScaling.Kind.parse(s.getChoice("type", "none", "none", "linear", "dynamic", "llama3"));
        RopeScaling r = kind == RopeScaling.Kind.NONE ? RopeScaling.NONE : new RopeScaling(kind, (float) s.getDouble("factor", 1),
                (float) s.getDouble("low_freq_factor", 1), (float) s.getDouble("high_freq_factor", 4),
                s.getInt("original_max_position_embeddings", 0));
        s.finish();
        return r;
    }

    private static Map<String, Object> ropeScalingMap(RopeScaling r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", r.kind().key()); m.put("factor", r.factor());
        if (r.kind() == RopeScaling.Kind.LLAMA3) {
            m.put("low_freq_factor", r.lowFreqFactor()); m.put("high_freq_factor", r.highFreqFactor());
        }
        if (r.originalMaxPositions() > 0) m.put("original_max_position_embeddings", r.originalMaxPositions());
        return m;
    }

    /**
     * Fields by name; {@link #build()} validates. {@code headDim} 0 (the default) means
     * dModel / heads, which must then divide evenly.
     */
    public static final class Builder {
        private int vocab = 1, dModel, layers, heads, kvHeads, headDim, dFF, maxSeq;
        private Positions positions = Positions.LEARNED;
        private float ropeTheta = 10000f;
        private RopeScaling ropeScaling = RopeScaling.NONE;
        private int positionOffset;
        private NormKind norm = NormKind.LAYERNORM;
        private float normEps = 1e-5f;
        private boolean preNorm = true;
        private Ffn ffn = Ffn.MLP;
        private Activation activation = Activation.GELU;
        private boolean causal = true;
        private int slidingWindow;
        private boolean attentionBias = true, mlpBias = true, qkvBias, qkNorm, tieEmbeddings = true;
        private float dropout;
        private int typeVocab;
        private boolean embedNorm, finalNorm = true, crossAttention;
        private float initStd = 0.02f;

        public Builder() {}

        private Builder(TransformerConfig c) {
            vocab = c.vocab; dModel = c.dModel; layers = c.layers; heads = c.heads; kvHeads = c.kvHeads;
            headDim = c.headDim == c.dModel / c.heads && c.dModel % c.heads == 0 ? 0 : c.headDim;
            dFF = c.dFF; maxSeq = c.maxSeq; positions = c.positions; ropeTheta = c.ropeTheta; ropeScaling = c.ropeScaling;
            positionOffset = c.positionOffset; norm = c.norm; normEps = c.normEps; preNorm = c.preNorm; ffn = c.ffn;
            activation = c.activation; causal = c.causal; slidingWindow = c.slidingWindow;
            attentionBias = c.attentionBias; mlpBias = c.mlpBias; qkvBias = c.qkvBias;
            qkNorm = c.qkNorm; tieEmbeddings = c.tieEmbeddings; dropout = c.dropout; typeVocab = c.typeVocab;
            embedNorm = c.embedNorm; finalNorm = c.finalNorm; crossAttention = c.crossAttention; initStd = c.initStd;
        }

        public Builder vocab(int v) { vocab = v; return this; }
        public Builder dModel(int v) { dModel = v; return this; }
        public Builder layers(int v) { layers = v; return this; }
        public Builder heads(int v) { heads = v; return this; }
        public Builder kvHeads(int v) { kvHeads = v; return this; }
        /** 0: dModel / heads. */
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder dFF(int v) { dFF = v; return this; }
        public Builder maxSeq(int v) { maxSeq = v; return this; }
        public Builder positions(Positions v) { positions = v; return this; }
        public Builder ropeTheta(float v) { ropeTheta = v; return this; }
        public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
        public Builder positionOffset(int v) { positionOffset = v; return this; }
        public Builder norm(NormKind v) { norm = v; return this; }
        public Builder normEps(float v) { normEps = v; return this; }
        public Builder preNorm(boolean v) { preNorm = v; return this; }
        public Builder ffn(Ffn v) { ffn = v; return this; }
        public Builder activation(Activation v) { activation = v; return this; }
        public Builder causal(boolean v) { causal = v; return this; }
        public Builder slidingWindow(int v) { slidingWindow = v; return this; }
        /** Sets {@link #attentionBias} and {@link #mlpBias} together. */
        public Builder bias(boolean v) { attentionBias = v; mlpBias = v; return this; }
        /** Biases on q/k/v and the attention output. */
        public Builder attentionBias(boolean v) { attentionBias = v; return this; }
        /** Biases on the feed-forward projections. */
        public Builder mlpBias(boolean v) { mlpBias = v; return this; }
        public Builder qkvBias(boolean v) { qkvBias = v; return this; }
        public Builder qkNorm(boolean v) { qkNorm = v; return this; }
        public Builder tieEmbeddings(boolean v) { tieEmbeddings = v; return this; }
        public Builder dropout(float v) { dropout = v; return this; }
        public Builder typeVocab(int v) { typeVocab = v; return this; }
        public Builder embedNorm(boolean v) { embedNorm = v; return this; }
        public Builder finalNorm(boolean v) { finalNorm = v; return this; }
        public Builder crossAttention(boolean v) { crossAttention = v; return this; }
        public Builder initStd(float v) { initStd = v; return this; }

        public TransformerConfig build() {
            int hd = headDim;
            if (hd == 0) {
                if (heads <= 0 || dModel % heads != 0)
                    throw new IllegalArgumentException("model: d_model " + dModel + " is not divisible by heads " + heads + " (or set head_dim)");
                hd = dModel / heads;
            }
            return new TransformerConfig(vocab, dModel, layers, heads, kvHeads, hd, dFF, maxSeq, positions, ropeTheta,
                    ropeScaling, positionOffset, norm, normEps, preNorm, ffn, activation, causal, slidingWindow, attentionBias,
                    mlpBias, qkvBias, qkNorm, tieEmbeddings, dropout, typeVocab, embedNorm, finalNorm, crossAttention, initStd);
        }
    }
}
