package dev.kiln.api.backend;

import dev.kiln.api.tensor.Storage;

import java.util.Arrays;

/**
 * The obviously-correct reference backend: single-threaded plain loops over {@link HeapStorage},
 * double accumulators wherever a sum runs over more than a handful of terms. Every other backend is
 * compared against it by the conformance suite, so clarity beats speed here. Norms, softmax and
 * losses live in {@link NaiveNorms}, attention in {@link NaiveAttention}.
 */
public class NaiveBackend implements Backend {
    private final StoragePool pool = new StoragePool();

    @Override
    public String name() { return "naive"; }

    @Override
    public String description() { return "naive: single-threaded reference loops (the conformance oracle)"; }

    static float[] h(Storage s) { return HeapStorage.of(s); }

    // ---- memory ---------------------------------------------------------------------------

    @Override
    public Storage allocate(int size) { return pool.allocate(size); }

    @Override
    public Storage allocateUninitialized(int size) { return pool.allocateUninitialized(size); }

    @Override
    public Storage upload(float[] data) { return pool.upload(data); }

    @Override
    public void release(Storage s) { pool.release(s); }

    @Override
    public StoragePool.Stats poolStats() { return pool.stats(); }

    @Override
    public float[] download(Storage s) { return h(s).clone(); }

    // src, dst: flat; [offset, offset + length)
    @Override
    public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int length) {
        float[] x = h(src), y = h(dst);
        for (int i = 0; i < length; i++) y[dstOffset + i] = x[srcOffset + i];
    }

    @Override
    public void fill(Storage dst, int offset, int length, float value) {
        Arrays.fill(h(dst), offset, offset + length, value);
    }

    // count blocks of blockLen floats, each strided in src and dst
    @Override
    public void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                           int blockLen, int count, boolean accumulate) {
        float[] x = h(src), y = h(dst);
        for (int c = 0; c < count; c++) {
            for (int i = 0; i < blockLen; i++) {
                int d = dstOffset + c * dstStride + i;
                float v = x[srcOffset + c * srcStride + i];
                y[d] = accumulate ? y[d] + v : v;
            }
        }
    }

    // src: shape; dst: [shape[perm[0]], shape[perm[1]], ...]
    @Override
    public void permute(Storage src, int[] shape, int[] perm, Storage dst) {
        float[] x = h(src), y = h(dst);
        int rank = shape.length;
        int[] srcStrides = RowMajor.strides(shape);
        int[] dstShape = new int[rank];
        for (int i = 0; i < rank; i++) dstShape[i] = shape[perm[i]];
        int n = RowMajor.size(dstShape);
        int[] idx = new int[rank];
        for (int o = 0; o < n; o++) {
            int s = 0;
            for (int i = 0; i < rank; i++) s += idx[i] * srcStrides[perm[i]];
            y[o] = x[s];
            RowMajor.increment(idx, dstShape);
        }
    }

    // ---- dense linear algebra -------------------------------------------------------------

    // a: [M,K] (stored [K,M] if transA); b: [K,N] (stored [N,K] if transB); c: [M,N]; per batch item
    @Override
    public void matmul(Storage a, Storage b, Storage c, int batch, int m, int n, int k,
                       boolean transA, boolean transB, int strideA, int strideB, int strideC,
                       float alpha, boolean accumulate) {
        float[] x = h(a), w = h(b), y = h(c);
        for (int bi = 0; bi < batch; bi++) {
            int ao = bi * strideA, bo = bi * strideB, co = bi * strideC;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        float av = transA ? x[ao + p * m + i] : x[ao + i * k + p];
                        float bv = transB ? w[bo + j * k + p] : w[bo + p * n + j];
                        sum += (double) av * bv;
                    }
                    int ci = co + i * n + j;
                    y[ci] = (float) (alpha * sum + (accumulate ? y[ci] : 0f));
                }
            }
        }
    }

    // ---- element-wise ---------------------------------------------------------------------

    // a: aShape, b: bShape, out: outShape (same rank; a/b dims are 1 or the output's)
    @Override
    public void binary(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage out, int[] outShape) {
        float[] x = h(a), w = h(b), y = h(out);
        int[] as = RowMajor.broadcastStrides(aShape, outShape), bs = RowMajor.broadcastStrides(bShape, outShape);
        int n = RowMajor.size(outShape);
        int[] idx = new int[outShape.length];
        for (int o = 0; o < n; o++) {
            int ai = 0, bi = 0;
            for (int d = 0; d < idx.length; d++) {
                ai += idx[d] * as[d];
                bi += idx[d] * bs[d];
            }
            y[o] = op.apply(x[ai], w[bi]);
            RowMajor.increment(idx, outShape);
        }
    }

    // x, y: [n]
    @Override
    public void unary(UnaryOp op, Storage x, Storage y, int n, float param) {
        float[] in = h(x), out = h(y);
        for (int i = 0; i < n; i++) out[i] = op.apply(in[i], param);
    }

    // x, y, gy, gx: [n]
    @Override
    public void unaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, int n, float param) {
        float[] in = h(x), out = h(y), g = h(gy), gin = h(gx);
        for (int i = 0; i < n; i++) gin[i] += g[i] * op.derivative(in[i], out[i], param);
    }

    // src: srcShape -> dst: dstShape (same rank, dims 1 or equal)
    @Override
    public void reduceSumTo(Storage src, int[] srcShape, Storage dst, int[] dstShape, boolean accumulate) {
        float[] x = h(src), y = h(dst);
        int[] ds = RowMajor.broadcastStrides(dstShape, srcShape);
        double[] sums = new double[RowMajor.size(dstShape)];
        int n = RowMajor.size(srcShape);
        int[] idx = new int[srcShape.length];
        for (int i = 0; i < n; i++) {
            int di = 0;
            for (int d = 0; d < idx.length; d++) di += idx[d] * ds[d];
            sums[di] += x[i];
            RowMajor.increment(idx, srcShape);
        }
        for (int i = 0; i < sums.length; i++) y[i] = (float) (sums[i] + (accumulate ? y[i] : 0f));
    }

    // src: [outer, len, inner] -> dst: [outer, inner]
    @Override
    public void reduceAxis(boolean max, Storage src, Storage dst, int outer, int len, int inner) {
        float[] x = h(src), y = h(dst);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                for (int l = 0; l < len; l++) {
                    float v = x[(o * len + l) * inner + i];
                    acc = max ? Math.max(acc, v) : acc + v;
                }
                y[o * inner + i] = (float) acc;
            }
        }
    }

    // src: [n]
    @Override
    public double sumOfSquares(Storage src, int n) {
        float[] x = h(src);
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) x[i] * x[i];
        return s;
    }

    // ---- normalization and softmax --------------------------------------------------------

    @Override
    public void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
        NaiveNorms.softmax(h(x), h(y), rows, cols, log);
    }

    @Override
    public void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
        NaiveNorms.softmaxBackward(h(y), h(gy), h(gx), rows, cols, log);
    }

    @Override
    public void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd,
                          int rows, int cols, float eps) {
        NaiveNorms.layerNorm(h(x), h(gamma), beta == null ? null : h(beta), h(y), h(mean), h(rstd), rows, cols, eps);
    }

    @Override
    public void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy,
                                  Storage gx, Storage gGamma, Storage gBeta, int rows, int cols) {
        NaiveNorms.layerNormBackward(h(x), h(gamma), h(mean), h(rstd), h(gy), h(gx),
                gGamma == null ? null : h(gGamma), gBeta == null ? null : h(gBeta), rows, cols);
    }

    @Override
    public void rmsNorm(Storage x, Storage gamma, Storage y, Storage rstd, int rows, int cols, float eps) {
        NaiveNorms.rmsNorm(h(x), h(gamma), h(y), h(rstd), rows, cols, eps);
    }

    @Override
    public void rmsNormBackward(Storage x, Storage gamma, Storage rstd, Storage gy, Storage gx, Storage gGamma,
                                int rows, int cols) {
        NaiveNorms.rmsNormBackward(h(x), h(gamma), h(rstd), h(gy), h(gx), gGamma == null ? null : h(gGamma), rows, cols);
    }

    // ---- embeddings and losses ------------------------------------------------------------

    // table: [rows, dim]; ids: [n]; out: [n, dim]
    @Override
    public void embedding(Storage table, int[] ids, Storage out, int dim) {
        float[] t = h(table), y = h(out);
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], t.length, dim);
            for (int d = 0; d < dim; d++) y[i * dim + d] = t[ids[i] * dim + d];
        }
    }

    // gOut: [n, dim]; ids: [n]; gTable: [rows, dim]
    @Override
    public void embeddingBackward(Storage gOut, int[] ids, Storage gTable, int dim) {
        float[] g = h(gOut), gt = h(gTable);
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], gt.length, dim);
            for (int d = 0; d < dim; d++) gt[ids[i] * dim + d] += g[i * dim + d];
        }
    }

    static void checkId(int id, int tableSize, int dim) {
        if (id < 0 || (long) (id + 1) * dim > tableSize)
            throw new IndexOutOfBoundsException("id " + id + " outside an embedding table of " + (tableSize / Math.max(dim, 1)) + " rows");
    }

    @Override
    public void crossEntropy(Storage logits, int[] targets, Storage losses, Storage logProbs,
                             int rows, int classes, int ignoreIndex, float labelSmoothing) {
        NaiveNorms.crossEntropy(h(logits), targets, h(losses), h(logProbs), rows, classes, ignoreIndex, labelSmoothing);
    }

    @Override
    public void crossEntropyBackward(Storage logProbs, int[] targets, Storage gLoss, Storage gLogits,
                                     int rows, int classes, int ignoreIndex, float labelSmoothing) {
        NaiveNorms.crossEntropyBackward(h(logProbs), targets, h(gLoss), h(gLogits), rows, classes, ignoreIndex, labelSmoothing);
    }

    // ---- attention ------------------------------------------------------------------------

    @Override
    public void attention(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask, int[] segments,
                          Storage out, Storage probs) {
        NaiveAttention.forward(spec, h(q), h(k), h(v), keyMask, segments, h(out), h(probs));
    }

    @Override
    public void attentionBackward(AttentionSpec spec, Storage q, Storage k, Storage v, Storage probs,
                                  Storage gOut, Storage gq, Storage gk, Storage gv) {
        NaiveAttention.backward(spec, h(q), h(k), h(v), h(probs), h(gOut), h(gq), h(gk), h(gv));
    }

    // x, y: [batch, seq, heads, headDim]; pairs (i, i + headDim/2); invFreq: [headDim/2]
    @Override
    public void rope(Storage x, Storage y, int batch, int seq, int heads, int headDim, int posOffset,
                     float[] invFreq, boolean inverse) {
        checkRope(headDim, invFreq);
        float[] in = h(x), out = h(y);
        int half = headDim / 2;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                for (int hd = 0; hd < heads; hd++) {
                    int base = ((b * seq + t) * heads + hd) * headDim;
                    for (int i = 0; i < half; i++) {
                        float angle = (float) (posOffset + t) * invFreq[i];
                        double cos = Math.cos(angle), sin = inverse ? -Math.sin(angle) : Math.sin(angle);
                        double x1 = in[base + i], x2 = in[base + i + half];
                        out[base + i] = (float) (x1 * cos - x2 * sin);
                        out[base + i + half] = (float) (x1 * sin + x2 * cos);
                    }
                }
            }
        }
    }

    /** The argument checks every backend's rope makes: an even head dim and headDim/2 frequencies. */
    public static void checkRope(int headDim, float[] invFreq) {
        if (headDim % 2 != 0) throw new IllegalArgumentException("rope needs an even headDim, got " + headDim);
        if (invFreq == null || invFreq.length != headDim / 2)
            throw new IllegalArgumentException("rope needs headDim/2 = " + headDim / 2 + " inverse frequencies, got "
                    + (invFreq == null ? "null" : invFreq.length));
    }

    // ---- randomness and optimizers --------------------------------------------------------

    // mask: [n]
    @Override
    public void dropoutMask(Storage mask, int n, float keep, long seed) {
        float[] y = h(mask);
        float scale = 1f / keep;
        for (int i = 0; i < n; i++) y[i] = CounterRng.uniform(seed, i) < keep ? scale : 0f;
    }

    // param, grad, m, v: [n]
    @Override
    public void adamw(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
                      float eps, float weightDecay, long step) {
        float[] p = h(param), g = h(grad), m1 = h(m), m2 = h(v);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < n; i++) {
            m1[i] = beta1 * m1[i] + (1 - beta1) * g[i];
            m2[i] = beta2 * m2[i] + (1 - beta2) * g[i] * g[i];
            double update = (m1[i] / bc1) / (Math.sqrt(m2[i] / bc2) + eps);
            p[i] = (float) (p[i] - lr * (weightDecay * (double) p[i] + update));
        }
    }
}
