package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cross-entropy op on the cpu backend, which keeps one logsumexp per row and recomputes the softmax in
 * backward, against the reference op that keeps the [rows, V] log-probabilities (on the cpu and on the naive
 * backend): loss within 1e-5 relative, every gradient entry within 1e-4 of its own size; and against
 * finite differences (GradCheck's default tolerance).
 */
class FusedCrossEntropyTest {
    private static final CpuBackend CPU = new CpuBackend(2);
    private static final Backend NAIVE = new NaiveBackend();

    @AfterAll
    static void close() { CPU.close(); }

    private static float[] logits(long seed, int n, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (scale * (2 * r.nextDouble() - 1));
        return x;
    }

    private static IntTensor targets(int rows, int classes, int ignoreIndex, int... dims) {
        int[] t = new int[rows];
        SplittableRandom r = new SplittableRandom(rows);
        for (int i = 0; i < rows; i++) t[i] = i % 5 == 1 ? ignoreIndex : r.nextInt(classes);
        return new IntTensor(t, dims);
    }

    /** Loss and dL/dlogits of one of the two ops on one backend. */
    private static float[][] run(Backend be, boolean reference, float[] x, IntTensor t, int ignore, float eps, int... dims) {
        Tensor logits = Tensor.of(be, x, dims).requiresGrad(true);
        Tensor loss = reference ? Losses.crossEntropySavingLogProbs(logits, t, ignore, eps) : Losses.crossEntropy(logits, t, ignore, eps);
        loss.backward();
        return new float[][] {{loss.item()}, logits.grad().toArray()};
    }

    @Test
    void equalsTheLogProbabilityReferenceOnALargeVocabulary() {
        int b = 3, tLen = 37, v = 50257, rows = b * tLen;
        float[] x = logits(1, rows * v, 12);
        for (int ignore : new int[] {Losses.IGNORE, 7}) {
            IntTensor t = targets(rows, v, ignore, b, tLen);
            for (float eps : new float[] {0f, 0.1f}) {
                float[][] got = run(CPU, false, x, t, ignore, eps, b, tLen, v);
                for (Backend ref : new Backend[] {CPU, NAIVE}) {
                    float[][] want = run(ref, true, x, t, ignore, eps, b, tLen, v);
                    String what = ref.name() + " reference, ignore " + ignore + ", smoothing " + eps;
                    assertEquals(want[0][0], got[0][0], 1e-5 * Math.abs(want[0][0]), what + ": loss");
                    // element by element, relative: most entries are p / rows with p far below 1e-6, so an absolute
                    // bound would pass a backward that scaled them all, or dropped smoothing's −ε / V. Where p and
                    // ε / V cancel, the entry's size is that of its terms, ε / (V · rows)
                    double floor = eps > 0 ? eps / v / rows : 1e-30, worst = 0;
                    int at = -1;
                    for (int i = 0; i < want[1].length; i++) {
                        double rel = Math.abs(want[1][i] - got[1][i]) / (Math.abs(want[1][i]) + floor);
                        if (rel > worst) { worst = rel; at = i; }
                    }
                    assertTrue(worst <= 1e-4, what + ": gradient " + got[1][Math.max(at, 0)] + " at " + at + " against "
                            + want[1][Math.max(at, 0)] + " (relative difference " + worst + ")");
                }
            }
        }
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int rows = 6, v = 11;
        Tensor logits = Tensor.of(CPU, logits(2, rows * v, 3), rows, v);
        IntTensor t = targets(rows, v, Losses.IGNORE, rows);
        GradCheck.assertGradients("fused cross-entropy", () -> Losses.crossEntropy(logits, t), logits);
        GradCheck.assertGradients("fused cross-entropy, smoothing 0.2",
                () -> Losses.crossEntropy(logits, t, Losses.IGNORE, 0.2f), logits);
    }

    @Test
    void keepsOneFloatPerRowForBackward() {
        assertEquals(4096, CPU.crossEntropyStatsSize(4096, 50257));
        assertEquals(4096L * 50257, NAIVE.crossEntropyStatsSize(4096, 50257));
    }
}
