package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker itself: it accepts a right gradient and rejects wrong, missing and vacuous ones. */
class GradCheckTest {
    private final Backend be = new NaiveBackend();

    /** y = x³ with a backward that uses the given derivative factor (3 is right). */
    private static Tensor cube(Tensor x, float factor) {
        Backend be = x.backend();
        float[] v = x.toArray(), out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] * v[i] * v[i];
        Storage y = be.upload(out);
        return Tensor.result("cube", y, x.shape(), g -> {
            float[] gv = be.download(g), d = new float[v.length];
            for (int i = 0; i < v.length; i++) d[i] = gv[i] * factor * v[i] * v[i];
            Kernels.accumulate(be, be.upload(d), x.gradForAccumulation(), d.length);
        }, x);
    }

    @Test
    void acceptsACorrectGradient() {
        Tensor x = GradCheck.randn(be, 1, 3, 4);
        double worst = GradCheck.defaults().check("cube", () -> cube(x, 3f), x);
        assertTrue(worst <= 1, "worst error ratio " + worst);
    }

    @Test
    void rejectsAWrongGradient() {
        Tensor x = GradCheck.randn(be, 2, 3, 4);
        AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.assertGradients("cube", () -> cube(x, 2.9f), x));
        assertTrue(e.getMessage().contains("gradient mismatch"), e.getMessage());
    }

    @Test
    void rejectsAMissingGradient() {
        Tensor x = GradCheck.randn(be, 3, 4), unused = GradCheck.randn(be, 4, 4);
        assertThrows(AssertionError.class, () -> GradCheck.assertGradients("unused input", () -> Activations.exp(x), x, unused));
    }

    @Test
    void rejectsAVacuousCheck() {
        Tensor x = GradCheck.uniform(be, 5, -2, -1, 6); // relu is flat here: every gradient is 0
        AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.assertGradients("relu", () -> Activations.relu(x), x));
        assertTrue(e.getMessage().contains("vacuous"), e.getMessage());
    }

    @Test
    void leavesInputsAsTheyWere() {
        Tensor x = GradCheck.randn(be, 6, 5);
        float[] before = x.toArray();
        GradCheck.assertGradients("tanh", () -> Activations.tanh(x), x);
        org.junit.jupiter.api.Assertions.assertArrayEquals(before, x.toArray());
    }
}
