package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A 6 × (2·lanes) Vector API micro-kernel (6 × 16 on AVX2): twelve accumulators, two B vectors
 * and one broadcast A value live in registers across the whole kc loop. Loaded only when the
 * incubator module is present.
 */
final class VectorMicroKernel implements MicroKernel {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length(), MR = 6, NR = 2 * L;

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
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        // indices linear in the loop counter, so C2 hoists the range checks out of the loop
        for (int p = 0; p < kc; p++) {
            int a = apo + p * MR, b = bpo + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector x = FloatVector.broadcast(S, ap[a]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[a + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[a + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        {
            FloatVector al = FloatVector.broadcast(S, alpha);
            if (add) {
                int o = co;
                c00.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c01.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c10.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c11.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c20.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c21.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c30.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c31.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c40.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c41.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c50.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c51.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
            } else if (bias != null) {
                FloatVector z0 = FloatVector.fromArray(S, bias, bo), z1 = FloatVector.fromArray(S, bias, bo + L);
                int o = co;
                c00.fma(al, z0).intoArray(c, o);
                c01.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c10.fma(al, z0).intoArray(c, o);
                c11.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c20.fma(al, z0).intoArray(c, o);
                c21.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c30.fma(al, z0).intoArray(c, o);
                c31.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c40.fma(al, z0).intoArray(c, o);
                c41.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c50.fma(al, z0).intoArray(c, o);
                c51.fma(al, z1).intoArray(c, o + L);
            } else {
                int o = co;
                c00.mul(al).intoArray(c, o);
                c01.mul(al).intoArray(c, o + L);
                o += ldc;
                c10.mul(al).intoArray(c, o);
                c11.mul(al).intoArray(c, o + L);
                o += ldc;
                c20.mul(al).intoArray(c, o);
                c21.mul(al).intoArray(c, o + L);
                o += ldc;
                c30.mul(al).intoArray(c, o);
                c31.mul(al).intoArray(c, o + L);
                o += ldc;
                c40.mul(al).intoArray(c, o);
                c41.mul(al).intoArray(c, o + L);
                o += ldc;
                c50.mul(al).intoArray(c, o);
                c51.mul(al).intoArray(c, o + L);
            }
            return;
        }
    }

    @Override
    public boolean readsUnpacked() { return true; }

    @Override
    public void runUnpacked(boolean transA, int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c, int co,
                            int ldc, float alpha, boolean add) {
        tile(!transA, kc, a, ao, lda, bp, bpo, c, co, ldc, alpha, add, null, 0);
    }

    @Override
    public void runUnpackedFromBias(boolean transA, int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c,
                                    int co, int ldc, float alpha, float[] bias, int bo) {
        tile(!transA, kc, a, ao, lda, bp, bpo, c, co, ldc, alpha, false, bias, bo);
    }

    // both unpacked layouts in one method, so the accumulators never leave it (a vector passed to a call that C2
    // does not inline is boxed) while the packed loop keeps a method, and C2's inlining budget, of its own
    // (with all three loops in one method TrainingStepAllocationTest saw the steps allocate again); for the same
    // reason both methods spell out their three stores (accumulate, from a bias, fresh): rows: (r, p) at
    // a[ao + r·lda + p]; else a[ao + p·lda + r]
    private static void tile(boolean rows, int kc, float[] a, int ao, int lda, float[] bp, int bpo, float[] c, int co,
                             int ldc, float alpha, boolean add, float[] bias, int bo) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        if (rows) {                               // indices linear in p: C2 hoists the range checks
            int r0 = ao, r1 = r0 + lda, r2 = r1 + lda, r3 = r2 + lda, r4 = r3 + lda, r5 = r4 + lda;
            for (int p = 0; p < kc; p++) {
                int b = bpo + p * NR;
                FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
                FloatVector x = FloatVector.broadcast(S, a[r0 + p]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(S, a[r1 + p]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(S, a[r2 + p]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(S, a[r3 + p]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
                x = FloatVector.broadcast(S, a[r4 + p]);
                c40 = x.fma(b0, c40);
                c41 = x.fma(b1, c41);
                x = FloatVector.broadcast(S, a[r5 + p]);
                c50 = x.fma(b0, c50);
                c51 = x.fma(b1, c51);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int q = ao + p * lda, b = bpo + p * NR;
                FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
                FloatVector x = FloatVector.broadcast(S, a[q]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                x = FloatVector.broadcast(S, a[q + 1]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                x = FloatVector.broadcast(S, a[q + 2]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                x = FloatVector.broadcast(S, a[q + 3]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
                x = FloatVector.broadcast(S, a[q + 4]);
                c40 = x.fma(b0, c40);
                c41 = x.fma(b1, c41);
                x = FloatVector.broadcast(S, a[q + 5]);
                c50 = x.fma(b0, c50);
                c51 = x.fma(b1, c51);
            }
        }
        {
            FloatVector al = FloatVector.broadcast(S, alpha);
            if (add) {
                int o = co;
                c00.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c01.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c10.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c11.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c20.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c21.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c30.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c31.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c40.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c41.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
                o += ldc;
                c50.fma(al, FloatVector.fromArray(S, c, o)).intoArray(c, o);
                c51.fma(al, FloatVector.fromArray(S, c, o + L)).intoArray(c, o + L);
            } else if (bias != null) {
                FloatVector z0 = FloatVector.fromArray(S, bias, bo), z1 = FloatVector.fromArray(S, bias, bo + L);
                int o = co;
                c00.fma(al, z0).intoArray(c, o);
                c01.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c10.fma(al, z0).intoArray(c, o);
                c11.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c20.fma(al, z0).intoArray(c, o);
                c21.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c30.fma(al, z0).intoArray(c, o);
                c31.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c40.fma(al, z0).intoArray(c, o);
                c41.fma(al, z1).intoArray(c, o + L);
                o += ldc;
                c50.fma(al, z0).intoArray(c, o);
                c51.fma(al, z1).intoArray(c, o + L);
            } else {
                int o = co;
                c00.mul(al).intoArray(c, o);
                c01.mul(al).intoArray(c, o + L);
                o += ldc;
                c10.mul(al).intoArray(c, o);
                c11.mul(al).intoArray(c, o + L);
                o += ldc;
                c20.mul(al).intoArray(c, o);
                c21.mul(al).intoArray(c, o + L);
                o += ldc;
                c30.mul(al).intoArray(c, o);
                c31.mul(al).intoArray(c, o + L);
                o += ldc;
                c40.mul(al).intoArray(c, o);
                c41.mul(al).intoArray(c, o + L);
                o += ldc;
                c50.mul(al).intoArray(c, o);
                c51.mul(al).intoArray(c, o + L);
            }
            return;
        }
    }
}
