package dev.kiln.backend.cpu;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.backend.CounterRng;
import dev.kiln.api.backend.HeapStorage;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.backend.StoragePool;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The multi-threaded pure-Java backend on {@link HeapStorage}: packed GEMM with a Vector API
 * micro-kernel (scalar fallback), fused row kernels, per-head attention GEMMs. Cold primitives
 * (permute, reduceAxis, general broadcasting) are delegated to {@link NaiveBackend}.
 */
public final class CpuBackend implements Backend {
    private static final int GRAIN = 1 << 14;

    private final NaiveBackend naive = new NaiveBackend();
    private final StoragePool pool = new StoragePool();
    private final Parallel par;
    private final Gemm gemm;
    private final Lanes lanes;
    private final SoftmaxKernels softmax;
    private final FusedCrossEntropy fusedCrossEntropy;
    private final NormKernels norms;
    private final ElementwiseKernels elementwise;
    private final CpuAttention attention;
    private final CpuFlashAttention flashAttention;
    private final RopeKernel rope;
    private final boolean recompute, keepShortAttention;

    /** {@code threads} workers; the Vector API kernels when this JVM has jdk.incubator.vector. */
    public CpuBackend(int threads) {
        this(threads, MicroKernel.VECTOR_API);
    }

    /** vectorKernels = false forces the scalar kernels (tests); true needs the incubator module. */
    public CpuBackend(int threads, boolean vectorKernels) {
        this(threads, vectorKernels, true, true);
    }

    /**
     * recompute = true: attention and cross-entropy keep one logsumexp per row for backward at every length and
     * recompute probabilities there ({@link CpuFlashAttention}, {@link FusedCrossEntropy}); false keeps the full
     * [B, H, T, T] probabilities and [rows, V] log-probabilities as the naive backend does (more memory, no
     * recomputation).
     */
    public CpuBackend(int threads, boolean vectorKernels, boolean recompute) {
        this(threads, vectorKernels, recompute, false);
    }

    /**
     * As {@link #CpuBackend(int, boolean, boolean)}; with keepShortAttention, attention keeps its probabilities even
     * when recomputing wherever they are no larger than half of its q, k, v and output together (tk ≤ 2 · head dim:
     * the tiny and small bench models, T 64 and 128), where keeping them made attention's backward 27–31% faster;
     * longer sequences recompute (at tk = 4 · head dim, GPT-2 124M's T 256, keeping them made whole training steps
     * 9% slower in two pairs, though attention alone was faster). The default ({@link #CpuBackend(int)}).
     */
    public CpuBackend(int threads, boolean vectorKernels, boolean recompute, boolean keepShortAttention) {
        if (vectorKernels && !MicroKernel.VECTOR_API)
            throw new IllegalStateException("the Vector API kernels need --add-modules jdk.incubator.vector");
        this.par = new Parallel(threads);
        this.lanes = vectorKernels ? Lanes.best() : new ScalarLanes();
        this.gemm = new Gemm(vectorKernels ? MicroKernel.best() : new ScalarMicroKernel(), lanes, par);
        this.softmax = new SoftmaxKernels(par, lanes);
        this.fusedCrossEntropy = new FusedCrossEntropy(par, lanes);
        this.norms = new NormKernels(par, lanes);
        this.elementwise = new ElementwiseKernels(par, lanes);
        this.attention = new CpuAttention(par, gemm, lanes);
        this.flashAttention = new CpuFlashAttention(par, gemm, lanes);
        this.rope = new RopeKernel(par);
        this.recompute = recompute;
        this.keepShortAttention = keepShortAttention;
    }

    private static float[] h(Storage s) { return HeapStorage.of(s); }

    private static float[] hOrNull(Storage s) { return s == null ? null : HeapStorage.of(s); }

    @Override
    public String name() { return "cpu"; }

