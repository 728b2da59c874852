package dev.kiln.api.completion;

import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Embedding;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.ops.Softmax;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

/**
 * Each row's log-probability of its trained tokens under a causal LM, differentiable: what DPO, KTO
 * and the online RL losses compare between the policy and the reference (TRL's
 * {@code concatenated_forward}). The logits at position t predict token t + 1, so row b sums
 * {@code log softmax(logits[b, t])[ids[b, t + 1]]} over the t with {@code trained[b, t + 1] = 1};
 * position 0 is never a target and the last position's logits are never used.
 *
 * <p>Built on existing ops: {@link Softmax#logSoftmax} over the vocabulary, the target's entry
 * gathered with {@link Embedding#lookup} from the flattened log-probabilities (its backward is the
 * scatter-add), multiplied by the float mask and summed along the sequence.
 */
public final class CompletionLogProbs {
    private CompletionLogProbs() {}

    /**
     * @param sums   [B] summed log-probabilities of each row's trained targets (on the tape)
     * @param counts each row's number of trained targets (host values)
     */
    public record Result(Tensor sums, int[] counts) {
        /** [B] per-token averages (a row without targets averages to 0), on the tape: IPO's log-probs. */
        public Tensor averages() {
            float[] inv = new float[counts.length];
            for (int i = 0; i < inv.length; i++) inv[i] = counts[i] == 0 ? 0f : 1f / counts[i];
            return Arithmetic.mul(sums, Tensor.of(sums.backend(), inv, counts.length));
        }
    }

    /**
     * Per-token log-probabilities: {@code logps} [B, L] holds at [b, t] the log-probability of token
     * t + 1 when it is trained (0 elsewhere), on the tape; {@code mask} [B·L] is 1 there; {@code counts}
     * each row's number of trained targets. What the online RL losses weigh token by token.
     */
    public record Tokens(Tensor logps, float[] mask, int[] counts) {}

    /**
     * @param logits  [B, L, V] next-token logits
     * @param ids     [B, L] the tokens
     * @param trained [B, L] 1 where a token is a target (a completion token), 0 elsewhere (prompt, padding)
     */
    public static Result of(Tensor logits, IntTensor ids, IntTensor trained) {
        Tokens t = tokens(logits, ids, trained);
        return new Result(Reductions.sum(t.logps(), 1, false), t.counts());                 // [B]
    }

    /** As {@link #of}, token by token: [B, L] (position t scores token t + 1). */
    public static Tokens tokens(Tensor logits, IntTensor ids, IntTensor trained) {
        if (logits.rank() != 3) throw new IllegalArgumentException("logits must be [B, L, V], got " + logits.shape());
        int b = logits.dim(0), l = logits.dim(1), v = logits.dim(2);
        if (ids.size() != b * l || trained.size() != b * l)
            throw new IllegalArgumentException("ids " + ids.shape() + " and trained " + trained.shape() + " must be [" + b + ", " + l + "]");
        int[] index = new int[b * l], counts = new int[b];
        float[] mask = new float[b * l];
        for (int r = 0; r < b; r++)
            for (int t = 0; t + 1 < l; t++) {
                int next = r * l + t + 1;
                if (trained.data()[next] == 0) continue;
                int target = ids.data()[next];
                if (target < 0 || target >= v)
                    throw new IllegalArgumentException("token id " + target + " at [" + r + ", " + (t + 1) + "] is outside the vocabulary of " + v);
                index[r * l + t] = (r * l + t) * v + target;   // unused positions gather entry 0 of their own row, weighted 0
                mask[r * l + t] = 1f;
                counts[r]++;
            }
        for (int i = 0; i < index.length; i++) if (mask[i] == 0f) index[i] = i * v;
        Tensor logp = Softmax.logSoftmax(logits, -1);                                         // [B, L, V]
        Tensor picked = Embedding.lookup(Shapes.reshape(logp, b * l * v, 1), new IntTensor(index, b, l));   // [B, L, 1]
        Tensor masked = Arithmetic.mul(Shapes.reshape(picked, b, l), Tensor.of(logits.backend(), mask, b, l));  // [B, L]
        return new Tokens(masked, mask, counts);
    }
}
