package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;

import java.util.Arrays;
import java.util.List;

/**
 * Blocked, packed single-precision GEMM (the BLIS / GotoBLAS loop nest):
 * C[M×N] (+)= alpha · op(A)[M×K] · op(B)[K×N] with leading dimensions, so attention can multiply
 * heads in place inside strided q / k / v. A KC×NC block of op(B) (KC: K in equal blocks, see
 * {@link #K_BLOCK}) is packed into nr-wide panels (shared by all threads), an MC×KC block of op(A)
 * into mr-tall panels (per thread); transposes only change how the packing reads, so every variant
 * runs the same micro-kernel ({@link Panels} lays them out).
 */
final class Gemm {
    private static final int NC = 2048;
    /**
     * Up to this many B panels per macro-kernel call A is read unpacked. On the bench models' shapes (AMD EPYC,
     * 2 threads, both builds alternating in one JVM) that took N = 128 products from 172–176 to 193–200 GFLOP/s and
     * weight gradients (A transposed, K = 1024) with N ≤ 256 up 8–28%; wider products stayed within ±4%.
     */
    private static final int UNPACKED_PANELS = 8;
    /**
     * K runs in as few equal blocks of at most K_BLOCK as it can: one B packing, one fan-out and one pass over C per
     * block. Against blocks of 256 (AMD EPYC, 2 threads, settings alternating in one JVM): GPT-2's product shapes
     * 7–15% faster with operands hot or evicted before each run, tiny's and small's K = 384 to 1024 products 2–14%,
     * small's LM-head input gradient (K = 8192) 8–10% (bench/JOURNAL.md, fifth and sixth sessions).
     */
    private static final int K_BLOCK = 1024;
    /**
     * ... except a product with n ≤ NARROW_N and m > TALL_M, whose blocks are at most NARROW_K_BLOCK unless
     * {@link #rowsAlias} packs its A: small's LM-head weight gradient (8192 × 256 × 1024, A read in place and
     * transposed with a 32 KiB row stride) took 25 ms in blocks of 256 and 31–34 ms in blocks of 512 to 1024. That
     * product is packed now, so no bench shape takes this rule any more.
     */
    private static final int NARROW_N = 512, TALL_M = 1024, NARROW_K_BLOCK = 256;
    /**
     * A transposed A read in place walks down its stored rows. Rows a multiple of ALIASING_STRIDE floats (16 KiB)
     * apart all fall into the same few cache sets (small's LM head, 32 KiB apart: 2 of a 1 MiB L2's 1,024), so the
     * micro-panel's lines evict each other; such an A is packed instead, in the usual K blocks. Small's LM-head weight
     * gradient: 143.8 → 165.6 GFLOP/s (bench/JOURNAL.md, twelfth session).
     */
    private static final int ALIASING_STRIDE = 4096;
    /**
     * The macro-kernel runs each A micro-panel against a group of B panels of at most B_GROUP_FLOATS (256 KiB, kept in
     * L2 while the micro-panel stays in L1), then the next micro-panel, group after group. A product then writes each
     * row of C in runs of a group's width, where one B panel against every micro-panel in turn wrote 6 × 32-float
     * pieces 96 rows apart: with K = 256 (each C tile written after only 256 steps) small's wide products ran 8–10%
     * faster, its whole steps about 3% with the packing of {@link #rowsAlias} (bench/JOURNAL.md, twelfth session).
     */
    private static final int B_GROUP_FLOATS = 64 * 1024;
    /**
     * The smallest chunk of mr row panels a thread claims (see {@link Parallel#guided}). Fixed row blocks handed
     * out one at a time left one thread idle for about half a block at the end of each fan-out (0.1–0.4 ms of a
     * 2–4 ms product on 2 threads); in shrinking chunks a small step's products ran 4–6% faster, its whole steps
     * about 2% (bench/JOURNAL.md, eleventh session).
     */
    private static final int MIN_CHUNK_PANELS = 2;

    private final MicroKernel kernel;
    private final RowDots rowDots;
    private final SwappedProduct swapped;
    private final Parallel par;
    private final int mr, nr, mc;
    private final Panels layout;
    private final ThreadLocal<float[]> packedA, packedB, edgeTile;
    private volatile FixedPanels fixed;     // inside a weightsFixed scope

    Gemm(MicroKernel kernel, Lanes lanes, Parallel par) {
        this.kernel = kernel;
        this.rowDots = new RowDots(lanes, par);
        this.swapped = new SwappedProduct(this, par);
        this.par = par;
        this.mr = kernel.mr();
        this.nr = kernel.nr();
        this.mc = mr * (96 / mr);
        this.layout = kernel.panels();
        this.packedA = ThreadLocal.withInitial(() -> new float[mc * K_BLOCK]);
        this.edgeTile = ThreadLocal.withInitial(() -> new float[mr * nr]);
        this.packedB = ThreadLocal.withInitial(() -> new float[0]);     // grown to the widest block a thread packs
    }

