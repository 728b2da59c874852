package dev.kiln.objective.mmlm;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Init;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Embedding;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * The objective's own parameters: {@code proj} (feature → d_model), {@code modality.weight}
 * [3, C] (rows: text, image, audio — added to every position of that modality), and, when feature
 * masking is on, {@code feature_out} (d_model → feature) for the regression. Masked text is
 * predicted through the backbone's (tied) LM head.
 */
final class MmlmHead extends Module {
    static final int TEXT = 0, IMAGE = 1, AUDIO = 2;

    private final Linear proj, featureOut;
    private final Tensor modality;

    MmlmHead(Backend be, int featureDim, int dModel, float std, boolean regress, long seed) {
        Random rng = new Random(seed);
        this.proj = register("proj", new Linear(be, rng, featureDim, dModel, true, std));
        this.modality = register("modality", new Transformer.Group()).add("weight", Init.normal(be, rng, std, 3, dModel));
        this.featureOut = regress ? register("feature_out", new Linear(be, rng, dModel, featureDim, true, std)) : null;
    }

    /** features: [B, M, F] → [B, M, C] with the modality embedding added. */
    Tensor embedFeatures(Tensor features, int kind) {
        return dev.kiln.api.ops.Arithmetic.add(proj.forward(features), type(kind));
    }

    /** The modality embedding of one kind, [1, 1, C] (broadcasts over batch and positions). */
    Tensor type(int kind) {
        return Embedding.lookup(modality, new IntTensor(new int[] {kind}, 1, 1));
    }

    Linear featureOut() { return featureOut; }
}
