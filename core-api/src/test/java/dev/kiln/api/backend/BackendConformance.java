package dev.kiln.api.backend;

import dev.kiln.api.backend.ConformanceCases.AttnCase;
import dev.kiln.api.backend.ConformanceCases.MatmulCase;
import dev.kiln.api.backend.ConformanceCheck.Call;
import dev.kiln.api.nn.RopeScaling;
import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.kiln.api.backend.ConformanceCheck.ints;
import static dev.kiln.api.backend.ConformanceCheck.rand;
import static dev.kiln.api.backend.ConformanceCheck.size;
import static dev.kiln.api.backend.ConformanceCheck.toFloats;
import static dev.kiln.api.backend.ConformanceCheck.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The backend conformance suite: every {@link Backend} primitive against {@link NaiveBackend}.
 * Extend it and return the backend under test from {@link #backend()}.
 *
 * <p>Tolerance, per element: |actual − expected| ≤ {@link #ATOL} + {@link #RTOL}·|expected|
 * (inputs are O(1), so this is float32 rounding with room for a different summation order and
 * float instead of double accumulators). Long dot products (matmul, attention, K up to 300) use
 * {@link #ATOL_DOT}. Data movement, dropout masks and embeddings must match exactly; non-finite
 * values (−∞ of an empty max) must match exactly everywhere. Every storage passed to a primitive
 * is compared afterwards, so an input a backend scribbles on fails too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformance {
    public static final double RTOL = 1e-4;
    public static final double ATOL = 2e-5;
    public static final double ATOL_DOT = 1e-4;

    private final Backend ref = new NaiveBackend();
    private Backend be;

    /** A fresh instance of the backend under test; closed after the suite. */
    protected abstract Backend backend();

    @BeforeAll
    void open() { be = backend(); }

    @AfterAll
    void close() { if (be != null) be.close(); }   // null when backend() skipped the suite

    private void agree(String what, Call call, float[]... arrays) {
        ConformanceCheck.agree(ref, be, what, RTOL, ATOL, call, arrays);
    }

    private void agreeExactly(String what, Call call, float[]... arrays) {
        ConformanceCheck.agree(ref, be, what, 0, 0, call, arrays);
    }

    // ---- memory ---------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#lengths")
    void memory(int n) {
        float[] x = rand(n, n);
        assertArrayEquals(new float[n], be.download(be.allocate(n)), "allocate zero-fills");
        assertArrayEquals(x, be.download(be.upload(x)), "upload / download round trip");
        int len = Math.max(0, n - 3);
        agreeExactly("copy n=" + n, (b, s) -> b.copy(s[0], Math.min(n, 1), s[1], Math.min(n, 2), len), x, rand(1, n));
        agreeExactly("fill n=" + n, (b, s) -> b.fill(s[0], Math.min(n, 1), len, 2.5f), x);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void copyBlocks(boolean accumulate) {
        for (int[] c : new int[][] {{1, 1, 1}, {17, 3, 5}, {65, 7, 0}, {3, 0, 4}}) {
            int blockLen = c[0], count = c[1];
            agreeExactly("copyBlocks " + java.util.Arrays.toString(c),
                    (b, s) -> b.copyBlocks(s[0], 2, blockLen + 3, s[1], 1, blockLen + c[2], blockLen, count, accumulate),
                    rand(1, 2 + count * (blockLen + 3)), rand(2, 1 + count * (blockLen + c[2]) + blockLen));
        }
    }

    @Test
    void permute() {
        int[][][] cases = {{{3, 17}, {1, 0}}, {{2, 3, 5}, {0, 2, 1}}, {{2, 3, 5}, {2, 0, 1}},
                {{2, 3, 4, 5}, {0, 2, 1, 3}}, {{1, 33, 1, 4}, {3, 2, 1, 0}}, {{3, 0, 2}, {2, 1, 0}}, {{7}, {0}}};
        for (int[][] c : cases) {
            int n = size(c[0]);
            agreeExactly("permute " + java.util.Arrays.deepToString(c), (b, s) -> b.permute(s[0], c[0], c[1], s[1]),
                    rand(n, n), new float[n]);
        }
    }

    // ---- dense linear algebra -------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#matmul")
    void matmul(MatmulCase c) {
        ConformanceCheck.agree(ref, be, c.toString(), RTOL, ATOL_DOT,
                (b, s) -> b.matmul(s[0], s[1], s[2], c.batch(), c.m(), c.n(), c.k(), c.transA(), c.transB(),
                        c.strideA(), c.strideB(), c.strideC(), c.alpha(), c.accumulate()),
                rand(1, Math.max(0, c.sizeA())), rand(2, Math.max(0, c.sizeB())), rand(3, Math.max(0, c.sizeC())));
    }

    /** y = x·wᵀ + bias (the shapes are {@link ConformanceCases#linear}'s). */
    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#linear")
    void linear(String dims) {
        int[] d = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        int rows = d[0], in = d[1], out = d[2];
        ConformanceCheck.agree(ref, be, "linear " + dims, RTOL, ATOL_DOT, (b, s) -> b.linear(s[0], s[1], s[2], s[3], rows, in, out),
                rand(1, rows * in), rand(2, out * in), rand(3, out), rand(4, rows * out));
    }

    /**
     * A linear layer's two gradients (gy [rows, out], x [rows, in], w [out, in] → gx, gw), each overwritten or
     * accumulated, together and one at a time ({@link ConformanceCases#linearBackward}'s shapes).
     */
    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#linearBackward")
    void linearBackward(String dims) {
        int[] d = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        int rows = d[0], in = d[1], out = d[2];
        float[] gy = rand(1, rows * out), x = rand(2, rows * in), w = rand(3, out * in);
        for (int flags = 0; flags < 4; flags++) {
            boolean accX = (flags & 1) != 0, accW = (flags & 2) != 0;
            ConformanceCheck.agree(ref, be, "linearBackward " + dims + " accumulate " + accX + "/" + accW, RTOL, ATOL_DOT,
                    (b, s) -> b.linearBackward(s[0], s[1], s[2], s[3], accX, s[4], accW, rows, in, out),
                    gy, x, w, rand(4, rows * in), rand(5, out * in));
        }
        ConformanceCheck.agree(ref, be, "linearBackward " + dims + ", gx only", RTOL, ATOL_DOT,
                (b, s) -> b.linearBackward(s[0], s[1], s[2], s[3], true, null, false, rows, in, out), gy, x, w, rand(4, rows * in));
        ConformanceCheck.agree(ref, be, "linearBackward " + dims + ", gw only", RTOL, ATOL_DOT,
                (b, s) -> b.linearBackward(s[0], s[1], s[2], null, false, s[3], false, rows, in, out), gy, x, w, rand(5, out * in));
    }

    /** The same with the bias's gradient gb [out] (gy's column sums) in the call, overwritten or accumulated, alone too. */
    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#linearBackward")
    void linearBackwardWithBias(String dims) {
        int[] d = java.util.Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        int rows = d[0], in = d[1], out = d[2];
        float[] gy = rand(1, rows * out), x = rand(2, rows * in), w = rand(3, out * in);
        for (int flags = 0; flags < 8; flags++) {
            boolean accX = (flags & 1) != 0, accW = (flags & 2) != 0, accB = (flags & 4) != 0;
            ConformanceCheck.agree(ref, be, "linearBackward + bias " + dims + " accumulate " + accX + "/" + accW + "/" + accB, RTOL,
                    ATOL_DOT, (b, s) -> b.linearBackward(s[0], s[1], s[2], s[3], accX, s[4], accW, s[5], accB, rows, in, out),
                    gy, x, w, rand(4, rows * in), rand(5, out * in), rand(6, out));
        }
        ConformanceCheck.agree(ref, be, "linearBackward " + dims + ", gb only", RTOL, ATOL_DOT,
                (b, s) -> b.linearBackward(s[0], s[1], s[2], null, false, null, false, s[3], true, rows, in, out), gy, x, w, rand(6, out));
    }

    // ---- element-wise ---------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#broadcastShapes")
    void binary(int[] aShape, int[] bShape) {
        int[] out = new int[aShape.length];
        for (int i = 0; i < out.length; i++) out[i] = aShape[i] == 1 ? bShape[i] : aShape[i];
        for (BinaryOp op : BinaryOp.values()) {
            boolean ties = op == BinaryOp.EQ || op == BinaryOp.MAXIMUM;
            float[] a = ties ? toFloats(ints(1, size(aShape), 3)) : rand(1, size(aShape));
            float[] bb = ties ? toFloats(ints(2, size(bShape), 3)) : uniform(2, size(bShape), 0.5, 1.5);
            for (boolean swap : new boolean[] {false, true}) {
                int[] sa = swap ? bShape : aShape, sb = swap ? aShape : bShape;
                agree(op + " " + java.util.Arrays.toString(sa) + " " + java.util.Arrays.toString(sb),
                        (b, s) -> b.binary(op, s[0], sa, s[1], sb, s[2], out),
                        swap ? bb : a, swap ? a : bb, new float[size(out)]);
            }
        }
    }

    private static float[] unaryInput(UnaryOp op, int n) {
        boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.POW;
        return positive ? uniform(n, n, 0.1, 2) : uniform(n, n, -4, 4);
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unary(UnaryOp op) {
        float param = op == UnaryOp.POW ? 2.5f : -0.75f;
        for (int n : ConformanceCases.lengths().toList()) {
            float[] x = unaryInput(op, n);
            agree(op + " n=" + n, (b, s) -> b.unary(op, s[0], s[1], n, param), x, new float[n]);
            agree(op + " in place n=" + n, (b, s) -> b.unary(op, s[0], s[0], n, param), x);
            float[] y = new float[n];
            for (int i = 0; i < n; i++) y[i] = op.apply(x[i], param);
            agree(op + " backward n=" + n, (b, s) -> b.unaryBackward(op, s[0], s[1], s[2], s[3], n, param),
                    x, y, rand(2, n), rand(3, n));
            agree(op + " backward overwriting n=" + n, (b, s) -> b.unaryBackward(op, s[0], s[1], s[2], s[3], n, param, false),
                    x, y, rand(2, n), rand(3, n));
            agree(op + " backward in place n=" + n, (b, s) -> b.unaryBackward(op, s[0], s[1], s[2], s[2], n, param, false),
                    x, y, rand(2, n));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#reduceShapes")
    void reduceSumTo(int[] src, int[] dst) {
        for (boolean acc : new boolean[] {false, true}) {
            ConformanceCheck.agree(ref, be, "reduceSumTo " + java.util.Arrays.toString(src) + " -> "
                            + java.util.Arrays.toString(dst) + " acc=" + acc, RTOL, ATOL_DOT,
                    (b, s) -> b.reduceSumTo(s[0], src, s[1], dst, acc), rand(1, size(src)), rand(2, size(dst)));
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void reduceAxis(boolean max) {
        for (int[] c : new int[][] {{1, 1, 1}, {3, 17, 5}, {2, 130, 1}, {1, 65, 33}, {4, 0, 3}, {0, 3, 3}}) {
            agree("reduceAxis max=" + max + " " + java.util.Arrays.toString(c),
                    (b, s) -> b.reduceAxis(max, s[0], s[1], c[0], c[1], c[2]), rand(1, c[0] * c[1] * c[2]),
                    new float[c[0] * c[2]]);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#lengths")
    void sumOfSquares(int n) {
        float[] x = rand(n, n);
        double expected = ref.sumOfSquares(ref.upload(x), n);
        assertEquals(expected, be.sumOfSquares(be.upload(x), n), 1e-6 + 1e-5 * expected, "sumOfSquares n=" + n);
    }

    // ---- normalization and softmax --------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#rows")
    void softmax(int rows, int cols) {
        for (boolean log : new boolean[] {false, true}) {
            float[] x = uniform(rows + cols, rows * cols, -8, 8);
            float[] y = new float[rows * cols];
            NaiveNorms.softmax(x, y, rows, cols, log);
            agree("softmax log=" + log, (b, s) -> b.softmax(s[0], s[1], rows, cols, log), x, new float[rows * cols]);
            agree("softmaxBackward log=" + log, (b, s) -> b.softmaxBackward(s[0], s[1], s[2], rows, cols, log),
                    y, rand(2, rows * cols), rand(3, rows * cols));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#rows")
    void layerNorm(int rows, int cols) {
        float[] x = uniform(rows, rows * cols, -2, 3), gamma = uniform(cols, cols, 0.5, 1.5), beta = rand(7, cols);
        for (boolean withBeta : new boolean[] {false, true}) {
            agree("layerNorm beta=" + withBeta, (b, s) -> b.layerNorm(s[0], s[1], withBeta ? s[2] : null, s[3], s[4], s[5],
                    rows, cols, 1e-5f), x, gamma, beta, new float[rows * cols], new float[rows], new float[rows]);
        }
        float[] mean = new float[rows], rstd = new float[rows];
        NaiveNorms.layerNorm(x, gamma, beta, new float[rows * cols], mean, rstd, rows, cols, 1e-5f);
        for (boolean params : new boolean[] {false, true}) {
            agree("layerNormBackward params=" + params, (b, s) -> b.layerNormBackward(s[0], s[1], s[2], s[3], s[4], s[5],
                            params ? s[6] : null, params ? s[7] : null, rows, cols),
                    x, gamma, mean, rstd, rand(4, rows * cols), rand(5, rows * cols), rand(6, cols), rand(7, cols));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#rows")
    void rmsNorm(int rows, int cols) {
        float[] x = uniform(rows, rows * cols, -2, 3), gamma = uniform(cols, cols, 0.5, 1.5);
        agree("rmsNorm", (b, s) -> b.rmsNorm(s[0], s[1], s[2], s[3], rows, cols, 1e-6f),
                x, gamma, new float[rows * cols], new float[rows]);
        float[] rstd = new float[rows];
        NaiveNorms.rmsNorm(x, gamma, new float[rows * cols], rstd, rows, cols, 1e-6f);
        for (boolean params : new boolean[] {false, true}) {
            agree("rmsNormBackward params=" + params, (b, s) -> b.rmsNormBackward(s[0], s[1], s[2], s[3], s[4],
                    params ? s[5] : null, rows, cols), x, gamma, rstd, rand(4, rows * cols), rand(5, rows * cols), rand(6, cols));
        }
    }

    // ---- embeddings and losses ------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#embeddingDims")
    void embedding(int dim) {
        int rows = 50;
        int[] ids = ints(dim, 300, 7);
        ids[0] = rows - 1;
        agreeExactly("embedding dim=" + dim, (b, s) -> b.embedding(s[0], ids, s[1], dim), rand(1, rows * dim),
                new float[ids.length * dim]);
        agree("embeddingBackward (repeated ids) dim=" + dim, (b, s) -> b.embeddingBackward(s[0], ids, s[1], dim),
                rand(2, ids.length * dim), rand(3, rows * dim));
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#classes")
    void crossEntropy(int rows, int classes) {
        int[] targets = ints(classes, rows, classes);
        if (rows > 2) targets[1] = -100;
        float[] logits = uniform(rows, rows * classes, -6, 6);
        for (float eps : new float[] {0f, 0.1f}) {
            agree("crossEntropy eps=" + eps, (b, s) -> b.crossEntropy(s[0], targets, s[1], s[2], rows, classes, -100, eps),
                    logits, new float[rows], new float[rows * classes]);
            float[] logProbs = new float[rows * classes];
            NaiveNorms.softmax(logits, logProbs, rows, classes, true);
            agree("crossEntropyBackward eps=" + eps, (b, s) -> b.crossEntropyBackward(s[0], targets, s[1], s[2],
                    rows, classes, -100, eps), logProbs, uniform(3, rows, 0, 2), rand(4, rows * classes));
        }
    }

    /**
     * The statistics path the cross-entropy op uses: each backend keeps its own statistics (the naive one the
     * log-probabilities, the cpu one a logsumexp per row), so losses, the accumulated gradient and the untouched
     * logits are compared, not the statistics. Logits up to ±30 with ignored rows, with and without smoothing.
     */
    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#classes")
    void crossEntropyWithStats(int rows, int classes) {
        int[] targets = ints(classes + 1, rows, classes);
        if (rows > 2) targets[1] = -100;
        float[] logits = uniform(rows + 7, rows * classes, -30, 30), gLoss = uniform(3, rows, 0, 2), g0 = rand(4, rows * classes);
        for (float eps : new float[] {0f, 0.1f}) {
            float[][] want = crossEntropyWithStats(ref, logits, targets, gLoss, g0, rows, classes, eps);
            float[][] got = crossEntropyWithStats(be, logits, targets, gLoss, g0, rows, classes, eps);
            String[] what = {"logits (unchanged)", "losses", "gLogits"};
            for (int i = 0; i < what.length; i++)
                ConformanceCheck.assertClose("crossEntropyWithStats eps=" + eps + " " + what[i], want[i], got[i], RTOL, ATOL);
            // written over, not added into: the old gradient (NaN here) must not be read, ignored rows come out 0
            float[] nan = new float[rows * classes];
            java.util.Arrays.fill(nan, Float.NaN);
            float[][] zeroStart = crossEntropyWithStats(ref, logits, targets, gLoss, new float[rows * classes], rows, classes, eps);
            float[][] written = crossEntropyWithStats(be, logits, targets, gLoss, nan, rows, classes, eps, false);
            ConformanceCheck.assertClose("crossEntropyWithStats eps=" + eps + " gLogits written", zeroStart[2], written[2], RTOL, ATOL);
        }
    }

    private static float[][] crossEntropyWithStats(Backend b, float[] logits, int[] targets, float[] gLoss, float[] g0,
                                                   int rows, int classes, float eps) {
        return crossEntropyWithStats(b, logits, targets, gLoss, g0, rows, classes, eps, true);
    }

    private static float[][] crossEntropyWithStats(Backend b, float[] logits, int[] targets, float[] gLoss, float[] g0,
                                                   int rows, int classes, float eps, boolean accumulate) {
        Storage x = b.upload(logits), losses = b.allocate(rows), stats = b.allocate(b.crossEntropyStatsSize(rows, classes));
        Storage gl = b.upload(gLoss), g = b.upload(g0);
        b.crossEntropyWithStats(x, targets, losses, stats, rows, classes, -100, eps);
        b.crossEntropyBackwardFromStats(x, stats, targets, gl, g, rows, classes, -100, eps, accumulate);
        return new float[][] {b.download(x), b.download(losses), b.download(g)};
    }

    // ---- attention ------------------------------------------------------------------------

    /** One attention case's geometry, sizes and masks (item 0's key mask all zero: rows that see nothing). */
    private record AttnSetup(AttentionSpec spec, int qSize, int kSize, int vSize, int[] mask, int[] segments) {
        static AttnSetup of(AttnCase c) {
            int hq = c.qHeads(), hkv = c.kvHeads(), d = c.headDim(), tq = c.tq(), tk = c.tk();
            AttentionSpec spec;
            int qSize, kSize, vSize;
            if (c.fused()) {  // one [B, max(tq, tk), (Hq + 2·Hkv)·D] projection
                int row = (hq + 2 * hkv) * d;
                spec = new AttentionSpec(c.batch(), hq, hkv, tq, tk, d, 0, row, hq * d, row, (hq + hkv) * d, row,
                        c.causal(), 0.3f);
                qSize = kSize = vSize = c.batch() * Math.max(tq, tk) * row;
            } else {
                spec = AttentionSpec.contiguous(c.batch(), hq, hkv, tq, tk, d, c.causal());
                qSize = c.batch() * tq * hq * d;
                kSize = vSize = c.batch() * tk * hkv * d;
            }
            if (c.window() > 0) spec = spec.withWindow(c.window());
            int[] mask = c.keyMask() ? ints(11, c.batch() * tk, 4) : null;
            if (mask != null) java.util.Arrays.fill(mask, 0, tk, 0);  // item 0 sees nothing: zero rows
            int[] segments = c.segments() ? new int[c.batch() * tk] : null;
            if (segments != null) for (int i = 0; i < segments.length; i++) segments[i] = (i % tk) * 3 / tk;
            return new AttnSetup(spec, qSize, kSize, vSize, mask, segments);
        }

        /** q, k, v, out, gOut, gq, gk, gv (the reference and the statistics storages are made by the call). */
        float[][] arrays() {
            return new float[][] {uniform(1, qSize, -2, 2), rand(2, kSize), rand(3, vSize), new float[spec.outSize()],
                    rand(4, spec.outSize()), rand(5, qSize), rand(6, kSize), rand(7, vSize)};
        }
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#attention")
    void attention(AttnCase c) {
        AttnSetup a = AttnSetup.of(c);
        AttentionSpec geometry = a.spec();
        Call forwardBackward = (b, s) -> {
            Storage q = s[0], k = c.fused() ? s[0] : s[1], v = c.fused() ? s[0] : s[2];
            b.attention(geometry, q, k, v, a.mask(), a.segments(), s[3], s[8]);
            Storage gq = s[5], gk = c.fused() ? s[5] : s[6], gv = c.fused() ? s[5] : s[7];
            b.attentionBackward(geometry, q, k, v, s[8], s[4], gq, gk, gv);
        };
        float[][] arrays = java.util.Arrays.copyOf(a.arrays(), 9);
        arrays[8] = new float[geometry.probsSize()];
        java.util.Arrays.fill(arrays[8], -7f);     // not a probability: a float attention leaves unwritten shows
        ConformanceCheck.agree(ref, be, c.toString(), RTOL, ATOL_DOT, forwardBackward, arrays);
    }

    /**
     * The statistics path the attention op uses (the cpu backend keeps a logsumexp per row and recomputes the
     * probabilities block by block in backward) against the reference's probability path: outputs, input
     * gradients and untouched inputs compared, the backend-private statistics not.
     */
    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#attention")
    void attentionWithStats(AttnCase c) {
        AttnSetup a = AttnSetup.of(c);
        float[][] want = attentionWithStats(ref, c, a), got = attentionWithStats(be, c, a);
        String[] what = {"q", "k", "v", "out", "gOut", "gq", "gk", "gv"};
        for (int i = 0; i < what.length; i++)
            ConformanceCheck.assertClose(c + " with stats: " + what[i], want[i], got[i], RTOL, ATOL_DOT);
    }

    private static float[][] attentionWithStats(Backend b, AttnCase c, AttnSetup a) {
        float[][] arrays = a.arrays();
        Storage[] s = new Storage[arrays.length];
        for (int i = 0; i < arrays.length; i++) s[i] = b.upload(arrays[i]);
        Storage q = s[0], k = c.fused() ? s[0] : s[1], v = c.fused() ? s[0] : s[2];
        Storage gq = s[5], gk = c.fused() ? s[5] : s[6], gv = c.fused() ? s[5] : s[7];
        Storage stats = b.allocate(b.attentionStatsSize(a.spec()));
        b.attentionWithStats(a.spec(), q, k, v, a.mask(), a.segments(), s[3], stats);
        b.attentionBackwardFromStats(a.spec(), q, k, v, a.mask(), a.segments(), stats, s[4], gq, gk, gv);
        float[][] out = new float[arrays.length][];
        for (int i = 0; i < arrays.length; i++) out[i] = b.download(s[i]);
        return out;
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#rope")
    void rope(int batch, int seq, int heads, int headDim, int pos, float theta, RopeScaling scaling) {
        int n = batch * seq * heads * headDim;
        float[] x = rand(n, n), freq = scaling.inverseFrequencies(headDim, theta, pos + seq);
        for (boolean inverse : new boolean[] {false, true}) {
            agree("rope " + scaling.kind() + " inverse=" + inverse,
                    (b, s) -> b.rope(s[0], s[1], batch, seq, heads, headDim, pos, freq, inverse), x, new float[n]);
        }
        Storage xs = be.upload(x), y = be.allocate(n), back = be.allocate(n);
        be.rope(xs, y, batch, seq, heads, headDim, pos, freq, false);
        be.rope(y, back, batch, seq, heads, headDim, pos, freq, true);
        ConformanceCheck.assertClose("rope then inverse rope", x, be.download(back), RTOL, ATOL);
    }

    // ---- randomness and optimizers --------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#lengths")
    void dropoutMask(int n) {
        for (float keep : new float[] {0.5f, 0.9f, 1f}) {
            agreeExactly("dropoutMask keep=" + keep + " n=" + n, (b, s) -> b.dropoutMask(s[0], n, keep, 42L + n), rand(1, n));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.kiln.api.backend.ConformanceCases#lengths")
    void adamw(int n) {
        for (long step : new long[] {1, 10}) {
            float wd = step == 1 ? 0f : 0.01f;
            agree("adamw step=" + step + " n=" + n, (b, s) -> b.adamw(s[0], s[1], s[2], s[3], n, 1e-3f, 0.9f, 0.999f,
                    1e-8f, wd, step), rand(1, n), rand(2, n), uniform(3, n, -0.1, 0.1), uniform(4, n, 0, 0.01));
        }
    }
}
