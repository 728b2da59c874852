package dev.kiln.objective.contrastive;

import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import static dev.kiln.api.ops.Activations.sqrt;
import static dev.kiln.api.ops.Activations.square;

/** Sentence embeddings from hidden states: the first token, or the mean over non-padding tokens (sentence-transformers' default). */
final class Pooling {
    private Pooling() {}

    /** hidden: [N, T, C], mask: [N, T] (1 = real) → [N, C] */
    static Tensor pool(String pooler, Tensor hidden, IntTensor mask) {
        int n = hidden.dim(0), t = hidden.dim(1), c = hidden.dim(2);
        if (pooler.equals("first")) return Shapes.reshape(Shapes.slice(hidden, 1, 0, 1), n, c);
        float[] w = new float[n * t];
        for (int r = 0; r < n; r++) {
            int count = 0;
            for (int i = 0; i < t; i++) count += mask.data()[r * t + i];
            for (int i = 0; i < t; i++) w[r * t + i] = mask.data()[r * t + i] / (float) Math.max(1, count);
        }
        Tensor weights = Tensor.of(hidden.backend(), w, n, t, 1);                  // [N, T, 1]
        return Reductions.sum(Arithmetic.mul(hidden, weights), 1, false);         // [N, C]
    }

    /** Rows scaled to unit length: x / sqrt(‖x‖² + ε). x: [N, C] → [N, C] */
    static Tensor normalize(Tensor x) {
        Tensor norm = sqrt(Arithmetic.addScalar(Reductions.sum(square(x), 1, true), 1e-12f));   // [N, 1]
        return Arithmetic.div(x, norm);
    }
}
