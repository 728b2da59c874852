package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/** Element-wise unary functions (activations, exp/log/sqrt, ...); backward uses the op's derivative. */
public final class Activations {
    private Activations() {}

    public static Tensor relu(Tensor x) { return unary(UnaryOp.RELU, x, 0f); }

    /** GELU with the exact erf formulation (PyTorch's default). */
    public static Tensor gelu(Tensor x) { return unary(UnaryOp.GELU_ERF, x, 0f); }

    /** GELU with the tanh approximation (GPT-2's "gelu_new"). */
    public static Tensor geluTanh(Tensor x) { return unary(UnaryOp.GELU_TANH, x, 0f); }

    public static Tensor silu(Tensor x) { return unary(UnaryOp.SILU, x, 0f); }

    public static Tensor tanh(Tensor x) { return unary(UnaryOp.TANH, x, 0f); }

    public static Tensor sigmoid(Tensor x) { return unary(UnaryOp.SIGMOID, x, 0f); }

    public static Tensor exp(Tensor x) { return unary(UnaryOp.EXP, x, 0f); }

    public static Tensor log(Tensor x) { return unary(UnaryOp.LOG, x, 0f); }

    public static Tensor sqrt(Tensor x) { return unary(UnaryOp.SQRT, x, 0f); }

    public static Tensor neg(Tensor x) { return unary(UnaryOp.NEG, x, 0f); }

    public static Tensor square(Tensor x) { return unary(UnaryOp.SQUARE, x, 0f); }

    public static Tensor abs(Tensor x) { return unary(UnaryOp.ABS, x, 0f); }

    public static Tensor pow(Tensor x, float p) { return unary(UnaryOp.POW, x, p); }

    /** The backbone's activation. */
    public static Tensor of(dev.kiln.api.nn.ModelKinds.Activation a, Tensor x) {
        return switch (a) {
            case RELU -> relu(x);
            case GELU -> gelu(x);
            case GELU_TANH -> geluTanh(x);
            case SILU -> silu(x);
        };
    }

    /** Activation by name: relu, gelu (erf), gelu_tanh (alias gelu_new), silu (alias swish), tanh. */
    public static Tensor byName(String name, Tensor x) {
        switch (name) {
            case "relu": return relu(x);
            case "gelu": return gelu(x);
            case "gelu_tanh": case "gelu_new": return geluTanh(x);
            case "silu": case "swish": return silu(x);
            case "tanh": return tanh(x);
            default: throw new IllegalArgumentException("unknown activation '" + name + "' (known: relu, gelu, gelu_tanh, silu, tanh)");
        }
    }

    /**
     * y = op(x); gx += gy · op'(x). When x has no gradient yet, the output's gradient becomes x's, multiplied by op'(x)
     * in place (no zeroed storage to add into).
     */
    static Tensor unary(UnaryOp op, Tensor x, float param) {
        Backend be = x.backend();
        int n = x.size();
        Storage y = be.allocateUninitialized(n);
        be.unary(op, x.storage(), y, n, param);
        return Tensor.result(op.name().toLowerCase(java.util.Locale.ROOT), y, x.shape(), g -> {
            if (x.adoptGradient(g)) be.unaryBackward(op, x.storage(), y, g, g, n, param, false);
            else be.unaryBackward(op, x.storage(), y, g, x.gradForAccumulation(), n, param);
        }, x);
    }
}
