package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/**
 * (Batched) matrix product with optional transposes. a: [..., M, K] (or [..., K, M] if transA),
 * b: [..., K, N] (or [..., N, K] if transB). Batch dimensions must match, or one side is a
 * plain matrix shared by every batch entry (the Linear-layer case, run as one large GEMM).
 */
public final class MatMul {
    private MatMul() {}

    public static Tensor matmul(Tensor a, Tensor b) { return matmul(a, b, false, false); }

    /** out: [..., M, N] */
    public static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        if (a.rank() < 2 || b.rank() < 2)
            throw new IllegalArgumentException("matmul needs rank >= 2, got " + a.shape() + " and " + b.shape());
        int m = transA ? a.dim(-1) : a.dim(-2), ka = transA ? a.dim(-2) : a.dim(-1);
        int kb = transB ? b.dim(-1) : b.dim(-2), n = transB ? b.dim(-2) : b.dim(-1);
        if (ka != kb) throw new IllegalArgumentException("matmul inner dimensions differ: " + a.shape()
                + (transA ? "ᵀ" : "") + " · " + b.shape() + (transB ? "ᵀ" : ""));
        int k = ka;
        int batchA = a.shape().prod(0, a.rank() - 2), batchB = b.shape().prod(0, b.rank() - 2);
        boolean aShared = a.rank() == 2, bShared = b.rank() == 2;
        if (!aShared && !bShared && batchA != batchB)
            throw new IllegalArgumentException("matmul batch dimensions differ: " + a.shape() + " · " + b.shape());
        int batch = aShared ? batchB : batchA;
        int[] outDims = (aShared ? b : a).dims();
        outDims[outDims.length - 2] = m;
        outDims[outDims.length - 1] = n;
        if (!aShared && !bShared && !java.util.Arrays.equals(trimmed(a), trimmed(b)))
            throw new IllegalArgumentException("matmul batch dimensions differ: " + a.shape() + " · " + b.shape());
        Shape outShape = Shape.of(outDims);
        Backend be = a.backend();
        Storage out = be.allocateUninitialized(outShape.size());
        gemm(be, a.storage(), b.storage(), out, batch, m, n, k, transA, transB, aShared, bShared, false);
        return Tensor.result("matmul", out, outShape, g -> {
            if (bShared && !transA && transB) {   // a · wᵀ with w [N, K] shared: a linear layer's product
                linearBackward(be, g, a, b, null, batch * m, k, n);
                return;
            }
            if (a.requiresGrad()) {
                Tensor.GradTarget ga = a.gradTarget();
                if (!transA) // dA[M,K] = dC · op(B)ᵀ
                    gemm(be, g, b.storage(), ga.storage(), batch, m, k, n, false, !transB, false, bShared, ga.accumulate(), aShared);
                else         // dA_stored[K,M] = op(B) · dCᵀ
                    gemm(be, b.storage(), g, ga.storage(), batch, k, m, n, transB, true, bShared, false, ga.accumulate(), aShared);
            }
            if (b.requiresGrad()) {
                Tensor.GradTarget gb = b.gradTarget();
                if (!transB) // dB[K,N] = op(A)ᵀ · dC
                    gemm(be, a.storage(), g, gb.storage(), batch, k, n, m, !transA, false, aShared, false, gb.accumulate(), bShared);
                else         // dB_stored[N,K] = dCᵀ · op(A)
                    gemm(be, g, a.storage(), gb.storage(), batch, n, k, m, true, transA, false, aShared, gb.accumulate(), bShared);
            }
        }, a, b);
    }

    /**
     * A linear layer: x [..., in] · wᵀ + bias → [..., out], w [out, in], bias [out], in one backend call
     * ({@link Backend#linear}: a backend may add the bias as it writes the product); the gradients of x and w
     * are the products {@link #matmul}(x, w, false, true) takes, the bias's the column sums of the output's.
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        int out = w.dim(0), in = w.dim(1);
        if (w.rank() != 2 || bias.rank() != 1 || bias.dim(0) != out || x.rank() < 1 || x.dim(-1) != in)
            throw new IllegalArgumentException("linear expects x [..., " + in + "], w [out, in] and bias [out]; got x " + x.shape()
                    + ", w " + w.shape() + ", bias " + bias.shape());
        int rows = x.shape().prod(0, x.rank() - 1);
        int[] outDims = x.dims();
        outDims[outDims.length - 1] = out;
        Backend be = x.backend();
        Storage y = be.allocateUninitialized(rows * out);
        be.linear(x.storage(), w.storage(), bias.storage(), y, rows, in, out);
        return Tensor.result("linear", y, Shape.of(outDims), g -> {
            Tensor.GradTarget gb = bias.requiresGrad() ? bias.gradTarget() : null;     // db [out] = Σ_rows dY
            linearBackward(be, g, x, w, gb, rows, in, out);
        }, x, w, bias);
    }

    /**
     * dX [rows, in] = dY [rows, out] · W [out, in] and dW [out, in] = dYᵀ · X [rows, in], those wanted, and the bias's
     * gradient gb when there is one: in one backend call, which may run the two products side by side; one after the
     * other when x and w are the same tensor (two products into one gradient).
     */
    private static void linearBackward(Backend be, Storage g, Tensor x, Tensor w, Tensor.GradTarget gb, int rows, int in,
                                       int out) {
        Storage xs = x.storage(), ws = w.storage(), gbs = gb == null ? null : gb.storage();
        boolean accB = gb != null && gb.accumulate();
        if (x == w && x.requiresGrad()) {     // both products add into the one gradient: one after the other
            Tensor.GradTarget gx = x.gradTarget();
            be.linearBackward(g, xs, ws, gx.storage(), gx.accumulate(), null, false, gbs, accB, rows, in, out);
            Tensor.GradTarget gw = w.gradTarget();
            be.linearBackward(g, xs, ws, null, false, gw.storage(), gw.accumulate(), rows, in, out);
            return;
        }
        Tensor.GradTarget gx = x.requiresGrad() ? x.gradTarget() : null, gw = w.requiresGrad() ? w.gradTarget() : null;
        be.linearBackward(g, xs, ws, gx == null ? null : gx.storage(), gx != null && gx.accumulate(),
                gw == null ? null : gw.storage(), gw != null && gw.accumulate(), gbs, accB, rows, in, out);
    }

    private static int[] trimmed(Tensor t) {
        return java.util.Arrays.copyOf(t.dims(), t.rank() - 2);
    }

    private static void gemm(Backend be, Storage a, Storage b, Storage c, int batch, int m, int n, int k,
                             boolean transA, boolean transB, boolean aShared, boolean bShared, boolean acc) {
        gemm(be, a, b, c, batch, m, n, k, transA, transB, aShared, bShared, acc, false);
    }

    /**
     * C_i = op(A_i)·op(B_i) over the batch; a shared operand has stride 0. When C itself is shared
     * (the gradient of a shared operand) the batch is summed into it.
     */
    private static void gemm(Backend be, Storage a, Storage b, Storage c, int batch, int m, int n, int k,
                             boolean transA, boolean transB, boolean aShared, boolean bShared, boolean acc, boolean cShared) {
        if (batch == 0 || k == 0) {                   // an empty sum: C = 0, or C unchanged when accumulating
            if (!acc) be.fill(c, 0, (cShared ? 1 : batch) * m * n, 0f);
            return;
        }
        int sa = aShared ? 0 : m * k, sb = bShared ? 0 : k * n;
        if (!cShared) {
            // A batched, untransposed, B shared: one [batch·M, K] · [K, N] product
            if (bShared && !aShared && !transA && batch > 1) {
                be.matmul(a, b, c, 1, batch * m, n, k, false, transB, 0, 0, 0, 1f, acc);
                return;
            }
            be.matmul(a, b, c, batch, m, n, k, transA, transB, sa, sb, m * n, 1f, acc);
            return;
        }
        // C shared: sum over batch. Fold the batch into K when both operands allow it.
        if (!aShared && !bShared && transA && !transB) {
            // C[M,N] = Σ_i A_iᵀ·B_i with A_i stored [K,M], B_i [K,N]: stack along K
            be.matmul(a, b, c, 1, m, n, batch * k, true, false, 0, 0, 0, 1f, acc);
            return;
        }
        if (!acc) be.fill(c, 0, m * n, 0f);
        for (int i = 0; i < batch; i++) {
            Storage ai = slice(be, a, i * sa, m * k, aShared), bi = slice(be, b, i * sb, k * n, bShared);
            be.matmul(ai, bi, c, 1, m, n, k, transA, transB, 0, 0, 0, 1f, true);
            Kernels.release(be, ai == a ? null : ai, bi == b ? null : bi);
        }
    }

    private static Storage slice(Backend be, Storage s, int offset, int len, boolean shared) {
        if (shared || offset == 0 && s.size() == len) return s;
        Storage out = be.allocateUninitialized(len);
        be.copy(s, offset, out, 0, len);
        return out;
    }
}
