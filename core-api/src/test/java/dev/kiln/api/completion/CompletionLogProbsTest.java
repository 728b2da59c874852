package dev.kiln.api.completion;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Summed log-probabilities of trained targets: hand-computed values, the shift by one, and gradients. */
class CompletionLogProbsTest {
    private final Backend be = new NaiveBackend();

    @Test
    void sumsTheShiftedTargetsOfTrainedPositions() {
        float ln3 = (float) Math.log(3);
        // V = 2, L = 3, both rows the same logits: position 0 [0, 0] (p = 1/2, 1/2), position 1 [0, ln 3] (p = 1/4, 3/4),
        // position 2 [5, -5] (never used: nothing follows it)
        float[] row = {0, 0, 0, ln3, 5, -5};
        float[] both = new float[12];
        System.arraycopy(row, 0, both, 0, 6);
        System.arraycopy(row, 0, both, 6, 6);
        Tensor logits = Tensor.of(be, both, 2, 3, 2);
        IntTensor ids = new IntTensor(new int[] {0, 1, 1, 0, 0, 1}, 2, 3);
        IntTensor trained = new IntTensor(new int[] {0, 1, 1, 0, 0, 1}, 2, 3);
        CompletionLogProbs.Result r = CompletionLogProbs.of(logits, ids, trained);
        // row 0: token 1 from position 0 (log 1/2) + token 1 from position 1 (log 3/4) = log 3/8
        // row 1: only ids[1, 2] = 1 trains, predicted at position 1: log 3/4
        assertArrayEquals(new float[] {(float) Math.log(3.0 / 8), (float) Math.log(0.75)}, r.sums().toArray(), 1e-6f);
        assertArrayEquals(new int[] {2, 1}, r.counts());
        assertArrayEquals(new float[] {(float) (Math.log(3.0 / 8) / 2), (float) Math.log(0.75)}, r.averages().toArray(), 1e-6f);
    }

    @Test
    void rowWithoutTargetsIsZero() {
        Tensor logits = Tensor.of(be, new float[] {1, 2, 3, 4}, 1, 2, 2);
        CompletionLogProbs.Result r = CompletionLogProbs.of(logits, new IntTensor(new int[] {1, 1}, 1, 2), new IntTensor(new int[] {1, 0}, 1, 2));
        assertArrayEquals(new float[] {0f}, r.sums().toArray(), "the first token is never a target; the second is not trained");
        assertArrayEquals(new float[] {0f}, r.averages().toArray());
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor logits = GradCheck.randn(be, 7, 3, 4, 5);
        IntTensor ids = new IntTensor(new int[] {1, 2, 3, 4, 0, 0, 4, 4, 2, 2, 1, 0}, 3, 4);
        IntTensor trained = new IntTensor(new int[] {0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 1}, 3, 4);
        GradCheck.assertGradients("sums", () -> CompletionLogProbs.of(logits, ids, trained).sums(), logits);
        GradCheck.assertGradients("averages", () -> Arithmetic.mulScalar(CompletionLogProbs.of(logits, ids, trained).averages(), 2f), logits);
    }

    @Test
    void rejectsMismatchedShapesAndIdsOutsideTheVocabulary() {
        Tensor logits = Tensor.zeros(be, 1, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> CompletionLogProbs.of(logits, new IntTensor(new int[] {0, 1, 2}, 1, 3),
                new IntTensor(new int[] {0, 1, 1}, 1, 3)));
        var e = assertThrows(IllegalArgumentException.class, () -> CompletionLogProbs.of(logits, new IntTensor(new int[] {0, 7}, 1, 2),
                new IntTensor(new int[] {0, 1}, 1, 2)));
        assertTrue(e.getMessage().contains("token id 7"), e.getMessage());
    }
}
