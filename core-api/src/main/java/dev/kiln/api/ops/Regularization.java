package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** Dropout and masked fill. */
public final class Regularization {
    private Regularization() {}

    /**
     * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1−p).
     * The mask comes from the backend's counter-based stream for {@code seed}, so it is the same on
     * every backend. Identity when p == 0.
     */
    public static Tensor dropout(Tensor x, float p, long seed) {
        if (p <= 0f) return x;
        if (p >= 1f) throw new IllegalArgumentException("dropout probability must be < 1, got " + p);
        Backend be = x.backend();
        int n = x.size();
        Storage mask = be.allocateUninitialized(n);
        be.dropoutMask(mask, n, 1f - p, seed);
        int[] d = x.dims();
        Storage y = Kernels.binary(be, BinaryOp.MUL, x.storage(), d, mask, d, d);
        return Tensor.result("dropout", y, x.shape(), g -> {
            x.takeGradient(Kernels.binary(be, BinaryOp.MUL, g, d, mask, d, d));
        }, x).savedForBackward(mask);
    }

    /**
     * where(mask, value, x): mask holds 1 where value is written (broadcastable to x); no gradient
     * flows there. x must be finite where the mask is set.
     */
    public static Tensor maskedFill(Tensor x, Tensor mask, float value) {
        Tensor keep = Arithmetic.addScalar(Arithmetic.mulScalar(mask.detach(), -1f), 1f);
        Tensor filled;
        if (Float.isFinite(value)) {
            filled = Arithmetic.mulScalar(mask.detach(), value);
        } else { // 0 · ±inf would be NaN: build the fill on the host
            float[] m = mask.toArray();
            for (int i = 0; i < m.length; i++) m[i] = m[i] != 0f ? value : 0f;
            filled = Tensor.of(x.backend(), m, mask.dims());
        }
        return Arithmetic.add(Arithmetic.mul(x, keep), filled);
    }
}
