package dev.kiln.backend.opencl.kernel;

/**
 * Entry points of the {@link DeviceProgram}: {@code run()} dispatches on {@code op} (Aparapi's
 * {@code execute("name", range)} does not select a named entry point, and a chain of ops must share
 * one kernel instance to share its device buffers). The names are used in every error message.
 */
public final class Op {
    private Op() {}

    public static final int COPY_IN = 1, COPY_OUT = 2, COPY = 3, FILL = 4, COPY_BLOCKS = 5, PERMUTE = 6;
    public static final int MATMUL = 10;
    public static final int BINARY = 20, UNARY = 21, UNARY_BACKWARD = 22, REDUCE_SUM_TO = 23, REDUCE_AXIS = 24,
            SUM_SQUARES = 25;
    public static final int SOFTMAX = 30, SOFTMAX_BACKWARD = 31, LAYER_NORM = 32, LAYER_NORM_BACKWARD = 33,
            NORM_PARAM_GRADS = 34, RMS_NORM = 35, RMS_NORM_BACKWARD = 36, CROSS_ENTROPY = 37, CROSS_ENTROPY_BACKWARD = 38;
    public static final int EMBEDDING = 40, EMBEDDING_BACKWARD = 41, ROPE = 42, DROPOUT_MASK = 43, ADAMW = 44;
    public static final int ATTENTION_FUSED = 50, ATTENTION_GENERAL = 51, ATTENTION_DSCORES = 52, ATTENTION_GRAD_Q = 53,
            ATTENTION_GRAD_KV = 54;

    /** The name of an op code, for messages. */
    public static String name(int op) {
        for (java.lang.reflect.Field f : Op.class.getFields()) {
            try {
                if (f.getType() == int.class && f.getInt(null) == op) return f.getName().toLowerCase(java.util.Locale.ROOT);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        return "op#" + op;
    }
}
