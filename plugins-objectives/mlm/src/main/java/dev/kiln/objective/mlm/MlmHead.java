package dev.kiln.objective.mlm;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Init;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Norm;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * BERT's MLM head ({@code BertLMPredictionHead}): dense C→C → activation (the backbone's, GELU for
 * BERT) → LayerNorm → decoder whose weight is the backbone's output projection (the token
 * embeddings when {@code tie_embeddings}) plus this head's own output bias.
 *
 * <p>Parameters (saved as {@code heads.mlm.<name>}): {@code dense.weight} [C, C], {@code dense.bias}
 * [C], {@code norm.weight} [C], {@code norm.bias} [C] (RMSNorm: weight only), {@code bias} [V].
 * The decoder matrix is not a head parameter: it belongs to the backbone and is saved with it.
 */
final class MlmHead extends Module {
    private final Linear dense;
    private final Norm norm;
    private final Tensor bias;
    private final dev.kiln.api.nn.ModelKinds.Activation activation;

    MlmHead(Backend be, TransformerConfig model, long seed) {
        Random rng = new Random(seed);
        this.dense = register("dense", new Linear(be, rng, model.dModel(), model.dModel(), true, model.initStd()));
        this.norm = register("norm", new Norm(be, model.dModel(), model.norm() == dev.kiln.api.nn.ModelKinds.NormKind.RMSNORM, model.normEps()));
        this.bias = register("bias", Init.zeros(be, model.vocab()));
        this.activation = model.activation();
    }

    /** hidden: [M, C], decoder: [V, C] → logits [M, V] */
    Tensor forward(Tensor hidden, Tensor decoder) {
        if (decoder.dim(0) != bias.dim(0))
            throw new IllegalArgumentException("objective 'mlm': the model's output projection has " + decoder.dim(0)
                    + " rows but the head was built for model.vocab = " + bias.dim(0));
        Tensor h = norm.forward(Activations.of(activation, dense.forward(hidden)));  // [M, C]
        return Arithmetic.add(MatMul.matmul(h, decoder, false, true), bias);             // [M, V] + [V]
    }
}
