package dev.kiln.api.autograd;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tape: accumulation, no-grad scopes, repeated backward passes, zeroGrad, detach, errors. */
class AutogradTest {
    private final Backend be = new NaiveBackend();

    private Tensor leaf(float... v) {
        return Tensor.of(be, v, v.length).requiresGrad(true);
    }

    @Test
    void aTensorUsedTwiceAccumulates() {
        Tensor x = leaf(1, 2, -3);
        // y = Σ (x·x + x): dy/dx = 2x + 1
        Reductions.sum(Arithmetic.add(Arithmetic.mul(x, x), x)).backward();
        assertArrayEquals(new float[] {3, 5, -5}, x.grad().toArray());
    }

    @Test
    void anIntermediateUsedTwiceAccumulatesBeforeItsOwnBackward() {
        Tensor x = leaf(0, 1);
        Tensor h = Activations.exp(x);
        // y = Σ (h·h + 3h): dy/dx = (2h + 3)·h
        Reductions.sum(Arithmetic.add(Arithmetic.mul(h, h), Arithmetic.mulScalar(h, 3))).backward();
        float e = (float) Math.E;
        assertArrayEquals(new float[] {5, (2 * e + 3) * e}, x.grad().toArray(), 1e-5f);
    }

    @Test
    void noGradRecordsNothingAndRestoresTheMode() {
        Tensor x = leaf(1, 2);
        try (var outer = GradMode.noGrad()) {
            assertFalse(GradMode.isEnabled());
            Tensor y = Arithmetic.mul(x, x);
            assertFalse(y.requiresGrad());
            assertTrue(y.isLeaf());
            assertNull(y.opName());
            try (var inner = GradMode.noGrad()) {
                assertFalse(GradMode.isEnabled());
            }
            assertFalse(GradMode.isEnabled(), "closing an inner scope keeps the outer one");
            assertThrows(IllegalStateException.class, () -> Reductions.sum(y).backward());
        }
        assertTrue(GradMode.isEnabled());
        Tensor z = Arithmetic.mul(x, x);
        assertTrue(z.requiresGrad());
        assertTrue(z.opName() != null);
    }

    @Test
    void backwardOnTwoGraphsAccumulatesIntoLeaves() {
        Tensor x = leaf(1, 2);
        Reductions.sum(Arithmetic.mulScalar(x, 2)).backward();
        Reductions.sum(Arithmetic.mul(x, x)).backward();
        assertArrayEquals(new float[] {2 + 2, 2 + 4}, x.grad().toArray());
    }

    @Test
    void backwardFromALeafAccumulatesToo() {
        Tensor x = leaf(3);
        x.backward();
        x.backward();
        assertArrayEquals(new float[] {2}, x.grad().toArray());
    }

    @Test
    void zeroGradDropsTheGradient() {
        Tensor x = leaf(1, 2);
        Reductions.sum(Arithmetic.mulScalar(x, 5)).backward();
        assertTrue(x.hasGrad());
        x.zeroGrad();
        assertFalse(x.hasGrad());
        assertNull(x.grad());
        Reductions.sum(Arithmetic.mul(x, x)).backward();
        assertArrayEquals(new float[] {2, 4}, x.grad().toArray());
    }

    @Test
    void explicitOutputGradient() {
        Tensor x = leaf(1, 2, 3);
        Tensor y = Arithmetic.mul(x, x);
        y.backward(be.upload(new float[] {1, 0, -1}));
        assertArrayEquals(new float[] {2, 0, -6}, x.grad().toArray());
    }

    @Test
    void detachAndFrozenTensorsStopTheGradient() {
        Tensor x = leaf(1, 2), frozen = Tensor.of(be, new float[] {3, 4}, 2);
        Reductions.sum(Arithmetic.add(Arithmetic.mul(x, frozen), Arithmetic.mul(x.detach(), x.detach()))).backward();
        assertArrayEquals(new float[] {3, 4}, x.grad().toArray());
        assertFalse(frozen.hasGrad());
        assertFalse(x.detach().requiresGrad());
    }

    @Test
    void misuseIsReported() {
        Tensor x = leaf(1, 2);
        Tensor y = Arithmetic.mul(x, x);
        assertThrows(IllegalStateException.class, y::backward, "backward() needs a scalar");
        assertThrows(IllegalStateException.class, () -> y.requiresGrad(false), "cannot freeze a non-leaf");
        assertThrows(IllegalStateException.class, () -> Tensor.of(be, new float[] {1}, 1).backward(), "no grad needed");
        assertThrows(IllegalStateException.class, y::item);
    }
}
