package dev.kiln.backend.opencl;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BinaryOp;
import dev.kiln.api.backend.RowMajor;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.backend.opencl.kernel.MatmulTiling;
import dev.kiln.backend.opencl.kernel.Op;

/**
 * The OpenCL backend: every tensor is an {@link OpenClStorage} in the device arena and every
 * primitive is a launch of its own kernel ({@code kernels/*.cl}); data crosses the bus only in upload /
 * download, int inputs (ids, targets, masks) and the sum-of-squares partials. Norms, losses and
 * embeddings are in {@link OpenClRows}, reductions in {@link OpenClReductions}, attention and rope in
 * {@link OpenClAttention}. Calls are
 * serialized (one command queue per backend).
 */
public final class OpenClBackend implements Backend {
    final Launcher dev;
    private final OpenClRows rows;
    private final OpenClReductions reductions;
    private final OpenClAttention attn;

    /** A backend on device with an arena of initialMb, growing up to maxMb, in buffers as large as the device allows. */
    public OpenClBackend(ClDevice device, int initialMb, int maxMb) {
        this(device, initialMb, maxMb, bufferFloats(device.maxAllocBytes()));
    }

    /** As above with buffers of bufferFloats (a power of two ≤ 2^28): small ones let tests spread tensors over several. */
    public OpenClBackend(ClDevice device, int initialMb, int maxMb, int bufferFloats) {
        this(device, initialMb, maxMb, bufferFloats, Launcher.syncRequested());
    }

    /** As above; sync waits for every launch and int upload (see {@link Launcher}'s sync mode), for debugging. */
    public OpenClBackend(ClDevice device, int initialMb, int maxMb, int bufferFloats, boolean sync) {
        this(device, initialMb, maxMb, bufferFloats, sync, MatmulTiling.fromEnvironment());
    }

    /** As above with the matmul kernel's tiling given (else {@value MatmulTiling#ENV} or the default). */
    public OpenClBackend(ClDevice device, int initialMb, int maxMb, int bufferFloats, boolean sync, MatmulTiling tiling) {
        this.dev = new Launcher(device, (int) Math.min(bufferFloats, initialMb * 262_144L), maxMb * 262_144L, bufferFloats,
                sync, tiling);
        this.rows = new OpenClRows(dev);
        this.reductions = new OpenClReductions(dev);
        this.attn = new OpenClAttention(dev, this);
    }

    /** The largest power-of-two float count within the device's largest buffer and the arena's 1 GiB buffers. */
    static int bufferFloats(long maxAllocBytes) {
        long floats = Math.max(1L << 16, Math.min(DeviceArena.MAX_BUFFER_FLOATS, maxAllocBytes / Float.BYTES));
        return Integer.highestOneBit((int) floats);
    }

    @Override
    public String name() { return "opencl"; }

    @Override
    public String description() {
        return "opencl: " + dev.device.describe() + "; arena " + (dev.arena.capacity() / 262_144) + " MiB"
                + (dev.arena.bufferCount() > 1 ? " in " + dev.arena.bufferCount() + " buffers" : "")
                + (dev.tiling.equals(MatmulTiling.DEFAULT) ? "" : "; matmul tiling " + dev.tiling)
                + (dev.sync ? "; sync mode (" + Launcher.SYNC_ENV + ")" : "");
    }

    /** The device this backend runs on. */
    public ClDevice device() { return dev.device; }

    /** Launches so far (for tests and bench). */
    public long launches() { return dev.launches(); }

    /** Device buffers the arena spans now. */
    public int arenaBuffers() { return dev.arena.bufferCount(); }

    /** Peak arena use in floats. */
    public long peakArenaFloats() { return dev.arena.peakFloats(); }

    void useGeneralAttention(boolean general) { attn.forceGeneral = general; }

    // ---- memory ---------------------------------------------------------------------------

    @Override
    public synchronized Storage allocate(int size) {
        OpenClStorage s = dev.arena.allocate(size);
        fillRaw(s.offset, size, 0f);
        return s;
    }

    /** A region whose contents the caller overwrites entirely (no zero-fill). */
    synchronized OpenClStorage scratch(int size) { return dev.arena.allocate(size); }

    /** Returns the region to the arena's free list now instead of when the collector finds the storage unreachable. */
    @Override
    public synchronized void release(Storage s) {
        if (s instanceof OpenClStorage o) dev.arena.release(o);
    }

