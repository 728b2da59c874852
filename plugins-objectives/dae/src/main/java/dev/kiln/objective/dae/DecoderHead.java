package dev.kiln.objective.dae;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

/**
 * The decoder of BART's encoder-decoder, owned by the objective as its head: a second
 * {@link Transformer} with the backbone's shape but causal self-attention and cross-attention to
 * the encoder's states.
 *
 * <p><b>Shared embeddings.</b> Like BART, the decoder reads and writes tokens through the
 * backbone's tensors: its inputs are {@code backbone.embedTokens(ids)} (passed as
 * {@link ModelInput#embeddings}) and its logits come from {@code backbone.logits(h)} (the tied LM
 * head, or the backbone's own {@code lm_head}). The decoder {@code Transformer} is therefore built
 * with a one-row token table that is never used and is not part of this module's parameters;
 * everything else (positions, type / embedding norm when configured, blocks with cross-attention,
 * final norm) is, under {@code decoder.}.
 */
final class DecoderHead extends Module {
    private final Transformer decoder;
    private final long seed;
    private long calls;

    DecoderHead(Backend be, TransformerConfig backbone, int layers, long seed) {
        TransformerConfig c = backbone;
        TransformerConfig dec = c.toBuilder().vocab(1).layers(layers).causal(true).tieEmbeddings(true).typeVocab(0).crossAttention(true).build();
        this.seed = seed;
        this.decoder = new Transformer(be, dec, seed);
        Transformer.Group g = new Transformer.Group();
        Transformer.Group embed = new Transformer.Group();
        decoder.children().get("embed").children().forEach((k, m) -> { if (!k.equals("tokens")) embed.child(k, m); });
        if (!embed.namedParameters().isEmpty()) g.child("embed", embed);
        decoder.children().forEach((k, m) -> { if (!k.equals("embed")) g.child(k, m); });
        register("decoder", g);
    }

    /**
     * Decoder hidden states. decoderIds: [B, T] (shifted right, starting with the start token),
     * encoder: [B, S, C], encoderMask: [B, S] → [B, T, C].
     */
    Tensor forward(Transformer backbone, IntTensor decoderIds, Tensor encoder, IntTensor encoderMask) {
        decoder.setDropoutSeed(seed * 1_000_003L + calls++);      // a fresh dropout stream per call, reproducible per run
        Tensor x = backbone.embedTokens(decoderIds);                                   // [B, T, C]
        return decoder.forward(ModelInput.ofEmbeddings(x).withEncoder(encoder, encoderMask));
    }

    @Override
    public void train(boolean on) {
        super.train(on);
        decoder.train(on);
    }

    TransformerConfig config() { return decoder.config(); }
}
