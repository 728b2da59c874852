package dev.kiln.runtime.hf;

import java.util.List;

/**
 * What sets BERT and RoBERTa apart (transformers' {@code modeling_bert.py}, {@code modeling_roberta.py}):
 * names, config-class defaults, RoBERTa's positions starting after {@code pad_token_id}, and the MLM
 * head's tensor names. Everything else is one mapping ({@link BertLikeLayout}).
 *
 * @param mlmDense    the MLM transform's dense layer ({@code .weight}, {@code .bias})
 * @param mlmNorm     the MLM transform's LayerNorm
 * @param mlmBias     the MLM output bias (the decoder's bias is a tied copy of it)
 * @param mlmDecoder  the MLM decoder, tied to the word embeddings
 * @param pretraining the {@code *ForPreTraining} class (pooler + MLM + NSP heads), or null
 */
record EncoderFamily(String modelType, String prefix, String base, String mlm, String pretraining, int vocab, int typeVocab,
                     boolean positionsAfterPadding, String mlmDense, String mlmNorm, String mlmBias, String mlmDecoder) {

    static final EncoderFamily BERT = new EncoderFamily("bert", "bert.", "BertModel", "BertForMaskedLM", "BertForPreTraining",
            30522, 2, false, "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.bias",
            "cls.predictions.decoder");

    /** RoBERTa: positions padding_idx + 1, padding_idx + 2, ...; pad_token_id 1 by default. */
    static final EncoderFamily ROBERTA = new EncoderFamily("roberta", "roberta.", "RobertaModel", "RobertaForMaskedLM", null,
            50265, 2, true, "lm_head.dense", "lm_head.layer_norm", "lm_head.bias", "lm_head.decoder");

    List<String> architectures() {
        return pretraining == null ? List.of(base, mlm) : List.of(base, mlm, pretraining);
    }

    /** RobertaConfig's pad_token_id default. */
    int defaultPadTokenId() {
        return positionsAfterPadding ? 1 : 0;
    }
}