    @Override
    public synchronized Storage upload(float[] data) {
        OpenClStorage s = dev.arena.allocate(data.length);
        dev.write(data, 0, data.length, s.offset);
        return s;
    }

    @Override
    public synchronized float[] download(Storage s) {
        OpenClStorage o = dev.of(s);
        return dev.read(o.offset, o.size());
    }

    static void check(Storage s, long end, String what) {
        if (end > s.size()) throw new IndexOutOfBoundsException(what + ": needs " + end + " floats, storage has " + s.size());
    }

    @Override
    public synchronized void copy(Storage src, int srcOffset, Storage dst, int dstOffset, int length) {
        check(src, (long) srcOffset + length, "copy src");
        check(dst, (long) dstOffset + length, "copy dst");
        dev.k.o0 = dev.off(src) + srcOffset;
        dev.k.o1 = dev.off(dst) + dstOffset;
        dev.k.i0 = length;
        dev.run1D(Op.COPY, length);
    }

    @Override
    public synchronized void fill(Storage dst, int offset, int length, float value) {
        check(dst, (long) offset + length, "fill");
        fillRaw(dev.off(dst) + offset, length, value);
    }

    private void fillRaw(int offset, int length, float value) {
        dev.k.o0 = offset;
        dev.k.i0 = length;
        dev.k.f0 = value;
        dev.run1D(Op.FILL, length);
    }

    @Override
    public synchronized void copyBlocks(Storage src, int srcOffset, int srcStride, Storage dst, int dstOffset, int dstStride,
                                        int blockLen, int count, boolean accumulate) {
        if (count <= 0 || blockLen <= 0) return;
        check(src, srcOffset + (long) (count - 1) * srcStride + blockLen, "copyBlocks src");
        check(dst, dstOffset + (long) (count - 1) * dstStride + blockLen, "copyBlocks dst");
        dev.k.o0 = dev.off(src) + srcOffset;
        dev.k.i0 = srcStride;
        dev.k.o1 = dev.off(dst) + dstOffset;
        dev.k.i1 = dstStride;
        dev.k.i2 = blockLen;
        dev.k.i3 = count;
        dev.k.i4 = accumulate ? 1 : 0;
        dev.run1D(Op.COPY_BLOCKS, blockLen * count);
    }

    // src: shape; dst: [shape[perm[0]], ...]
    @Override
    public synchronized void permute(Storage src, int[] shape, int[] perm, Storage dst) {
        int rank = shape.length;
        int[] strides = RowMajor.strides(shape), dstShape = new int[rank], permStrides = new int[rank];
        for (int i = 0; i < rank; i++) {
            dstShape[i] = shape[perm[i]];
            permStrides[i] = strides[perm[i]];
        }
        int n = RowMajor.size(shape);
        check(src, n, "permute src");
        check(dst, n, "permute dst");
        dev.meta(dstShape, permStrides);
        dev.k.o0 = dev.off(src);
        dev.k.o1 = dev.off(dst);
        dev.k.i0 = n;
        dev.k.i1 = rank;
        dev.run1D(Op.PERMUTE, n);
    }

    // ---- dense linear algebra -------------------------------------------------------------

    // a: [M,K] (stored [K,M] if transA); b: [K,N] (stored [N,K] if transB); c: [M,N]; per batch item
    @Override
    public synchronized void matmul(Storage a, Storage b, Storage c, int batch, int m, int n, int k,
                                    boolean transA, boolean transB, int strideA, int strideB, int strideC,
                                    float alpha, boolean accumulate) {
        if (batch <= 0 || m <= 0 || n <= 0) return;
        check(a, (long) strideA * (batch - 1) + (long) m * k, "matmul A");
        check(b, (long) strideB * (batch - 1) + (long) k * n, "matmul B");
        check(c, (long) strideC * (batch - 1) + (long) m * n, "matmul C");
        int tile = dev.tiling.tile(), group = dev.tiling.group();
        int rowTiles = (m + tile - 1) / tile, colTiles = (n + tile - 1) / tile;
        // batch items whose C overlap (a weight gradient summed over the batch) run one after another
        boolean serial = batch > 1 && strideC < m * n;
        int perLaunch = serial ? 1 : batch;
        for (int b0 = 0; b0 < batch; b0 += perLaunch) {
            dev.k.o0 = dev.off(a) + b0 * strideA;
            dev.k.o1 = dev.off(b) + b0 * strideB;
            dev.k.o2 = dev.off(c) + b0 * strideC;
            dev.k.i0 = m;
            dev.k.i1 = n;
            dev.k.i2 = k;
            dev.k.i3 = transA ? 1 : 0;
            dev.k.i4 = transB ? 1 : 0;
            dev.k.i5 = strideA;
            dev.k.i6 = strideB;
            dev.k.i7 = strideC;
            dev.k.i8 = accumulate ? 1 : 0;
            dev.k.i9 = rowTiles;
            dev.k.f0 = alpha;
            dev.run2D(Op.MATMUL, colTiles * group, perLaunch * rowTiles * group, group, group);
        }
    }

