package dev.kiln.runtime.hf;

import dev.kiln.api.nn.ModelKinds.Ffn;
import dev.kiln.api.nn.ModelKinds.NormKind;
import dev.kiln.api.nn.ModelKinds.Positions;
import dev.kiln.api.nn.RopeScaling;
import dev.kiln.api.nn.TransformerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.kiln.runtime.hf.TensorMapping.copy;

/**
 * BERT and RoBERTa encoders, one mapping for both ({@code BertModel}, {@code BertForMaskedLM},
 * {@code BertForPreTraining}, {@code RobertaModel}, {@code RobertaForMaskedLM}): learned positions
 * (RoBERTa's start at {@code pad_token_id + 1}: Kiln's position offset) + token types, embedding
 * LayerNorm, post-LayerNorm blocks, GELU (erf), bidirectional. Separate query / key / value
 * projections are stacked into Kiln's fused {@code attn.qkv}. What differs is in {@link EncoderFamily}.
 *
 * <p>Extras, named as Kiln's objective heads name their parameters: group "pooler"
 * ({@code pooler.dense} → {@code nsp.pooler.*}), "mlm" (BERT's {@code cls.predictions.transform.*},
 * RoBERTa's {@code lm_head.dense} / {@code lm_head.layer_norm} → {@code mlm.dense.*}, {@code mlm.norm.*};
 * the output bias → {@code mlm.bias}; the decoder is tied to the word embeddings) and "nsp"
 * ({@code cls.seq_relationship} → {@code nsp.classifier.*}). The base model's pooler is part of the
 * architecture (transformers' add_pooling_layer=True): a file without it loads with the pooler newly
 * initialized and reported; saving may leave it out.
 */
final class BertLikeLayout implements HfLayout {
    static final String POOLER = "pooler", MLM_HEAD = "mlm", NSP_HEAD = "nsp";

    private final EncoderFamily family;

    BertLikeLayout(EncoderFamily family) {
        this.family = family;
    }

    @Override public String modelType() { return family.modelType(); }

    @Override public List<String> architectures() { return family.architectures(); }

    @Override public String backbonePrefix() { return family.prefix(); }

    @Override public boolean isBaseModel(String architecture) { return architecture.equals(family.base()); }

    @Override
    public Set<String> requiredGroups(String architecture) {
        if (architecture.equals(family.pretraining())) return Set.of(POOLER, MLM_HEAD, NSP_HEAD);
        return architecture.equals(family.mlm()) ? Set.of(MLM_HEAD) : Set.of();
    }

    /** The base model's pooler may be left out when saving (add_pooling_layer=False); the MLM models have none. */
    @Override
    public Set<String> optionalGroups(String architecture) {
        return isBaseModel(architecture) ? Set.of(POOLER) : Set.of();
    }

    /** transformers' base model has a pooler; loading a file without one initializes it. */
    @Override
    public Set<String> loadedGroups(String architecture) {
        return isBaseModel(architecture) ? Set.of(POOLER) : requiredGroups(architecture);
    }

    @Override
    public TransformerConfig toKiln(HfConfig c, String architecture) throws HfCheckpointException {
        c.require("position_embedding_type", "absolute", "Kiln's BERT shape has learned absolute positions");
        c.require("is_decoder", false, "an encoder checkpoint is expected");
        c.require("add_cross_attention", false, "an encoder checkpoint is expected");
        c.require("tie_word_embeddings", true, "the MLM decoder is the word-embedding matrix");
        int d = c.positive("hidden_size", 768), heads = c.positive("num_attention_heads", 12);
        if (d % heads != 0) throw c.error("hidden_size", d + " is not divisible by num_attention_heads " + heads);
        int maxPos = c.positive("max_position_embeddings", 512), offset = 0;
        if (family.positionsAfterPadding()) {
            offset = c.getInt("pad_token_id", family.defaultPadTokenId()) + 1;
            if (offset < 1 || offset >= maxPos)
                throw c.error("pad_token_id", "is " + (offset - 1) + "; positions start after it, so it must be in [0, max_position_embeddings - 1)");
        }
        return TransformerConfig.bert(c.positive("vocab_size", family.vocab()), d, c.getInt("num_hidden_layers", 12), heads, maxPos)
                .toBuilder().positionOffset(offset).dFF(c.positive("intermediate_size", 3072)).normEps((float) c.getDouble("layer_norm_eps", 1e-12))
                .activation(c.activation("hidden_act", "gelu")).dropout((float) c.getDouble("hidden_dropout_prob", 0.1))
                .typeVocab(c.positive("type_vocab_size", family.typeVocab())).initStd((float) c.getDouble("initializer_range", 0.02)).build();
    }

