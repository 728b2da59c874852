package dev.kiln.api.backend;

import dev.kiln.api.tensor.Storage;

import java.util.Collection;

/**
 * The numeric primitives every differentiable op in Kiln is built from. A backend owns its
 * {@link Storage} (host arrays, device buffers) and evaluates these primitives on it.
 *
 * <p>Conventions for every method: sizes are element counts; matrices are row-major; a
 * method whose doc says "accumulates" adds into its output (gradients); any other method
 * overwrites its output. Inputs and outputs never alias unless a method says so. Integer
 * arguments (token ids, targets, masks) are host {@code int[]}: they are inputs that cross to the
 * device once per call. {@link NaiveBackend} is the obviously-correct reference; every other
 * backend is tested against it by the conformance suite.
 */
public interface Backend extends AutoCloseable {

    /** Stable name, e.g. "naive", "cpu", "opencl". */
    String name();

    /** Human-readable details for {@code kiln plugins}: threads, device, kernels used. */
    default String description() { return name(); }

    // ---- memory ---------------------------------------------------------------------------

    /** A new zero-filled storage of {@code size} floats. */
    Storage allocate(int size);

    /**
     * A storage of {@code size} floats with unspecified contents, for an output the caller overwrites
     * entirely before reading (a pooling backend then skips the zero fill). Default: {@link #allocate}.
     */
    default Storage allocateUninitialized(int size) { return allocate(size); }

    /** A new storage holding a copy of {@code data}. */
    Storage upload(float[] data);

    /**
     * The caller is done with {@code s}: nothing reads or writes it again, so a backend with a caching
     * allocator may hand its memory to a later {@link #allocate} (and refuses {@code s} from then on).
     * The tape calls it for the intermediate results and gradients backward() has consumed. Releasing a
     * storage twice, or one the backend did not allocate, does nothing. Default: nothing (the garbage
     * collector or the device frees it when unreachable).
     */
    default void release(Storage s) {}

    /**
     * Waits until the work of every call so far has finished. A backend whose calls may return before
     * their work is done (OpenCL queues launches) implements it; results read back are always complete
     * without it, so only timings need it, as PyTorch's {@code torch.cuda.synchronize()}. Default: nothing.
     */
    default void synchronize() {}

    /** Counters of this backend's caching allocator, or null when it has none. */
    default StoragePool.Stats poolStats() { return null; }

    /** A host copy of the whole storage. */
    float[] download(Storage s);

