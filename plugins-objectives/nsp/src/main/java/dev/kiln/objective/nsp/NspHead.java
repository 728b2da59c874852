package dev.kiln.objective.nsp;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * BERT's pooler and NSP classifier ({@code BertPooler} + {@code BertOnlyNSPHead}): the first
 * token's hidden state → dense C→C → tanh → linear C→2.
 *
 * <p>Parameters (saved as {@code heads.nsp.<name>}): {@code pooler.weight} [C, C],
 * {@code pooler.bias} [C], {@code classifier.weight} [2, C], {@code classifier.bias} [2].
 */
final class NspHead extends Module {
    private final Linear pooler, classifier;

    NspHead(Backend be, TransformerConfig model, long seed) {
        Random rng = new Random(seed);
        this.pooler = register("pooler", new Linear(be, rng, model.dModel(), model.dModel(), true, model.initStd()));
        this.classifier = register("classifier", new Linear(be, rng, model.dModel(), 2, true, model.initStd()));
    }

    /** first: [B, C] (hidden state of [CLS]) → logits [B, 2] */
    Tensor forward(Tensor first) {
        return classifier.forward(Activations.tanh(pooler.forward(first)));
    }
}
