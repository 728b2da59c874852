package dev.kiln.api.backend;

/**
 * Element-wise unary functions with their derivatives. {@code param} is used by SCALE
 * (y = param * x), ADD_SCALAR (y = x + param) and POW (y = x^param); ignored otherwise.
 * The scalar definitions here are the reference every backend must match.
 */
public enum UnaryOp {
    NEG, EXP, LOG, SQRT, TANH, SIGMOID, RELU, GELU_ERF, GELU_TANH, SILU, SCALE, ADD_SCALAR, SQUARE, POW, ABS;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);

    public float apply(float x, float param) {
        switch (this) {
            case NEG: return -x;
            case EXP: return (float) Math.exp(x);
            case LOG: return (float) Math.log(x);
            case SQRT: return (float) Math.sqrt(x);
            case TANH: return (float) Math.tanh(x);
            case SIGMOID: return (float) (1.0 / (1.0 + Math.exp(-x)));
            case RELU: return x > 0 ? x : 0f;
            case GELU_ERF: return (float) (0.5 * x * (1.0 + Erf.erf(x * INV_SQRT_2)));
            case GELU_TANH: return (float) (0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))));
            case SILU: return (float) (x / (1.0 + Math.exp(-x)));
            case SCALE: return x * param;
            case ADD_SCALAR: return x + param;
            case SQUARE: return x * x;
            case POW: return (float) Math.pow(x, param);
            case ABS: return Math.abs(x);
            default: throw new AssertionError(this);
        }
    }

    /** dy/dx at x, given y = apply(x). */
    public float derivative(float x, float y, float param) {
        switch (this) {
            case NEG: return -1f;
            case EXP: return y;
            case LOG: return 1f / x;
            case SQRT: return 0.5f / y;
            case TANH: return 1f - y * y;
            case SIGMOID: return y * (1f - y);
            case RELU: return x > 0 ? 1f : 0f;
            case GELU_ERF: {
                double cdf = 0.5 * (1.0 + Erf.erf(x * INV_SQRT_2));
                double pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
                return (float) (cdf + x * pdf);
            }
            case GELU_TANH: {
                double u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
                double t = Math.tanh(u);
                double du = SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
                return (float) (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du);
            }
            case SILU: {
                double s = 1.0 / (1.0 + Math.exp(-x));
                return (float) (s * (1 + x * (1 - s)));
            }
            case SCALE: return param;
            case ADD_SCALAR: return 1f;
            case SQUARE: return 2f * x;
            case POW: return (float) (param * Math.pow(x, param - 1));
            case ABS: return x > 0 ? 1f : (x < 0 ? -1f : 0f);
            default: throw new AssertionError(this);
        }
    }
}