    @Override
    public Map<String, Object> toHf(TransformerConfig t, String architecture) throws HfCheckpointException {
        Compatibility c = Compatibility.of(architecture);
        if (family.positionsAfterPadding()) c.need("position_offset > 0 (pad_token_id + 1)", t.positionOffset() > 0, true);
        else c.need("position_offset", t.positionOffset(), 0);
        c.need("positions", t.positions(), Positions.LEARNED).need("norm", t.norm(), NormKind.LAYERNORM).need("ffn", t.ffn(), Ffn.MLP)
                .need("pre_norm", t.preNorm(), false).need("causal", t.causal(), false).need("bias", t.bias(), true)
                .need("embed_norm", t.embedNorm(), true).need("final_norm", t.finalNorm(), false)
                .need("kv_heads", t.kvHeads(), t.heads()).need("tie_embeddings", t.tieEmbeddings(), true)
                .need("cross_attention", t.crossAttention(), false).need("type_vocab > 0", t.typeVocab() > 0, true)
                .need("sliding_window", t.slidingWindow(), 0).need("qk_norm", t.qkNorm(), false)
                .need("head_dim", t.headDim(), t.dModel() / t.heads()).need("rope_scaling", t.ropeScaling().kind(), RopeScaling.Kind.NONE).check();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architectures", List.of(architecture));
        m.put("model_type", modelType());
        m.put("vocab_size", t.vocab());
        m.put("hidden_size", t.dModel());
        m.put("num_hidden_layers", t.layers());
        m.put("num_attention_heads", t.heads());
        m.put("intermediate_size", t.dFF());
        m.put("hidden_act", HfConfig.hfActivation(t.activation(), "gelu_new"));
        m.put("hidden_dropout_prob", t.dropout());
        m.put("attention_probs_dropout_prob", t.dropout());
        m.put("classifier_dropout", null);     // as BertConfig / RobertaConfig save it: a classifier uses hidden_dropout_prob
        m.put("max_position_embeddings", t.maxSeq());
        m.put("type_vocab_size", t.typeVocab());
        m.put("initializer_range", t.initStd());
        m.put("layer_norm_eps", t.normEps());
        m.put("position_embedding_type", "absolute");
        if (family.positionsAfterPadding()) m.put("pad_token_id", t.positionOffset() - 1);
        m.put("torch_dtype", "float32");
        return m;
    }

    @Override
    public List<TensorMapping> mappings(TransformerConfig t, String architecture, String p) {
        int c = t.dModel(), f = t.dFF();
        String e = p + "embeddings.";
        List<TensorMapping> m = new ArrayList<>();
        m.add(copy("embed.tokens.weight", e + "word_embeddings.weight", t.vocab(), c));
        m.add(copy("embed.positions.weight", e + "position_embeddings.weight", t.maxSeq(), c));
        m.add(copy("embed.types.weight", e + "token_type_embeddings.weight", t.typeVocab(), c));
        Gpt2Layout.norm(m, "embed.norm", e + "LayerNorm", c);
        for (int i = 0; i < t.layers(); i++) {
            String h = p + "encoder.layer." + i + ".", b = "blocks." + i + ".", s = h + "attention.self.";
            m.add(TensorMapping.rows(b + "attn.qkv.weight", List.of(s + "query.weight", s + "key.weight", s + "value.weight"),
                    List.of(new int[] {c, c}, new int[] {c, c}, new int[] {c, c})));
            m.add(TensorMapping.rows(b + "attn.qkv.bias", List.of(s + "query.bias", s + "key.bias", s + "value.bias"),
                    List.of(new int[] {c}, new int[] {c}, new int[] {c})));
            linear(m, b + "attn.out", h + "attention.output.dense", c, c);
            Gpt2Layout.norm(m, b + "norm1", h + "attention.output.LayerNorm", c);
            linear(m, b + "mlp.up", h + "intermediate.dense", f, c);
            linear(m, b + "mlp.down", h + "output.dense", c, f);
            Gpt2Layout.norm(m, b + "norm2", h + "output.LayerNorm", c);
        }
        List<TensorMapping> extras = new ArrayList<>();
        linear(extras, "nsp.pooler", p + "pooler.dense", c, c);
        m.addAll(grouped(extras, POOLER));
        linear(extras, "mlm.dense", family.mlmDense(), c, c);
        Gpt2Layout.norm(extras, "mlm.norm", family.mlmNorm(), c);
        extras.add(copy("mlm.bias", family.mlmBias(), t.vocab()));
        m.addAll(grouped(extras, MLM_HEAD));
        if (family.pretraining() != null) {
            linear(extras, "nsp.classifier", "cls.seq_relationship", 2, c);
            m.addAll(grouped(extras, NSP_HEAD));
        }
        return m;
    }

    @Override
    public Map<String, String> tiedAliases(TransformerConfig t, String architecture, String p) {
        if (!requiredGroups(architecture).contains(MLM_HEAD)) return Map.of();
        return Map.of(family.mlmDecoder() + ".weight", p + "embeddings.word_embeddings.weight",
                family.mlmDecoder() + ".bias", family.mlmBias());
    }

    /** The embeddings' {@code position_ids} (and {@code token_type_ids}) buffers in older checkpoints. */
    @Override
    public boolean isBuffer(String name) {
        return name.endsWith("embeddings.position_ids") || name.endsWith("embeddings.token_type_ids");
    }

    /** nn.Linear: weight [out, in] like Kiln's, bias [out]. */
    static void linear(List<TensorMapping> m, String kiln, String hf, int out, int in) {
        m.add(copy(kiln + ".weight", hf + ".weight", out, in));
        m.add(copy(kiln + ".bias", hf + ".bias", out));
    }

    /** Moves {@code pending} into a list of mappings tagged with {@code group}. */
    private static List<TensorMapping> grouped(List<TensorMapping> pending, String group) {
        List<TensorMapping> out = new ArrayList<>();
        for (TensorMapping t : pending) out.add(t.inGroup(group));
        pending.clear();
        return out;
    }
}
