package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** Broadcasting add / sub / mul / div and scalar variants, each with its backward. */
public final class Arithmetic {
    private Arithmetic() {}

    /** out = a + b (numpy broadcasting) */
    public static Tensor add(Tensor a, Tensor b) { return binary(BinaryOp.ADD, a, b); }

    /** out = a − b */
    public static Tensor sub(Tensor a, Tensor b) { return binary(BinaryOp.SUB, a, b); }

    /** out = a ⊙ b */
    public static Tensor mul(Tensor a, Tensor b) { return binary(BinaryOp.MUL, a, b); }

    /** out = a / b */
    public static Tensor div(Tensor a, Tensor b) { return binary(BinaryOp.DIV, a, b); }

    /** out = s · a */
    public static Tensor mulScalar(Tensor a, float s) { return Activations.unary(UnaryOp.SCALE, a, s); }

    /** out = a + s */
    public static Tensor addScalar(Tensor a, float s) { return Activations.unary(UnaryOp.ADD_SCALAR, a, s); }

    private static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        Backend be = a.backend();
        Shape outShape = Shape.broadcast(a.shape(), b.shape());
        int rank = outShape.rank();
        int[] as = a.shape().padTo(rank), bs = b.shape().padTo(rank), os = outShape.dims();
        Storage out = be.allocateUninitialized(outShape.size());
        be.binary(op, a.storage(), as, b.storage(), bs, out, os);
        return Tensor.result(op.name().toLowerCase(java.util.Locale.ROOT), out, outShape, g -> {
            int n = outShape.size();
            // an input of the output's shape takes g itself when it has no gradient yet (Tensor.adoptGradient)
            if (a.requiresGrad()) {
                Storage ga = switch (op) {
                    case ADD, SUB -> g;
                    case MUL -> Kernels.binary(be, BinaryOp.MUL, g, os, b.storage(), bs, os);
                    case DIV -> Kernels.binary(be, BinaryOp.DIV, g, os, b.storage(), bs, os);
                    default -> throw new UnsupportedOperationException("no gradient for " + op);
                };
                if (ga != g || !java.util.Arrays.equals(as, os) || !a.adoptGradient(g)) {
                    Tensor.GradTarget ta = a.gradTarget();
                    be.reduceSumTo(ga, os, ta.storage(), as, ta.accumulate());
                    if (ga != g) be.release(ga);
                }
            }
            if (b.requiresGrad()) {
                Storage gb = switch (op) {
                    case ADD -> g;
                    case SUB -> Kernels.unary(be, UnaryOp.NEG, g, n, 0f);
                    case MUL -> Kernels.binary(be, BinaryOp.MUL, g, os, a.storage(), as, os);
                    case DIV -> { // d(a/b)/db = −(a/b)/b
                        Storage t = Kernels.binary(be, BinaryOp.MUL, g, os, out, os, os);
                        Storage t2 = Kernels.binary(be, BinaryOp.DIV, t, os, b.storage(), bs, os);
                        be.release(t);
                        be.unary(UnaryOp.NEG, t2, t2, n, 0f);
                        yield t2;
                    }
                    default -> throw new UnsupportedOperationException("no gradient for " + op);
                };
                if (gb != g || !java.util.Arrays.equals(bs, os) || !b.adoptGradient(g)) {
                    Tensor.GradTarget tb = b.gradTarget();
                    be.reduceSumTo(gb, os, tb.storage(), bs, tb.accumulate());
                    if (gb != g) be.release(gb);
                }
            }
        }, a, b);
    }
}