    /**
     * Until the scope closes, products (from any thread) by a transposed B that is one of weights keep its packed
     * panels from the second product by it on, up to budgetFloats in all, and multiply by them again; products of
     * more than {@link RowDots#FEW_ROWS} rows by such a B run here on the kept panels instead of as dot products or a
     * {@link SwappedProduct}.
     * Rollouts, GPT-2 124M on 2 threads, in one JVM: 8 rows 140–145 → 193–194 sampled tokens/s, 16 rows 166–169 →
     * 263–264, 32 rows 186–187 → 281–293, 64 rows 219–251 → 317–325 (bench/JOURNAL.md, sixteenth session). An inner
     * scope changes nothing.
     */
    Backend.Scope fixWeights(List<float[]> weights, long budgetFloats) {
        if (fixed != null) return () -> {};
        FixedPanels scope = new FixedPanels(weights, budgetFloats);
        fixed = scope;
        return () -> { if (fixed == scope) fixed = null; };
    }

    String description() { return kernel.description(); }

    MicroKernel kernel() { return kernel; }

    /**
     * a: op(A) [m,k], stored [m,k] (or [k,m] if transA) with row stride lda from ao;
     * b: op(B) [k,n], stored [k,n] (or [n,k] if transB) with row stride ldb from bo;
     * c: [m,n] with row stride ldc from co. parallel: fan out over the pool (false inside a task).
     */
    void run(boolean parallel, int m, int n, int k, float alpha,
             float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, boolean transB,
             float[] c, int co, int ldc, boolean accumulate) {
        run(parallel, m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, c, co, ldc, accumulate, null);
    }

    /**
     * {@link #run} with bias [n] (from index 0) added to every row of C; not with accumulate. The micro-kernel adds
     * the bias to a whole tile as it stores it (C written once, not copied in and read back: forward-only passes of the
     * bench shapes 0.2–3.7% faster in 7 of 7 runs, training level; bench/JOURNAL.md, thirteenth session); an edge
     * tile gets it as it is copied out.
     */
    void run(boolean parallel, int m, int n, int k, float alpha,
             float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, boolean transB,
             float[] c, int co, int ldc, boolean accumulate, float[] bias) {
        run(parallel, m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, c, co, ldc, accumulate, bias, null);
    }

    /**
     * {@link #run} on the calling thread alone, the row panels of its last block offered through tail to a thread
     * that has run out of work of its own ({@link SharedTail#help}); tail is closed when this returns.
     */
    void runSharingTail(SharedTail tail, int m, int n, int k, float alpha,
                        float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, boolean transB,
                        float[] c, int co, int ldc, boolean accumulate) {
        try {
            run(false, m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, c, co, ldc, accumulate, null, tail);
        } finally {
            tail.close();
        }
    }

    private void run(boolean parallel, int m, int n, int k, float alpha,
                     float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, boolean transB,
                     float[] c, int co, int ldc, boolean accumulate, float[] bias, SharedTail tail) {
        if (bias != null && accumulate) throw new IllegalArgumentException("a bias is added to a fresh product, not accumulated");
        if (m == 0 || n == 0) return;
        if (k == 0) {
            if (bias != null) for (int i = 0; i < m; i++) System.arraycopy(bias, 0, c, co + i * ldc, n);
            else if (!accumulate) for (int i = 0; i < m; i++) Arrays.fill(c, co + i * ldc, co + i * ldc + n, 0f);
            return;
        }
        FixedPanels fixedB = fixed;
        if (fixedB != null && !(transB && tail == null && fixedB.holds(b) && fixedB.seenBefore(b))) fixedB = null;
        if (tail == null && RowDots.takes(m, n, k, transA, transB) && (fixedB == null || m <= RowDots.FEW_ROWS)) {
            // a few rows by a large transposed B: read it once
            rowDots.run(parallel, m, n, k, alpha, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate, bias);
            return;
        }
        if (tail == null && fixedB == null && SwappedProduct.takes(m, n, k, transA, transB)) {
            // a few dozen rows by a large transposed B: read it once, where it lies
            swapped.run(parallel, m, n, k, alpha, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate, bias);
            return;
        }
        packed(parallel, m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, c, co, ldc, accumulate, bias, tail, fixedB);
    }

    /**
     * {@link #run} on this thread through the packed loop nest whatever the shape, never as dot products: the same
     * bits for a row of A or B wherever it falls ({@link SwappedProduct}'s slices of B).
     */
    void runPacked(int m, int n, int k, float alpha, float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb,
                   boolean transB, float[] c, int co, int ldc) {
        if (m == 0 || n == 0 || k == 0) throw new IllegalArgumentException("an empty product: " + m + " × " + n + " × " + k);
        packed(false, m, n, k, alpha, a, ao, lda, transA, b, bo, ldb, transB, c, co, ldc, false, null, null, null);
    }

