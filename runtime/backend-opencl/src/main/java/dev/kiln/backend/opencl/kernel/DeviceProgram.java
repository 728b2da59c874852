package dev.kiln.backend.opencl.kernel;

/**
 * The device program: one Aparapi kernel whose {@code run()} dispatches on {@link #op}. It is one
 * class hierarchy (state, element-wise, matmul, rows, attention) so that every op shares the
 * device-resident arena of one kernel instance. Ranges per op are chosen by the host launcher.
 */
public final class DeviceProgram extends AttentionOps {

    @Override
    public void run() {
        int i = getGlobalId(0);
        if (op == Op.COPY_IN) copyIn(i);
        else if (op == Op.COPY_OUT) copyOut(i);
        else if (op == Op.COPY) copy(i);
        else if (op == Op.FILL) fill(i);
        else if (op == Op.COPY_BLOCKS) copyBlocks(i);
        else if (op == Op.PERMUTE) permute(i);
        else if (op == Op.MATMUL) matmul();
        else if (op == Op.BINARY) binary(i);
        else if (op == Op.UNARY) unary(i);
        else if (op == Op.UNARY_BACKWARD) unaryBackward(i);
        else if (op == Op.REDUCE_SUM_TO) reduceSumTo(i);
        else if (op == Op.REDUCE_AXIS) reduceAxis(i);
        else if (op == Op.SUM_SQUARES) sumSquares(i);
        else if (op == Op.SOFTMAX) softmax();
        else if (op == Op.SOFTMAX_BACKWARD) softmaxBackward();
        else if (op == Op.LAYER_NORM) layerNorm();
        else if (op == Op.LAYER_NORM_BACKWARD) layerNormBackward();
        else if (op == Op.NORM_PARAM_GRADS) normParamGrads(i);
        else if (op == Op.RMS_NORM) rmsNorm();
        else if (op == Op.RMS_NORM_BACKWARD) rmsNormBackward();
        else if (op == Op.CROSS_ENTROPY) crossEntropy();
        else if (op == Op.CROSS_ENTROPY_BACKWARD) crossEntropyBackward(i);
        else if (op == Op.EMBEDDING) embedding(i);
        else if (op == Op.EMBEDDING_BACKWARD) embeddingBackward(i);
        else if (op == Op.ROPE) rope(i);
        else if (op == Op.DROPOUT_MASK) dropoutMask(i);
        else if (op == Op.ADAMW) adamw(i);
        else if (op == Op.ATTENTION_FUSED) attentionFused();
        else if (op == Op.ATTENTION_GENERAL) attentionGeneral(i);
        else if (op == Op.ATTENTION_DSCORES) attentionDScores(i);
        else if (op == Op.ATTENTION_GRAD_Q) attentionGradQ(i);
        else if (op == Op.ATTENTION_GRAD_KV) attentionGradKV(i);
    }
}
