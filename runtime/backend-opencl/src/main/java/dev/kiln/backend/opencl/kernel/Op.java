package dev.kiln.backend.opencl.kernel;

import java.util.Locale;

/**
 * The device program's kernels: each op's lower-case name is its kernel's name in {@code kernels/*.cl},
 * and names the kernel in every error message.
 */
public enum Op {
    COPY, FILL, COPY_BLOCKS, PERMUTE,
    MATMUL,
    BINARY, UNARY, UNARY_BACKWARD, REDUCE_SUM_TO, COLUMN_SUMS, REDUCE_AXIS, SUM_SQUARES,
    SOFTMAX, SOFTMAX_BACKWARD, LAYER_NORM, LAYER_NORM_BACKWARD, NORM_PARAM_GRADS, RMS_NORM, RMS_NORM_BACKWARD,
    CROSS_ENTROPY, CROSS_ENTROPY_BACKWARD,
    EMBEDDING, EMBEDDING_BACKWARD, ROPE, DROPOUT_MASK, ADAMW,
    ATTENTION_FUSED, ATTENTION_GENERAL, ATTENTION_DSCORES, ATTENTION_GRAD_Q, ATTENTION_GRAD_KV;

    /** The kernel's name in the OpenCL source. */
    public String kernelName() { return name().toLowerCase(Locale.ROOT); }
}