    /** dst[dstOffset + i] = src[srcOffset + i] for i in [0, length). */
    void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int length);

    /** dst[offset + i] = value for i in [0, length). */
    void fill(Storage dst, int offset, int length, float value);

    /**
     * Strided block copy, for slice / concat and their gradients: for c in [0, count), i in [0, blockLen):
     * dst[dstOffset + c*dstStride + i] (=, or += when accumulate) src[srcOffset + c*srcStride + i].
     */
    void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                    int blockLen, int count, boolean accumulate);

    /** dst = src permuted: dst shape[i] = shape[perm[i]]. Both contiguous. */
    void permute(Storage src, int[] shape, int[] perm, Storage dst);

    // ---- dense linear algebra -------------------------------------------------------------

    /**
     * Batched matrix product: for each b in [0, batch):
     * C_b[M×N] = alpha · op(A_b) · op(B_b) (+ C_b when accumulate), where op(A_b) is M×K
     * (stored K×M when transA) and op(B_b) is K×N (stored N×K when transB). A_b starts at
     * b*strideA, and so on; a stride of 0 broadcasts one matrix over the batch. Empty M, N or K
     * is legal (K = 0 gives zeros, or leaves C unchanged when accumulating).
     */
    void matmul(Storage a, Storage b, Storage c, int batch, int m, int n, int k,
                boolean transA, boolean transB, int strideA, int strideB, int strideC,
                float alpha, boolean accumulate);

    /**
     * A linear layer's forward: y [rows, out] = x [rows, in] · wᵀ + bias on every row, w [out, in], bias [out].
     * The default is {@link #matmul} into a scratch storage, then a broadcast add; a backend may add the bias
     * as it writes the product.
     */
    default void linear(Storage x, Storage w, Storage bias, Storage y, int rows, int in, int out) {
        Storage product = allocateUninitialized(rows * out);
        matmul(x, w, product, 1, rows, out, in, false, true, 0, 0, 0, 1f, false);
        binary(BinaryOp.ADD, product, new int[] {rows, out}, bias, new int[] {1, out}, y, new int[] {rows, out});
        release(product);
    }

    /**
     * A linear layer's input and weight gradients from its output's gradient gy [rows, out] (y = x · wᵀ, x [rows, in],
     * w [out, in]): gx [rows, in] = gy · w and gw [out, in] = gyᵀ · x, each accumulated when its flag says so. Either
     * target may be null (that gradient is not wanted). The default runs the two products one after the other; a
     * backend may run them side by side, since neither reads what the other writes.
     */
    default void linearBackward(Storage gy, Storage x, Storage w, Storage gx, boolean accumulateX, Storage gw,
                                boolean accumulateW, int rows, int in, int out) {
        if (gx != null) matmul(gy, w, gx, 1, rows, in, out, false, false, 0, 0, 0, 1f, accumulateX);
        if (gw != null) matmul(gy, x, gw, 1, out, in, rows, true, false, 0, 0, 0, 1f, accumulateW);
    }

    /**
     * {@link #linearBackward(Storage, Storage, Storage, Storage, boolean, Storage, boolean, int, int, int)} and the
     * bias's gradient gb [out] = Σ over rows of gy, accumulated when accumulateB, in one call (gb may be null): a
     * backend may sum the columns on a thread that would otherwise wait for the other product. The default makes the
     * two calls, the sum as {@link #reduceSumTo} [rows, out] → [1, out].
     */
    default void linearBackward(Storage gy, Storage x, Storage w, Storage gx, boolean accumulateX, Storage gw,
                                boolean accumulateW, Storage gb, boolean accumulateB, int rows, int in, int out) {
        if (gx != null || gw != null) linearBackward(gy, x, w, gx, accumulateX, gw, accumulateW, rows, in, out);
        if (gb != null) reduceSumTo(gy, new int[] {rows, out}, gb, new int[] {1, out}, accumulateB);
    }

    // ---- element-wise ---------------------------------------------------------------------

    /**
     * out = op(a, b) with numpy broadcasting; the three shapes have the same rank and each
     * dimension of a or b is either 1 or the output's.
     */
    void binary(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage out, int[] outShape);

    /** y[i] = op(x[i], param), i in [0, n). x and y may be the same storage (in place). */
    void unary(UnaryOp op, Storage x, Storage y, int n, float param);

    /** Accumulates gx[i] += gy[i] · op'(x[i]) given y = op(x). */
    void unaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, int n, float param);

    /**
     * {@link #unaryBackward} when {@code accumulate}; else gx[i] = gy[i] · op'(x[i]), overwriting gx, which may then
     * be gy itself (a backward that turns the output's gradient into the input's in place). Default: the product into
     * a zeroed scratch storage, copied to gx.
     */
    default void unaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, int n, float param, boolean accumulate) {
        if (accumulate) {
            unaryBackward(op, x, y, gy, gx, n, param);
            return;
        }
        Storage product = allocate(n);
        unaryBackward(op, x, y, gy, product, n, param);
        copy(product, 0, gx, 0, n);
        release(product);
    }

    /**
     * Sum src (shape srcShape) down to dstShape (same rank, each dimension 1 or equal): the
     * reverse of broadcasting. Overwrites dst, or accumulates when accumulate.
     */
    void reduceSumTo(Storage src, int[] srcShape, Storage dst, int[] dstShape, boolean accumulate);

    /**
     * Reduce a [outer, len, inner] view along the middle axis into [outer, inner]: SUM or MAX.
     * MAX of an empty axis is -infinity, SUM is 0.
     */
    void reduceAxis(boolean max, Storage src, Storage dst, int outer, int len, int inner);

    /** Sum of squares of src[0, n) in double precision (gradient norms). */
    double sumOfSquares(Storage src, int n);

    // ---- normalization and softmax --------------------------------------------------------

    /** Row-wise softmax (or log-softmax) over the last axis of a [rows, cols] matrix. */
    void softmax(Storage x, Storage y, int rows, int cols, boolean log);

    /**
     * Accumulates the input gradient of softmax (log=false: gx += y ⊙ (gy − Σ gy⊙y)) or of
     * log-softmax (log=true: gx += gy − exp(y) · Σ gy), given its output y.
     */
    void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log);

    /**
     * y = (x − mean) · rstd · gamma + beta per row of [rows, cols]; saves mean[rows] and
     * rstd[rows] = 1/sqrt(var + eps) (biased variance). beta may be null.
     */
    void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd,
                   int rows, int cols, float eps);

    /** Accumulates gx, gGamma, gBeta (either of the last two may be null: not needed). */
    void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy,
                           Storage gx, Storage gGamma, Storage gBeta, int rows, int cols);

    /** y = x · rstd · gamma with rstd[row] = 1/sqrt(mean(x²) + eps) saved. */
    void rmsNorm(Storage x, Storage gamma, Storage y, Storage rstd, int rows, int cols, float eps);

    /** Accumulates gx and gGamma (gGamma may be null). */
    void rmsNormBackward(Storage x, Storage gamma, Storage rstd, Storage gy, Storage gx, Storage gGamma,
                         int rows, int cols);

    // ---- embeddings and losses ------------------------------------------------------------

    /** out[i, :] = table[ids[i], :] for i in [0, ids.length); table is [rows, dim]. */
    void embedding(Storage table, int[] ids, Storage out, int dim);

    /** Scatter-add: gTable[ids[i], :] += gOut[i, :]. */
    void embeddingBackward(Storage gOut, int[] ids, Storage gTable, int dim);

    /**
     * Per-row cross-entropy of logits [rows, classes] against targets[rows]. Rows whose target
     * equals ignoreIndex get loss 0. With label smoothing ε the loss is
     * (1−ε)·(−log p[target]) + ε·mean_j(−log p[j]). Saves log-probabilities [rows, classes].
     */
    void crossEntropy(Storage logits, int[] targets, Storage losses, Storage logProbs,
                      int rows, int classes, int ignoreIndex, float labelSmoothing);

    /** Accumulates gLogits += gLoss[row] · (softmax − smoothed one-hot) for rows not ignored. */
    void crossEntropyBackward(Storage logProbs, int[] targets, Storage gLoss, Storage gLogits,
                              int rows, int classes, int ignoreIndex, float labelSmoothing);

    /**
     * Floats of what {@link #crossEntropyWithStats} keeps for the backward pass. By default the
     * log-probabilities [rows, classes] of {@link #crossEntropy}; a backend that recomputes the softmax
     * from the logits in backward keeps only a per-row statistic (the cpu backend: logsumexp [rows]).
     */
    default int crossEntropyStatsSize(int rows, int classes) { return rows * classes; }

    /**
     * Per-row cross-entropy as {@link #crossEntropy}, saving {@link #crossEntropyStatsSize} floats of
     * backend-defined statistics for {@link #crossEntropyBackwardFromStats}. Default: the log-probabilities.
     */
    default void crossEntropyWithStats(Storage logits, int[] targets, Storage losses, Storage stats,
                                       int rows, int classes, int ignoreIndex, float labelSmoothing) {
        crossEntropy(logits, targets, losses, stats, rows, classes, ignoreIndex, labelSmoothing);
    }

    /**
     * Accumulates the gradient of {@link #crossEntropyBackward} given the logits and the statistics saved by
     * {@link #crossEntropyWithStats} (logits are unchanged since). Default: from the saved log-probabilities.
     */
    default void crossEntropyBackwardFromStats(Storage logits, Storage stats, int[] targets, Storage gLoss,
                                               Storage gLogits, int rows, int classes, int ignoreIndex, float labelSmoothing) {
        crossEntropyBackward(stats, targets, gLoss, gLogits, rows, classes, ignoreIndex, labelSmoothing);
    }

    /**
     * {@link #crossEntropyBackwardFromStats} into gLogits when {@code accumulate}, else over it: gLogits' old contents
     * are then never read, so a fresh uninitialized storage will do (no zero-filled [rows, classes] storage to add
     * into: 32 MB on the small bench shape, 206 MB on GPT-2's). Default: zero gLogits, then accumulate.
     */
    default void crossEntropyBackwardFromStats(Storage logits, Storage stats, int[] targets, Storage gLoss, Storage gLogits,
                                               int rows, int classes, int ignoreIndex, float labelSmoothing, boolean accumulate) {
        if (!accumulate) fill(gLogits, 0, rows * classes, 0f);
        crossEntropyBackwardFromStats(logits, stats, targets, gLoss, gLogits, rows, classes, ignoreIndex, labelSmoothing);
    }

    // ---- attention ------------------------------------------------------------------------

    /**
     * Scaled dot-product attention (see {@link AttentionSpec} for layouts and masking).
     * keyMask [batch, tk] (1 = may be attended) may be null; so may segments [batch, tk] when
     * tq == tk (a query sees only keys of its own segment: packed examples). Writes out and
     * the probabilities used, for the backward pass.
     */
    void attention(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask, int[] segments,
                   Storage out, Storage probs);

    /** Accumulates gq, gk, gv (laid out as q, k, v in the spec; they may be one fused storage). */
    void attentionBackward(AttentionSpec spec, Storage q, Storage k, Storage v, Storage probs,
                           Storage gOut, Storage gq, Storage gk, Storage gv);

    /**
     * Floats of what {@link #attentionWithStats} keeps for the backward pass. By default the probabilities
     * [batch, qHeads, tq, tk] of {@link #attention}; a backend that recomputes them block by block in
     * backward (flash-attention style) keeps a per-row statistic (the cpu backend: logsumexp [batch, qHeads, tq]).
     */
    default int attentionStatsSize(AttentionSpec spec) { return spec.probsSize(); }

    /**
     * Attention as {@link #attention}, saving {@link #attentionStatsSize} floats of backend-defined statistics
     * for {@link #attentionBackwardFromStats}. Default: the probabilities. Writes every float of out and stats
     * (the attention op hands it uninitialized storage).
     */
    default void attentionWithStats(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask, int[] segments,
                                    Storage out, Storage stats) {
        attention(spec, q, k, v, keyMask, segments, out, stats);
    }

    /**
     * Accumulates gq, gk, gv as {@link #attentionBackward}, from q, k, v, the same masks, and the statistics
     * saved by {@link #attentionWithStats}. Default: from the saved probabilities.
     */
    default void attentionBackwardFromStats(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask,
                                            int[] segments, Storage stats, Storage gOut, Storage gq, Storage gk, Storage gv) {
        attentionBackward(spec, q, k, v, stats, gOut, gq, gk, gv);
    }

    /**
     * Rotary position embedding on contiguous [batch, seq, heads, headDim] (half-split pairing
     * (i, i + headDim/2) as in GPT-NeoX / Hugging Face LLaMA) for positions posOffset + t: pair i
     * rotates by angle = float32((posOffset + t) · invFreq[i]) (one float32 product, as Hugging Face
     * computes it), invFreq float[headDim/2] (see {@code RopeScaling#inverseFrequencies}).
     * inverse rotates by the negative angle (the backward pass).
     */
    void rope(Storage x, Storage y, int batch, int seq, int heads, int headDim, int posOffset,
              float[] invFreq, boolean inverse);

    // ---- randomness and optimizers --------------------------------------------------------

    /**
     * Dropout mask: mask[i] = 1/keep if {@link CounterRng#uniform(long, long)}(seed, i) < keep,
     * else 0. Counter-based, so every backend draws the same mask for the same seed.
     */
    void dropoutMask(Storage mask, int n, float keep, long seed);

    /**
     * One AdamW step (decoupled weight decay, bias-corrected) on n parameters:
     * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; p −= lr·(wd·p + (m/(1−β1^step)) / (sqrt(v/(1−β2^step)) + eps)).
     */
    void adamw(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
               float eps, float weightDecay, long step);

    // ---- scopes ------------------------------------------------------------------------------

    /**
     * Declares that the given storages (a model's weights) are only read until the returned scope closes, as while a
     * policy samples its rollouts: a backend may keep them meanwhile in a form faster to multiply by, built on first
     * use and dropped at close (the cpu backend keeps their packed GEMM panels). Writing one of them inside the scope
     * leaves such copies stale; a backend need not detect it. Scopes do not nest: an inner one changes nothing. The
     * default keeps nothing.
     */
    default Scope weightsFixed(Collection<Storage> weights) { return () -> {}; }

    /** What {@link #weightsFixed} returns: closing it ends the scope. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    default void close() {}
}
