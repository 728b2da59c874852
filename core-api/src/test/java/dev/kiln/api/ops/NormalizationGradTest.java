package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** LayerNorm (with and without beta) and RMSNorm: gradients of input, gain and bias, and forward values. */
class NormalizationGradTest {
    private final Backend be = new NaiveBackend();

    @Test
    void layerNormWithBeta() {
        Tensor x = GradCheck.randn(be, 71, 3, 5), gamma = GradCheck.uniform(be, 72, 0.5, 1.5, 5), beta = GradCheck.randn(be, 73, 5);
        GradCheck.assertGradients("layerNorm [3, 5]", () -> Normalization.layerNorm(x, gamma, beta, 1e-5f), x, gamma, beta);
        Tensor x3 = GradCheck.randn(be, 74, 2, 2, 4), g3 = GradCheck.uniform(be, 75, 0.5, 1.5, 4), b3 = GradCheck.randn(be, 76, 4);
        GradCheck.assertGradients("layerNorm [2, 2, 4]", () -> Normalization.layerNorm(x3, g3, b3, 1e-5f), x3, g3, b3);
    }

    @Test
    void layerNormWithoutBeta() {
        Tensor x = GradCheck.randn(be, 77, 4, 6), gamma = GradCheck.uniform(be, 78, 0.5, 1.5, 6);
        GradCheck.assertGradients("layerNorm no beta", () -> Normalization.layerNorm(x, gamma, null, 1e-5f), x, gamma);
    }

    @Test
    void layerNormInputOnlyOrGainOnly() {
        Tensor x = GradCheck.randn(be, 79, 3, 4), gamma = GradCheck.uniform(be, 80, 0.5, 1.5, 4), beta = GradCheck.randn(be, 81, 4);
        GradCheck.assertGradients("layerNorm wrt x", () -> Normalization.layerNorm(x, gamma.detach(), beta.detach(), 1e-5f), x);
        GradCheck.assertGradients("layerNorm wrt gamma", () -> Normalization.layerNorm(x.detach(), gamma, beta.detach(), 1e-5f), gamma);
    }

    @Test
    void rmsNorm() {
        Tensor x = GradCheck.randn(be, 82, 3, 5), gamma = GradCheck.uniform(be, 83, 0.5, 1.5, 5);
        GradCheck.assertGradients("rmsNorm [3, 5]", () -> Normalization.rmsNorm(x, gamma, 1e-6f), x, gamma);
        Tensor x3 = GradCheck.randn(be, 84, 2, 3, 4), g3 = GradCheck.uniform(be, 85, 0.5, 1.5, 4);
        GradCheck.assertGradients("rmsNorm [2, 3, 4]", () -> Normalization.rmsNorm(x3, g3, 1e-6f), x3, g3);
        GradCheck.assertGradients("rmsNorm wrt x", () -> Normalization.rmsNorm(x3, g3.detach(), 1e-6f), x3);
    }

    @Test
    void forwardValues() {
        Tensor x = Tensor.of(be, new float[] {1, 2, 3, 10, 10, 10}, 2, 3);
        Tensor gamma = Tensor.of(be, new float[] {1, 2, 1}, 3), beta = Tensor.of(be, new float[] {0, 0, 0.5f}, 3);
        float eps = 1e-5f; // row 1 is constant: variance 0, so eps keeps it finite
        float s = (float) (1 / Math.sqrt(2.0 / 3 + eps)); // (x − 2)/sqrt(2/3 + eps): ≈ ±1.2247
        assertArrayEquals(new float[] {-s, 0, s + 0.5f, 0, 0, 0.5f},
                Normalization.layerNorm(x, gamma, beta, eps).toArray(), 1e-6f);
        assertArrayEquals(new float[] {-s, 0, s, 0, 0, 0},
                Normalization.layerNorm(x, gamma, null, eps).toArray(), 1e-6f);
        float rms = (float) Math.sqrt(14.0 / 3);
        assertArrayEquals(new float[] {1 / rms, 4 / rms, 3 / rms, 1, 2, 1},
                Normalization.rmsNorm(x, gamma, 0f).toArray(), 1e-5f);
    }

    @Test
    void wrongGainShapeIsRejected() {
        Tensor x = Tensor.zeros(be, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> Normalization.layerNorm(x, Tensor.zeros(be, 4), null, 1e-5f));
        assertThrows(IllegalArgumentException.class, () -> Normalization.rmsNorm(x, Tensor.zeros(be, 1, 3), 1e-5f));
    }
}
