package dev.kiln.finetune.sft;

import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

/**
 * Sequence representations from hidden states: {@code first} token ([CLS] for BERT shapes; also
 * {@code bert}, whose dense + tanh is the head's),
 * {@code mean} over non-padding tokens (sentence-transformers' default), or {@code last}
 * non-padding token (what causal models' sequence classifiers use).
 */
final class Pooling {
    private Pooling() {}

    /** hidden: [B, T, C], mask: [B, T] (1 = real token) → [B, C] */
    static Tensor pool(String pooler, Tensor hidden, IntTensor mask) {
        int b = hidden.dim(0), t = hidden.dim(1), c = hidden.dim(2);
        if (pooler.equals("first") || pooler.equals("bert")) return Shapes.reshape(Shapes.slice(hidden, 1, 0, 1), b, c);
        int[] m = mask.data();
        float[] w = new float[b * t];
        for (int r = 0; r < b; r++) {
            int count = 0, last = 0;
            for (int i = 0; i < t; i++) if (m[r * t + i] != 0) {
                count++;
                last = i;
            }
            if (pooler.equals("last")) w[r * t + last] = 1f;
            else for (int i = 0; i < t; i++) if (m[r * t + i] != 0) w[r * t + i] = 1f / Math.max(1, count);
        }
        Tensor weights = Tensor.of(hidden.backend(), w, b, t, 1);                   // [B, T, 1]
        return Reductions.sum(Arithmetic.mul(hidden, weights), 1, false);          // [B, C]
    }
}