    @Override
    public String description() {
        return "cpu: " + par.threads() + " thread" + (par.threads() == 1 ? "" : "s") + (recompute ? "" : ", probabilities kept") + ", matmul kernel "
                + gemm.description() + (MicroKernel.VECTOR_API ? "" : " (run with --add-modules jdk.incubator.vector for SIMD)");
    }

    public int threads() { return par.threads(); }

    @Override
    public void close() { par.close(); }

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

    @Override
    public void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int length) {
        System.arraycopy(h(src), srcOffset, h(dst), dstOffset, length);
    }

    @Override
    public void fill(Storage dst, int offset, int length, float value) {
        java.util.Arrays.fill(h(dst), offset, offset + length, value);
    }

    // count blocks of blockLen floats, each strided in src and dst
    @Override
    public void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                           int blockLen, int count, boolean accumulate) {
        float[] x = h(src), y = h(dst);
        for (int c = 0; c < count; c++) {
            int s = srcOffset + c * srcStride, d = dstOffset + c * dstStride;
            if (!accumulate) System.arraycopy(x, s, y, d, blockLen);
            else for (int i = 0; i < blockLen; i++) y[d + i] += x[s + i];
        }
    }

    @Override
    public void permute(Storage src, int[] shape, int[] perm, Storage dst) { naive.permute(src, shape, perm, dst); }

    // ---- dense linear algebra -------------------------------------------------------------

    // a: [M,K] (or [K,M] if transA); b: [K,N] (or [N,K] if transB); c: [M,N]; per batch item, strides may be 0
    @Override
    public void matmul(Storage a, Storage b, Storage c, int batch, int m, int n, int k,
                       boolean transA, boolean transB, int strideA, int strideB, int strideC,
                       float alpha, boolean accumulate) {
        float[] x = h(a), w = h(b), y = h(c);
        if (batch <= 0 || m == 0 || n == 0) return;
        int lda = transA ? m : k, ldb = transB ? k : n;
        boolean sharedC = batch > 1 && strideC < m * n;    // outputs overlap: items must run in order
        boolean perItem = !sharedC && batch > 1 && (batch >= 2 * par.threads() || (long) m * n * k < (1 << 18));
        if (perItem) {
            par.each(batch, bi -> gemm.run(false, m, n, k, alpha, x, bi * strideA, lda, transA, w, bi * strideB, ldb,
                    transB, y, bi * strideC, n, accumulate));
        } else {
            for (int bi = 0; bi < batch; bi++) {
                gemm.run(true, m, n, k, alpha, x, bi * strideA, lda, transA, w, bi * strideB, ldb, transB,
                        y, bi * strideC, n, accumulate);
            }
        }
    }

    /** Packed GEMM panels of the weights, kept for the scope ({@link Gemm#fixWeights}, {@link FixedPanels#heapBudget}). */
    @Override
    public Scope weightsFixed(Collection<Storage> weights) {
        List<float[]> arrays = weights.stream().filter(s -> s instanceof HeapStorage).map(CpuBackend::h).toList();
        return gemm.fixWeights(arrays, FixedPanels.heapBudget());
    }

    /** The bias is where each output tile of the product starts (Gemm), not a second pass over y. */
    @Override
    public void linear(Storage x, Storage w, Storage bias, Storage y, int rows, int in, int out) {
        gemm.run(true, rows, out, in, 1f, h(x), 0, in, false, h(w), 0, in, true, h(y), 0, out, false, h(bias));
    }

    /**
     * On two threads, the input gradient on one and the weight gradient on the other (same flops each, and neither
     * reads what the other writes), each product whole on its thread instead of both split across the two: no
     * fan-out per K block and no B panels or C rows handed between cores. The thread that finishes first takes row
     * panels of the other's last block ({@link SharedTail}), since the weight gradient alone runs 3–22% longer than
     * the input gradient on small's shapes. Whole steps against the products one after the other, in one JVM (AMD
     * EPYC, 2 vCPUs): tiny a median 3.5% faster, small and gpt2-124M level (bench/JOURNAL.md, fourteenth session).
     * On more threads, one product after the other on the whole team, as the default does: splitting the team is not
     * measured yet.
     */
    @Override
    public void linearBackward(Storage gy, Storage x, Storage w, Storage gx, boolean accumulateX, Storage gw,
                               boolean accumulateW, int rows, int in, int out) {
        if (gx == null || gw == null || par.threads() != 2) {
            Backend.super.linearBackward(gy, x, w, gx, accumulateX, gw, accumulateW, rows, in, out);
            return;
        }
        sideBySide(gy, x, w, gx, accumulateX, gw, accumulateW, null, false, rows, in, out);
    }

    /**
     * On two threads, the bias's gradient (column sums of gy) on the thread that finishes its product first, alone,
     * before it helps with the other's: split over both threads after the products, these memory-bound sums ran
     * slower than on one (bench/JOURNAL.md, twenty-third session). The same bits either way (each column adds its
     * rows in row order).
     */
    @Override
    public void linearBackward(Storage gy, Storage x, Storage w, Storage gx, boolean accumulateX, Storage gw,
                               boolean accumulateW, Storage gb, boolean accumulateB, int rows, int in, int out) {
        if (gx == null || gw == null || par.threads() != 2) {
            Backend.super.linearBackward(gy, x, w, gx, accumulateX, gw, accumulateW, gb, accumulateB, rows, in, out);
            return;
        }
        sideBySide(gy, x, w, gx, accumulateX, gw, accumulateW, gb, accumulateB, rows, in, out);
    }

    // the input gradient on one thread, the weight gradient on the other; then the bias's (gb, if any) on the first done
    private void sideBySide(Storage gy, Storage x, Storage w, Storage gx, boolean accumulateX, Storage gw,
                            boolean accumulateW, Storage gb, boolean accumulateB, int rows, int in, int out) {
        float[] g = h(gy), xs = h(x), ws = h(w), dx = h(gx), dw = h(gw);
        SharedTail[] tails = {new SharedTail(), new SharedTail()};
        AtomicBoolean biasTaken = new AtomicBoolean(gb == null);
        par.range(2, 1, (first, end) -> {
            for (int product = first; product < end; product++) {
                if (product == 0) gemm.runSharingTail(tails[0], rows, in, out, 1f, g, 0, out, false, ws, 0, in, false, dx, 0, in, accumulateX);
                else gemm.runSharingTail(tails[1], out, in, rows, 1f, g, 0, out, true, xs, 0, in, false, dw, 0, in, accumulateW);
            }
            if (!biasTaken.get() && biasTaken.compareAndSet(false, true))    // on this thread alone: inside the team's task
                reduceSumTo(gy, new int[] {rows, out}, gb, new int[] {1, out}, accumulateB);
            if (end - first == 1) tails[1 - first].help();   // one product each: then a share of the other's
        });
    }

    // ---- element-wise ---------------------------------------------------------------------

    @Override
    public void binary(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage out, int[] outShape) {
        if (!elementwise.binary(op, h(a), aShape, h(b), bShape, h(out), outShape))
            naive.binary(op, a, aShape, b, bShape, out, outShape);
    }

    @Override
    public void unary(UnaryOp op, Storage x, Storage y, int n, float param) {
        elementwise.unary(op, h(x), h(y), n, param);
    }

    @Override
    public void unaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, int n, float param) {
        elementwise.unaryBackward(op, h(x), h(y), h(gy), h(gx), n, param, true);
    }

    @Override
    public void unaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, int n, float param, boolean accumulate) {
        elementwise.unaryBackward(op, h(x), h(y), h(gy), h(gx), n, param, accumulate);
    }

    @Override
    public void reduceSumTo(Storage src, int[] srcShape, Storage dst, int[] dstShape, boolean accumulate) {
        if (!elementwise.reduceSumTo(h(src), srcShape, h(dst), dstShape, accumulate))
            naive.reduceSumTo(src, srcShape, dst, dstShape, accumulate);
    }

    @Override
    public void reduceAxis(boolean max, Storage src, Storage dst, int outer, int len, int inner) {
        naive.reduceAxis(max, src, dst, outer, len, inner);
    }

    // src: [n]; fixed chunks summed in order, so the result does not depend on the thread count
    @Override
    public double sumOfSquares(Storage src, int n) {
        float[] x = h(src);
        int chunk = 4096, chunks = (n + chunk - 1) / chunk;
        double[] partial = new double[chunks];
        par.each(chunks, c -> partial[c] = lanes.sumSquares(x, c * chunk, Math.min(chunk, n - c * chunk), 0f));
        double s = 0;
        for (double p : partial) s += p;
        return s;
    }

    // ---- normalization and softmax --------------------------------------------------------

    @Override
    public void softmax(Storage x, Storage y, int rows, int cols, boolean log) {
        softmax.softmax(h(x), h(y), rows, cols, log);
    }

    @Override
    public void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
        softmax.softmaxBackward(h(y), h(gy), h(gx), rows, cols, log);
    }

    @Override
    public void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd,
                          int rows, int cols, float eps) {
        norms.layerNorm(h(x), h(gamma), hOrNull(beta), h(y), h(mean), h(rstd), rows, cols, eps);
    }

    @Override
    public void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy,
                                  Storage gx, Storage gGamma, Storage gBeta, int rows, int cols) {
        norms.layerNormBackward(h(x), h(gamma), h(mean), h(rstd), h(gy), h(gx), hOrNull(gGamma), hOrNull(gBeta), rows, cols);
    }

    @Override
    public void rmsNorm(Storage x, Storage gamma, Storage y, Storage rstd, int rows, int cols, float eps) {
        norms.rmsNorm(h(x), h(gamma), h(y), h(rstd), rows, cols, eps);
    }

    @Override
    public void rmsNormBackward(Storage x, Storage gamma, Storage rstd, Storage gy, Storage gx, Storage gGamma,
                                int rows, int cols) {
        norms.rmsNormBackward(h(x), h(gamma), h(rstd), h(gy), h(gx), hOrNull(gGamma), rows, cols);
    }

    // ---- embeddings and losses ------------------------------------------------------------

    @Override
    public void embedding(Storage table, int[] ids, Storage out, int dim) {
        elementwise.embedding(h(table), ids, h(out), dim);
    }

    @Override
    public void embeddingBackward(Storage gOut, int[] ids, Storage gTable, int dim) {
        elementwise.embeddingBackward(h(gOut), ids, h(gTable), dim);
    }

    @Override
    public void crossEntropy(Storage logits, int[] targets, Storage losses, Storage logProbs,
                             int rows, int classes, int ignoreIndex, float labelSmoothing) {
        softmax.crossEntropy(h(logits), targets, h(losses), h(logProbs), rows, classes, ignoreIndex, labelSmoothing);
    }

    @Override
    public void crossEntropyBackward(Storage logProbs, int[] targets, Storage gLoss, Storage gLogits,
                                     int rows, int classes, int ignoreIndex, float labelSmoothing) {
        softmax.crossEntropyBackward(h(logProbs), targets, h(gLoss), h(gLogits), rows, classes, ignoreIndex, labelSmoothing);
    }

    /** One logsumexp per row: the softmax is recomputed from the logits in backward ({@link FusedCrossEntropy}). */
    @Override
    public int crossEntropyStatsSize(int rows, int classes) {
        return recompute ? rows : Backend.super.crossEntropyStatsSize(rows, classes);
    }

    @Override
    public void crossEntropyWithStats(Storage logits, int[] targets, Storage losses, Storage stats,
                                      int rows, int classes, int ignoreIndex, float labelSmoothing) {
        if (recompute) fusedCrossEntropy.forward(h(logits), targets, h(losses), h(stats), rows, classes, ignoreIndex, labelSmoothing);
        else crossEntropy(logits, targets, losses, stats, rows, classes, ignoreIndex, labelSmoothing);
    }

    @Override
    public void crossEntropyBackwardFromStats(Storage logits, Storage stats, int[] targets, Storage gLoss, Storage gLogits,
                                              int rows, int classes, int ignoreIndex, float labelSmoothing) {
        crossEntropyBackwardFromStats(logits, stats, targets, gLoss, gLogits, rows, classes, ignoreIndex, labelSmoothing, true);
    }

    @Override
    public void crossEntropyBackwardFromStats(Storage logits, Storage stats, int[] targets, Storage gLoss, Storage gLogits,
                                              int rows, int classes, int ignoreIndex, float labelSmoothing, boolean accumulate) {
        if (recompute) {
            fusedCrossEntropy.backward(h(logits), h(stats), targets, h(gLoss), h(gLogits), rows, classes, ignoreIndex, labelSmoothing,
                    accumulate);
        } else {
            if (!accumulate) fill(gLogits, 0, rows * classes, 0f);
            crossEntropyBackward(stats, targets, gLoss, gLogits, rows, classes, ignoreIndex, labelSmoothing);
        }
    }

    // ---- attention ------------------------------------------------------------------------

    @Override
    public void attention(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask, int[] segments,
                          Storage out, Storage probs) {
        attention.forward(spec, h(q), h(k), h(v), keyMask, segments, h(out), h(probs));
    }

    @Override
    public void attentionBackward(AttentionSpec spec, Storage q, Storage k, Storage v, Storage probs,
                                  Storage gOut, Storage gq, Storage gk, Storage gv) {
        attention.backward(spec, h(q), h(k), h(v), h(probs), h(gOut), h(gq), h(gk), h(gv));
    }

    /** Whether attention keeps [B, Hq, tq, tk] probabilities for backward, else one logsumexp per query row. */
    private boolean keepsProbabilities(AttentionSpec spec) {
        return !recompute || (keepShortAttention && spec.tk() <= 2 * spec.headDim());
    }

    /** One logsumexp per query row, [B, Hq, tq], where backward recomputes the probabilities ({@link CpuFlashAttention}). */
    @Override
    public int attentionStatsSize(AttentionSpec spec) {
        return keepsProbabilities(spec) ? spec.probsSize() : CpuFlashAttention.statsSize(spec);
    }

    @Override
    public void attentionWithStats(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask, int[] segments,
                                   Storage out, Storage stats) {
        if (keepsProbabilities(spec)) attention(spec, q, k, v, keyMask, segments, out, stats);
        else flashAttention.forward(spec, h(q), h(k), h(v), keyMask, segments, h(out), h(stats));
    }

    @Override
    public void attentionBackwardFromStats(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask, int[] segments,
                                           Storage stats, Storage gOut, Storage gq, Storage gk, Storage gv) {
        if (keepsProbabilities(spec)) attentionBackward(spec, q, k, v, stats, gOut, gq, gk, gv);
        else flashAttention.backward(spec, h(q), h(k), h(v), keyMask, segments, h(stats), h(gOut), h(gq), h(gk), h(gv));
    }

    @Override
    public void rope(Storage x, Storage y, int batch, int seq, int heads, int headDim, int posOffset,
                     float[] invFreq, boolean inverse) {
        rope.rope(h(x), h(y), batch, seq, heads, headDim, posOffset, invFreq, inverse);
    }

    // ---- randomness and optimizers --------------------------------------------------------

    // mask: [n]
    @Override
    public void dropoutMask(Storage mask, int n, float keep, long seed) {
        float[] y = h(mask);
        float scale = 1f / keep;
        par.range(n, GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) y[i] = CounterRng.uniform(seed, i) < keep ? scale : 0f;
        });
    }

    // param, grad, m, v: [n]
    @Override
    public void adamw(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
                      float eps, float weightDecay, long step) {
        float[] p = h(param), g = h(grad), m1 = h(m), m2 = h(v);
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        par.range(n, GRAIN, (from, to) -> lanes.adamw(p, g, m1, m2, from, to, lr, beta1, beta2, eps, weightDecay, bc1, bc2));
    }
}