    // ---- element-wise ---------------------------------------------------------------------

    // a: aShape, b: bShape, out: outShape (same rank; a/b dims are 1 or the output's)
    @Override
    public synchronized void binary(BinaryOp op, Storage a, int[] aShape, Storage b, int[] bShape, Storage out, int[] outShape) {
        int n = RowMajor.size(outShape);
        check(out, n, "binary out");
        check(a, RowMajor.size(aShape), "binary a");
        check(b, RowMajor.size(bShape), "binary b");
        dev.meta(outShape, RowMajor.broadcastStrides(aShape, outShape), RowMajor.broadcastStrides(bShape, outShape));
        dev.k.o0 = dev.off(a);
        dev.k.o1 = dev.off(b);
        dev.k.o2 = dev.off(out);
        dev.k.i0 = n;
        dev.k.i1 = outShape.length;
        dev.k.i2 = op.ordinal();
        dev.run1D(Op.BINARY, n);
    }

    // x, y: [n]
    @Override
    public synchronized void unary(UnaryOp op, Storage x, Storage y, int n, float param) {
        check(x, n, "unary x");
        check(y, n, "unary y");
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(y);
        dev.k.i0 = n;
        dev.k.i1 = op.ordinal();
        dev.k.f0 = param;
        dev.run1D(Op.UNARY, n);
    }

