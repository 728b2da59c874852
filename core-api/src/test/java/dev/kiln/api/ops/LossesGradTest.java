package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Cross-entropy (ignore index, label smoothing), MSE, sum of squared errors, BCE with logits, cosine similarity. */
class LossesGradTest {
    private final Backend be = new NaiveBackend();

    @Test
    void crossEntropyGradient() {
        Tensor logits = GradCheck.randn(be, 101, 4, 5);
        IntTensor targets = new IntTensor(new int[] {3, 0, 4, 4}, 4);
        GradCheck.assertGradients("crossEntropy", () -> Losses.crossEntropy(logits, targets), logits);
        Tensor logits3 = GradCheck.randn(be, 102, 2, 3, 5);
        IntTensor targets3 = new IntTensor(new int[] {1, 2, 3, 4, 0, 1}, 2, 3);
        GradCheck.assertGradients("crossEntropy [2, 3, 5]", () -> Losses.crossEntropy(logits3, targets3), logits3);
    }

    @Test
    void crossEntropyIgnoredRowsAndSmoothing() {
        Tensor logits = GradCheck.randn(be, 103, 5, 4);
        IntTensor targets = new IntTensor(new int[] {1, Losses.IGNORE, 3, Losses.IGNORE, 0}, 5);
        GradCheck.assertGradients("crossEntropy ignore", () -> Losses.crossEntropy(logits, targets), logits);
        GradCheck.assertGradients("crossEntropy smoothing 0.1",
                () -> Losses.crossEntropy(logits, targets, Losses.IGNORE, 0.1f), logits);
        IntTensor custom = new IntTensor(new int[] {1, 2, 3, 2, 0}, 5);
        GradCheck.assertGradients("crossEntropy ignore index 2, smoothing 0.3",
                () -> Losses.crossEntropy(logits, custom, 2, 0.3f), logits);
        // ignored rows get no gradient at all
        Tensor l = GradCheck.randn(be, 104, 5, 4).requiresGrad(true);
        Losses.crossEntropy(l, targets, Losses.IGNORE, 0.1f).backward();
        float[] g = l.grad().toArray();
        for (int row : new int[] {1, 3})
            for (int j = 0; j < 4; j++) assertEquals(0f, g[row * 4 + j], "row " + row);
    }

    @Test
    void crossEntropyForward() {
        float ln3 = (float) Math.log(3);
        // row 0: p = (1/4, 3/4), target 1; row 1 ignored; row 2: p = (1/2, 1/2), target 0
        Tensor logits = Tensor.of(be, new float[] {0, ln3, 7, -7, 2, 2}, 3, 2);
        IntTensor targets = new IntTensor(new int[] {1, Losses.IGNORE, 0}, 3);
        double nll0 = -Math.log(0.75), nll2 = Math.log(2);
        assertEquals((nll0 + nll2) / 2, Losses.crossEntropy(logits, targets).item(), 1e-6);
        double eps = 0.2, smooth0 = (1 - eps) * nll0 + eps * (-Math.log(0.25) - Math.log(0.75)) / 2;
        assertEquals((smooth0 + nll2) / 2, Losses.crossEntropy(logits, targets, Losses.IGNORE, 0.2f).item(), 1e-6);
    }

    @Test
    void crossEntropyOfOnlyIgnoredRowsIsZero() {
        Tensor logits = GradCheck.randn(be, 105, 2, 3).requiresGrad(true);
        Tensor loss = Losses.crossEntropy(logits, new IntTensor(new int[] {Losses.IGNORE, Losses.IGNORE}, 2));
        assertEquals(0f, loss.item());
        loss.backward();
        assertArrayEquals(new float[6], logits.grad().toArray());
    }

    @Test
    void crossEntropyRejectsBadTargets() {
        Tensor logits = Tensor.zeros(be, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, new IntTensor(new int[] {0, 3}, 2)));
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(logits, new IntTensor(new int[] {0}, 1)));
    }

    @Test
    void mseAndSumSquaredError() {
        Tensor a = GradCheck.randn(be, 106, 3, 4), b = GradCheck.randn(be, 107, 3, 4), row = GradCheck.randn(be, 108, 4);
        GradCheck.assertGradients("mse", () -> Losses.mse(a, b), a, b);
        GradCheck.assertGradients("mse broadcast", () -> Losses.mse(a, row), a, row);
        GradCheck.assertGradients("sse", () -> Losses.sumSquaredError(a, b), a, b);
        Tensor x = Tensor.of(be, new float[] {1, 2, 3}, 3), y = Tensor.of(be, new float[] {1, 0, 6}, 3);
        assertEquals(13f / 3, Losses.mse(x, y).item(), 1e-6f);
        assertEquals(13f, Losses.sumSquaredError(x, y).item(), 1e-6f);
    }

    @Test
    void binaryCrossEntropyWithLogits() {
        Tensor logits = GradCheck.awayFromZero(be, 109, 0.1, 4, 3, 4);
        float[] t = new float[12];
        for (int i = 0; i < t.length; i++) t[i] = i % 3 == 0 ? 1f : 0f;
        Tensor targets = Tensor.of(be, t, 3, 4);
        GradCheck.assertGradients("bce", () -> Losses.binaryCrossEntropyWithLogits(logits, targets), logits);
        Tensor x = Tensor.of(be, new float[] {0, 2, -30, 30}, 4), y = Tensor.of(be, new float[] {1, 0, 0, 1}, 4);
        double expected = (Math.log(2) + Math.log1p(Math.exp(2)) + Math.log1p(Math.exp(-30)) + Math.log1p(Math.exp(-30))) / 4;
        assertEquals(expected, Losses.binaryCrossEntropyWithLogits(x, y).item(), 1e-6);
    }

    @Test
    void cosineSimilarity() {
        Tensor a = GradCheck.randn(be, 110, 3, 4), b = GradCheck.randn(be, 111, 3, 4);
        GradCheck.assertGradients("cosine axis -1", () -> Losses.cosineSimilarity(a, b, -1, 1e-8f), a, b);
        GradCheck.assertGradients("cosine axis 0", () -> Losses.cosineSimilarity(a, b, 0, 1e-8f), a, b);
        Tensor x = Tensor.of(be, new float[] {1, 0, 3, 4}, 2, 2), y = Tensor.of(be, new float[] {1, 1, -3, -4}, 2, 2);
        assertArrayEquals(new float[] {(float) Math.sqrt(0.5), -1f}, Losses.cosineSimilarity(x, y, -1, 1e-8f).toArray(), 1e-6f);
        // a zero vector gives 0, not NaN
        Tensor zero = Tensor.zeros(be, 1, 2);
        assertEquals(0f, Losses.cosineSimilarity(zero, Tensor.of(be, new float[] {1, 2}, 1, 2), -1, 1e-8f).item());
    }
}
