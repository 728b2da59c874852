package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 6 × (2·lanes) Vector API micro-kernel (6 × 16 on AVX2): twelve accumulators, two B vectors
 * and one broadcast A value live in registers across the whole kc loop. Loaded only when the
 * incubator module is present.
 * <p>
 * Every loaded and computed vector is cast to its class ({@link ExactVector}): in a JVM whose other code used the
 * Vector API at another shape, JDK 17's C2 without {@code ./kiln}'s JIT flags otherwise boxed the accumulators, and
 * every product ran at half speed (small's step products 75–78 → 143–173 GFLOP/s; bench/JOURNAL.md, nineteenth
 * session). Three loops, three methods, each with its own stores: a vector passed to a call C2 does not inline is
 * boxed, and with the casts both unpacked loops in one method were more than C1 could compile ("out of virtual
 * registers"): it ran C1's tier-2 code, the Vector API's boxing Java fallback, for the rest of a four-minute test.
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), MR = 6, NR = 2 * L;
    private static final Class<? extends FloatVector> F = ExactVector.CLASS;

    static MicroKernel create() { return new VectorMicroKernel(); }

    @Override
    public int mr() { return MR; }

    @Override
    public int nr() { return NR; }

    @Override
    public Panels panels() { return new VectorPanels(MR, NR); }

    @Override
    public String description() { return "Vector API " + MR + "x" + NR + " (" + S.vectorBitSize() + "-bit)"; }

    @Override
    public void run(int kc, float[] ap, int apo, float[] bp, int bpo, float[] c, int co, int ldc,
                    float alpha, boolean add) {
        packed(kc, ap, apo, bp, bpo, c, co, ldc, alpha, add, null, 0);
    }

    /** The bias's two vectors added as the accumulators are stored: no copy into C first, no read of C back. */
    @Override
    public void runFromBias(int kc, float[] ap, int apo, float[] bp, int bpo, float[] c, int co, int ldc, float alpha,
                            float[] bias, int bo) {
        packed(kc, ap, apo, bp, bpo, c, co, ldc, alpha, false, bias, bo);
    }

    // bias: added at the store instead of C (with add false), else null
    private static void packed(int kc, float[] ap, int apo, float[] bp, int bpo, float[] c, int co, int ldc,
                               float alpha, boolean add, float[] bias, int bo) {
        FloatVector c00 = F.cast(FloatVector.zero(S)), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        // indices linear in the loop counter, so C2 hoists the range checks out of the loop
        for (int p = 0; p < kc; p++) {
            int a = apo + p * MR, b = bpo + p * NR;
            FloatVector b0 = F.cast(FloatVector.fromArray(S, bp, b));
            FloatVector b1 = F.cast(FloatVector.fromArray(S, bp, b + L));
            FloatVector x = F.cast(FloatVector.broadcast(S, ap[a]));
            c00 = F.cast(x.fma(b0, c00));
            c01 = F.cast(x.fma(b1, c01));
            x = F.cast(FloatVector.broadcast(S, ap[a + 1]));
            c10 = F.cast(x.fma(b0, c10));
            c11 = F.cast(x.fma(b1, c11));
            x = F.cast(FloatVector.broadcast(S, ap[a + 2]));
            c20 = F.cast(x.fma(b0, c20));
            c21 = F.cast(x.fma(b1, c21));
            x = F.cast(FloatVector.broadcast(S, ap[a + 3]));
            c30 = F.cast(x.fma(b0, c30));
            c31 = F.cast(x.fma(b1, c31));
            x = F.cast(FloatVector.broadcast(S, ap[a + 4]));
            c40 = F.cast(x.fma(b0, c40));
            c41 = F.cast(x.fma(b1, c41));
            x = F.cast(FloatVector.broadcast(S, ap[a + 5]));
            c50 = F.cast(x.fma(b0, c50));
            c51 = F.cast(x.fma(b1, c51));
        }
        FloatVector al = F.cast(FloatVector.broadcast(S, alpha));
        if (add) {
            int o = co;
            F.cast(c00.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c01.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c11.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c21.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c31.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c41.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c51.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
        } else if (bias != null) {
            FloatVector z0 = F.cast(FloatVector.fromArray(S, bias, bo));
            FloatVector z1 = F.cast(FloatVector.fromArray(S, bias, bo + L));
            int o = co;
            F.cast(c00.fma(al, z0)).intoArray(c, o);
            F.cast(c01.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.fma(al, z0)).intoArray(c, o);
            F.cast(c11.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.fma(al, z0)).intoArray(c, o);
            F.cast(c21.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.fma(al, z0)).intoArray(c, o);
            F.cast(c31.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.fma(al, z0)).intoArray(c, o);
            F.cast(c41.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.fma(al, z0)).intoArray(c, o);
            F.cast(c51.fma(al, z1)).intoArray(c, o + L);
        } else {
            int o = co;
            F.cast(c00.mul(al)).intoArray(c, o);
            F.cast(c01.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.mul(al)).intoArray(c, o);
            F.cast(c11.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.mul(al)).intoArray(c, o);
            F.cast(c21.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.mul(al)).intoArray(c, o);
            F.cast(c31.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.mul(al)).intoArray(c, o);
            F.cast(c41.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.mul(al)).intoArray(c, o);
            F.cast(c51.mul(al)).intoArray(c, o + L);
        }
    }

    @Override
    public boolean readsUnpacked() { return true; }

    @Override
    public void runUnpacked(boolean transA, int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c, int co,
                            int ldc, float alpha, boolean add) {
        if (transA) tileColumns(kc, a, ao, lda, bp, bpo, c, co, ldc, alpha, add, null, 0);
        else tileRows(kc, a, ao, lda, bp, bpo, c, co, ldc, alpha, add, null, 0);
    }

    @Override
    public void runUnpackedFromBias(boolean transA, int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c,
                                    int co, int ldc, float alpha, float[] bias, int bo) {
        if (transA) tileColumns(kc, a, ao, lda, bp, bpo, c, co, ldc, alpha, false, bias, bo);
        else tileRows(kc, a, ao, lda, bp, bpo, c, co, ldc, alpha, false, bias, bo);
    }

    // A read where it lies, (r, p) at a[ao + r·lda + p]: six row streams
    private static void tileRows(int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c, int co,
                                 int ldc, float alpha, boolean add, float[] bias, int bo) {
        FloatVector c00 = F.cast(FloatVector.zero(S)), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        // indices linear in the loop counter: C2 hoists the range checks
        int r0 = ao, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
        for (int p = 0; p < kc; p++) {
            int b = bpo + p * NR;
            FloatVector b0 = F.cast(FloatVector.fromArray(S, bp, b));
            FloatVector b1 = F.cast(FloatVector.fromArray(S, bp, b + L));
            FloatVector x = F.cast(FloatVector.broadcast(S, a[r0 + p]));
            c00 = F.cast(x.fma(b0, c00));
            c01 = F.cast(x.fma(b1, c01));
            x = F.cast(FloatVector.broadcast(S, a[r1 + p]));
            c10 = F.cast(x.fma(b0, c10));
            c11 = F.cast(x.fma(b1, c11));
            x = F.cast(FloatVector.broadcast(S, a[r2 + p]));
            c20 = F.cast(x.fma(b0, c20));
            c21 = F.cast(x.fma(b1, c21));
            x = F.cast(FloatVector.broadcast(S, a[r3 + p]));
            c30 = F.cast(x.fma(b0, c30));
            c31 = F.cast(x.fma(b1, c31));
            x = F.cast(FloatVector.broadcast(S, a[r4 + p]));
            c40 = F.cast(x.fma(b0, c40));
            c41 = F.cast(x.fma(b1, c41));
            x = F.cast(FloatVector.broadcast(S, a[r5 + p]));
            c50 = F.cast(x.fma(b0, c50));
            c51 = F.cast(x.fma(b1, c51));
        }
        FloatVector al = F.cast(FloatVector.broadcast(S, alpha));
        if (add) {
            int o = co;
            F.cast(c00.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c01.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c11.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c21.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c31.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c41.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c51.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
        } else if (bias != null) {
            FloatVector z0 = F.cast(FloatVector.fromArray(S, bias, bo));
            FloatVector z1 = F.cast(FloatVector.fromArray(S, bias, bo + L));
            int o = co;
            F.cast(c00.fma(al, z0)).intoArray(c, o);
            F.cast(c01.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.fma(al, z0)).intoArray(c, o);
            F.cast(c11.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.fma(al, z0)).intoArray(c, o);
            F.cast(c21.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.fma(al, z0)).intoArray(c, o);
            F.cast(c31.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.fma(al, z0)).intoArray(c, o);
            F.cast(c41.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.fma(al, z0)).intoArray(c, o);
            F.cast(c51.fma(al, z1)).intoArray(c, o + L);
        } else {
            int o = co;
            F.cast(c00.mul(al)).intoArray(c, o);
            F.cast(c01.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.mul(al)).intoArray(c, o);
            F.cast(c11.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.mul(al)).intoArray(c, o);
            F.cast(c21.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.mul(al)).intoArray(c, o);
            F.cast(c31.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.mul(al)).intoArray(c, o);
            F.cast(c41.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.mul(al)).intoArray(c, o);
            F.cast(c51.mul(al)).intoArray(c, o + L);
        }
    }

    // A read where it lies and stored transposed, (r, p) at a[ao + p·lda + r]
    private static void tileColumns(int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c, int co,
                                    int ldc, float alpha, boolean add, float[] bias, int bo) {
        FloatVector c00 = F.cast(FloatVector.zero(S)), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            int q = ao + p * lda, b = bpo + p * NR;
            FloatVector b0 = F.cast(FloatVector.fromArray(S, bp, b));
            FloatVector b1 = F.cast(FloatVector.fromArray(S, bp, b + L));
            FloatVector x = F.cast(FloatVector.broadcast(S, a[q]));
            c00 = F.cast(x.fma(b0, c00));
            c01 = F.cast(x.fma(b1, c01));
            x = F.cast(FloatVector.broadcast(S, a[q + 1]));
            c10 = F.cast(x.fma(b0, c10));
            c11 = F.cast(x.fma(b1, c11));
            x = F.cast(FloatVector.broadcast(S, a[q + 2]));
            c20 = F.cast(x.fma(b0, c20));
            c21 = F.cast(x.fma(b1, c21));
            x = F.cast(FloatVector.broadcast(S, a[q + 3]));
            c30 = F.cast(x.fma(b0, c30));
            c31 = F.cast(x.fma(b1, c31));
            x = F.cast(FloatVector.broadcast(S, a[q + 4]));
            c40 = F.cast(x.fma(b0, c40));
            c41 = F.cast(x.fma(b1, c41));
            x = F.cast(FloatVector.broadcast(S, a[q + 5]));
            c50 = F.cast(x.fma(b0, c50));
            c51 = F.cast(x.fma(b1, c51));
        }
        FloatVector al = F.cast(FloatVector.broadcast(S, alpha));
        if (add) {
            int o = co;
            F.cast(c00.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c01.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c11.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c21.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c31.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c41.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.fma(al, F.cast(FloatVector.fromArray(S, c, o)))).intoArray(c, o);
            F.cast(c51.fma(al, F.cast(FloatVector.fromArray(S, c, o + L)))).intoArray(c, o + L);
        } else if (bias != null) {
            FloatVector z0 = F.cast(FloatVector.fromArray(S, bias, bo));
            FloatVector z1 = F.cast(FloatVector.fromArray(S, bias, bo + L));
            int o = co;
            F.cast(c00.fma(al, z0)).intoArray(c, o);
            F.cast(c01.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.fma(al, z0)).intoArray(c, o);
            F.cast(c11.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.fma(al, z0)).intoArray(c, o);
            F.cast(c21.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.fma(al, z0)).intoArray(c, o);
            F.cast(c31.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.fma(al, z0)).intoArray(c, o);
            F.cast(c41.fma(al, z1)).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.fma(al, z0)).intoArray(c, o);
            F.cast(c51.fma(al, z1)).intoArray(c, o + L);
        } else {
            int o = co;
            F.cast(c00.mul(al)).intoArray(c, o);
            F.cast(c01.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c10.mul(al)).intoArray(c, o);
            F.cast(c11.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c20.mul(al)).intoArray(c, o);
            F.cast(c21.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c30.mul(al)).intoArray(c, o);
            F.cast(c31.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c40.mul(al)).intoArray(c, o);
            F.cast(c41.mul(al)).intoArray(c, o + L);
            o += ldc;
            F.cast(c50.mul(al)).intoArray(c, o);
            F.cast(c51.mul(al)).intoArray(c, o + L);
        }
    }
}