    // x, y, gy, gx: [n]
    @Override
    public void unaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, int n, float param) {
        unaryBackward(op, x, y, gy, gx, n, param, true);
    }

    // x, y, gy, gx: [n]; gx (+)= gy · op'(x), gx may be gy when not accumulating
    @Override
    public synchronized void unaryBackward(UnaryOp op, Storage x, Storage y, Storage gy, Storage gx, int n, float param,
                                           boolean accumulate) {
        check(gx, n, "unaryBackward gx");
        dev.k.o0 = dev.off(x);
        dev.k.o1 = dev.off(y);
        dev.k.o2 = dev.off(gy);
        dev.k.o3 = dev.off(gx);
        dev.k.i0 = n;
        dev.k.i1 = op.ordinal();
        dev.k.i2 = accumulate ? 1 : 0;
        dev.k.f0 = param;
        dev.run1D(Op.UNARY_BACKWARD, n);
    }

    // src: srcShape -> dst: dstShape (same rank, dims 1 or equal)
    @Override
    public synchronized void reduceSumTo(Storage src, int[] srcShape, Storage dst, int[] dstShape, boolean accumulate) {
        reductions.reduceSumTo(src, srcShape, dst, dstShape, accumulate);
    }

    // src: [outer, len, inner] -> dst: [outer, inner]
    @Override
    public synchronized void reduceAxis(boolean max, Storage src, Storage dst, int outer, int len, int inner) {
        reductions.reduceAxis(max, src, dst, outer, len, inner);
    }

    @Override
    public synchronized double sumOfSquares(Storage src, int n) { return reductions.sumOfSquares(src, n); }

    // ---- rows, losses, embeddings, attention: see OpenClRows / OpenClAttention ------------

    @Override
    public synchronized void softmax(Storage x, Storage y, int rows, int cols, boolean log) { this.rows.softmax(x, y, rows, cols, log); }

    @Override
    public synchronized void softmaxBackward(Storage y, Storage gy, Storage gx, int rows, int cols, boolean log) {
        this.rows.softmaxBackward(y, gy, gx, rows, cols, log);
    }

    @Override
    public synchronized void layerNorm(Storage x, Storage gamma, Storage beta, Storage y, Storage mean, Storage rstd,
                                       int rows, int cols, float eps) {
        this.rows.layerNorm(x, gamma, beta, y, mean, rstd, rows, cols, eps);
    }

    @Override
    public synchronized void layerNormBackward(Storage x, Storage gamma, Storage mean, Storage rstd, Storage gy,
                                               Storage gx, Storage gGamma, Storage gBeta, int rows, int cols) {
        this.rows.layerNormBackward(x, gamma, mean, rstd, gy, gx, gGamma, gBeta, rows, cols);
    }

    @Override
    public synchronized void rmsNorm(Storage x, Storage gamma, Storage y, Storage rstd, int rows, int cols, float eps) {
        this.rows.rmsNorm(x, gamma, y, rstd, rows, cols, eps);
    }

    @Override
    public synchronized void rmsNormBackward(Storage x, Storage gamma, Storage rstd, Storage gy, Storage gx, Storage gGamma,
                                             int rows, int cols) {
        this.rows.rmsNormBackward(x, gamma, rstd, gy, gx, gGamma, rows, cols);
    }

    @Override
    public synchronized void embedding(Storage table, int[] ids, Storage out, int dim) { rows.embedding(table, ids, out, dim); }

    @Override
    public synchronized void embeddingBackward(Storage gOut, int[] ids, Storage gTable, int dim) {
        rows.embeddingBackward(gOut, ids, gTable, dim);
    }

    @Override
    public synchronized void crossEntropy(Storage logits, int[] targets, Storage losses, Storage logProbs,
                                          int rows, int classes, int ignoreIndex, float labelSmoothing) {
        this.rows.crossEntropy(logits, targets, losses, logProbs, rows, classes, ignoreIndex, labelSmoothing);
    }

    @Override
    public synchronized void crossEntropyBackward(Storage logProbs, int[] targets, Storage gLoss, Storage gLogits,
                                                  int rows, int classes, int ignoreIndex, float labelSmoothing) {
        this.rows.crossEntropyBackward(logProbs, targets, gLoss, gLogits, rows, classes, ignoreIndex, labelSmoothing);
    }

    @Override
    public synchronized void attention(AttentionSpec spec, Storage q, Storage k, Storage v, int[] keyMask, int[] segments,
                                       Storage out, Storage probs) {
        attn.forward(spec, q, k, v, keyMask, segments, out, probs);
    }

    @Override
    public synchronized void attentionBackward(AttentionSpec spec, Storage q, Storage k, Storage v, Storage probs,
                                               Storage gOut, Storage gq, Storage gk, Storage gv) {
        attn.backward(spec, q, k, v, probs, gOut, gq, gk, gv);
    }

    @Override
    public synchronized void rope(Storage x, Storage y, int batch, int seq, int heads, int headDim, int posOffset,
                                  float[] invFreq, boolean inverse) {
        attn.rope(x, y, batch, seq, heads, headDim, posOffset, invFreq, inverse);
    }

    // ---- randomness and optimizers --------------------------------------------------------

    // mask: [n]
    @Override
    public synchronized void dropoutMask(Storage mask, int n, float keep, long seed) {
        check(mask, n, "dropoutMask");
        dev.k.o0 = dev.off(mask);
        dev.k.i0 = n;
        dev.k.f0 = keep;
        dev.k.f1 = 1f / keep;
        dev.k.seed = seed;
        dev.run1D(Op.DROPOUT_MASK, n);
    }

    // param, grad, m, v: [n]
    @Override
    public synchronized void adamw(Storage param, Storage grad, Storage m, Storage v, int n, float lr, float beta1, float beta2,
                                   float eps, float weightDecay, long step) {
        check(param, n, "adamw");
        dev.k.o0 = dev.off(param);
        dev.k.o1 = dev.off(grad);
        dev.k.o2 = dev.off(m);
        dev.k.o3 = dev.off(v);
        dev.k.i0 = n;
        dev.k.f0 = lr;
        dev.k.f1 = beta1;
        dev.k.f2 = beta2;
        dev.k.f3 = eps;
        dev.k.f4 = weightDecay;
        dev.k.f5 = (float) (1 - Math.pow(beta1, step));
        dev.k.f6 = (float) (1 - Math.pow(beta2, step));
        dev.run1D(Op.ADAMW, n);
    }

    @Override
    public synchronized void synchronize() { dev.finish(); }

    @Override
    public synchronized void close() { dev.close(); }
}