    private void packed(boolean parallel, int m, int n, int k, float alpha,
                        float[] a, int ao, int lda, boolean transA, float[] b, int bo, int ldb, boolean transB,
                        float[] c, int co, int ldc, boolean accumulate, float[] bias, SharedTail tail, FixedPanels fixedB) {
        boolean fanOut = parallel && par.threads() > 1 && (long) m * n * k >= 32L * 32 * 32;
        int kMax = n <= NARROW_N && m > TALL_M && !rowsAlias(transA, lda) ? NARROW_K_BLOCK : K_BLOCK;
        int kBlocks = (k + kMax - 1) / kMax;
        int kBlock = (k + kBlocks - 1) / kBlocks;
        float[] scratch = packedB(kBlock * roundUp(Math.min(n, NC), nr));
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), panels = (nc + nr - 1) / nr;
            for (int pc = 0; pc < k; pc += kBlock) {
                int kc = Math.min(kBlock, k - pc);
                boolean add = accumulate || pc > 0;
                float[] start = pc == 0 ? bias : null;     // the first K block starts C from the bias
                int jc0 = jc, pc0 = pc;
                FixedPanels.Key key = fixedB == null ? null : new FixedPanels.Key(b, bo, ldb, n, k, kBlock, jc, pc);
                float[] kept = key == null ? null : fixedB.packed(key);
                float[] fresh = key == null || kept != null ? null : fixedB.reserve(kc * panels * nr);
                float[] bp = kept != null ? kept : fresh != null ? fresh : scratch;
                if (kept == null) {
                    if (fanOut) par.range(panels, packGrain(kc), (p0, p1) -> layout.packB(bp, b, bo, ldb, transB, pc0, kc, jc0, n, p0, p1));
                    else layout.packB(bp, b, bo, ldb, transB, pc, kc, jc, n, 0, panels);
                    if (fresh != null) fixedB.keep(key, fresh);
                }
                if (fanOut) {
                    int mPanels = (m + mr - 1) / mr, t = par.threads();
                    int mBlocks = (mPanels * mr + mc - 1) / mc;
                    mBlocks = Math.min(mPanels, (mBlocks + t - 1) / t * t);
                    int split = Math.max(1, Math.min(panels, (2 * t + mBlocks - 1) / mBlocks));
                    if (split == 1) {
                        // enough rows for every thread: whole mr panels in shrinking chunks, each chunk in even
                        // blocks of at most mc rows against every B panel
                        par.guided(mPanels, MIN_CHUNK_PANELS, (q0, q1) -> rowPanels(q0, q1, m, panels, n, kc, pc0, jc0,
                                alpha, a, ao, lda, transA, bp, c, co, ldc, add, start));
                    } else {
                        // too few row blocks to go round: each block also split over B's panels
                        int blocks = mBlocks;
                        par.each(blocks * split, task -> {
                            int ib = task / split, sp = task % split;
                            int i0 = mPanels * ib / blocks * mr, i1 = Math.min(m, mPanels * (ib + 1) / blocks * mr);
                            macro(i0, i1 - i0, panels * sp / split, panels * (sp + 1) / split, n, kc, pc0, jc0, alpha,
                                    a, ao, lda, transA, bp, c, co, ldc, add, start);
                        });
                    }
                } else if (tail != null && jc + nc >= n && pc + kc >= k) {
                    tail.offer((m + mr - 1) / mr, MIN_CHUNK_PANELS, (q0, q1) -> rowPanels(q0, q1, m, panels, n, kc, pc0, jc0,
                            alpha, a, ao, lda, transA, bp, c, co, ldc, add, start));
                } else {
                    for (int i0 = 0; i0 < m; i0 += mc) {
                        macro(i0, Math.min(mc, m - i0), 0, panels, n, kc, pc, jc, alpha, a, ao, lda, transA, bp, c, co, ldc, add,
                                start);
                    }
                }
            }
        }
    }

    // row panels [q0, q1) (mr rows each, the last cut at m) against every B panel, in even pieces of at most mc rows
    private void rowPanels(int q0, int q1, int m, int panels, int n, int kc, int pc, int jc, float alpha,
                           float[] a, int ao, int lda, boolean transA, float[] bp, float[] c, int co, int ldc, boolean add,
                           float[] start) {
        int pieces = ((q1 - q0) * mr + mc - 1) / mc;
        for (int piece = 0; piece < pieces; piece++) {
            int i0 = (q0 + (q1 - q0) * piece / pieces) * mr;
            int i1 = Math.min(m, (q0 + (q1 - q0) * (piece + 1) / pieces) * mr);
            macro(i0, i1 - i0, 0, panels, n, kc, pc, jc, alpha, a, ao, lda, transA, bp, c, co, ldc, add, start);
        }
    }

    // rows [i0, i0+mcur) (mcur <= mc) of A against B panels [p0, p1) of the packed KC×NC block; start: a bias
    // [n] that C starts from (first K block, add false), else null
    private void macro(int i0, int mcur, int p0, int p1, int n, int kc, int pc, int jc, float alpha,
                       float[] a, int ao, int lda, boolean transA, float[] bp, float[] c, int co, int ldc, boolean add,
                       float[] start) {
        if (p0 >= p1 || mcur <= 0) return;
        float[] ap = packedA.get(), tile = edgeTile.get();
        // against a few B panels, packing A costs more than it saves: A is read where it lies by full row panels
        // (a short last panel is still packed)
        boolean direct = kernel.readsUnpacked() && p1 - p0 <= UNPACKED_PANELS && !rowsAlias(transA, lda);
        int full = direct ? mcur / mr * mr : 0;
        layout.packA(ap, a, ao, lda, transA, i0 + full, mcur - full, pc, kc);
        int group = Math.max(1, B_GROUP_FLOATS / (kc * nr));
        for (int g0 = p0; g0 < p1; g0 += group) {
            for (int ir = 0; ir < mcur; ir += mr) {
                int mv = Math.min(mr, mcur - ir);
                for (int p = g0, g1 = Math.min(p1, g0 + group); p < g1; p++) {
                    int j = jc + p * nr, nv = Math.min(nr, n - j), bpo = p * kc * nr, ci = co + (i0 + ir) * ldc + j;
                    boolean whole = mv == mr && nv == nr;
                    float[] out = whole ? c : tile;
                    int oo = whole ? ci : 0, ldo = whole ? ldc : nr;
                    boolean addOut = whole && add, fromBias = whole && start != null;
                    if (ir < full) {
                        int aTile = ao + origin(i0 + ir, pc, lda, transA);
                        if (fromBias) kernel.runUnpackedFromBias(transA, kc, a, aTile, lda, bp, bpo, out, oo, ldo, alpha, start, j);
                        else kernel.runUnpacked(transA, kc, a, aTile, lda, bp, bpo, out, oo, ldo, alpha, addOut);
                    } else {
                        if (fromBias) kernel.runFromBias(kc, ap, (ir - full) * kc, bp, bpo, out, oo, ldo, alpha, start, j);
                        else kernel.run(kc, ap, (ir - full) * kc, bp, bpo, out, oo, ldo, alpha, addOut);
                    }
                    if (!whole) copyEdge(tile, mv, nv, c, ci, ldc, add, start, j);
                }
            }
        }
    }

    // an edge tile's mv × nv corner from the scratch tile into C at ci: added to C (add), else to the bias's columns
    // from j (start), else as it is
    private void copyEdge(float[] tile, int mv, int nv, float[] c, int ci, int ldc, boolean add, float[] start, int j) {
        for (int i = 0; i < mv; i++) {
            for (int jj = 0; jj < nv; jj++) {
                float v = tile[i * nr + jj];
                c[ci + i * ldc + jj] = add ? c[ci + i * ldc + jj] + v : start != null ? start[j + jj] + v : v;
            }
        }
    }

    // A transposed, read in place, with rows a multiple of ALIASING_STRIDE apart
    private static boolean rowsAlias(boolean transA, int lda) { return transA && lda % ALIASING_STRIDE == 0; }

    /**
     * B panels per thread when packing fans out: at least PACK_GRAIN_FLOATS floats each. Eight panels regardless of
     * K kept a weight gradient's B (X [1024, 128]: four panels of 32 Ki floats) on one thread while the other waited,
     * 15% of that product's time (128 × 128 × 1024).
     */
    private int packGrain(int kc) { return Math.max(1, PACK_GRAIN_FLOATS / (kc * nr)); }

    private static final int PACK_GRAIN_FLOATS = 1 << 16;

    private float[] packedB(int floats) {
        float[] bp = packedB.get();
        if (bp.length < floats) packedB.set(bp = new float[floats]);
        return bp;
    }

    private static int roundUp(int x, int multiple) { return (x + multiple - 1) / multiple * multiple; }

    // where op(A)[i, p] lies relative to ao
    private static int origin(int i, int p, int lda, boolean transA) {
        return transA ? p * lda + i : i * lda + p;
    }

    /** op(B) [k, n] (stored [n, k] if transB, row stride ldb, from bo) as ceil(n/nr) panels of [k][nr] from bp[0], zero past column n: what the micro-kernel reads. */
    void packPanels(float[] bp, float[] b, int bo, int ldb, boolean transB, int k, int n) {
        layout.packB(bp, b, bo, ldb, transB, 0, k, 0, n, 0, (n + nr - 1) / nr);
    }
}
