package dev.kiln.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane reductions and exp whose results do not depend on how the JVM runs them. The Vector API's
 * {@code reduceLanes(ADD)} may add lanes in any order and its lanewise {@code EXP} is SVML's when
 * C2 compiles it but {@code Math.exp} per lane before; the switch happens at a moment the JIT picks,
 * so two identical runs differed in the last bits (and a resumed run from an uninterrupted one).
 * Here every step is one IEEE add, multiply or fused multiply-add, the same in the interpreter, C1
 * and C2: the lane sum is a fixed butterfly, and exp is a range reduction plus a polynomial whose
 * scalar twin ({@link #exp(float)}) gives bit-identical results for the tails of a row.
 */
final class FixedOrderMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private FixedOrderMath() {}

    /**
     * Σ of the lanes, as halves added pairwise (lane i + lane i + L/2, then + L/4, ...), on the host. Vectors of
     * 4, 8 and 16 lanes are read lane by lane ({@code lane(i)}, a register extract): about 2.5× faster than the
     * store to a thread's array this did before (JDK 17 and 25, 16 lanes); a rearrange by a shuffle is not
     * intrinsified on JDK 17 and allocates on every call. Each length has a method of its own, so the one C2
     * inlines (the length is a constant where it compiles) stays small.
     */
    static float sum(FloatVector v) {
        int n = v.length();
        return n == 16 ? sum16(v) : n == 8 ? sum8(v) : n == 4 ? sum4(v) : sumThroughArray(v);
    }

    private static float sum4(FloatVector v) {
        return (v.lane(0) + v.lane(2)) + (v.lane(1) + v.lane(3));
    }

    private static float sum8(FloatVector v) {
        float a0 = v.lane(0) + v.lane(4), a1 = v.lane(1) + v.lane(5), a2 = v.lane(2) + v.lane(6), a3 = v.lane(3) + v.lane(7);
        return (a0 + a2) + (a1 + a3);
    }

    private static float sum16(FloatVector v) {
        float a0 = v.lane(0) + v.lane(8), a1 = v.lane(1) + v.lane(9), a2 = v.lane(2) + v.lane(10), a3 = v.lane(3) + v.lane(11);
        float a4 = v.lane(4) + v.lane(12), a5 = v.lane(5) + v.lane(13), a6 = v.lane(6) + v.lane(14), a7 = v.lane(7) + v.lane(15);
        a0 += a4;
        a1 += a5;
        a2 += a6;
        a3 += a7;
        return (a0 + a2) + (a1 + a3);
    }

    // wider vectors (SVE past 512 bits): the same order through an array
    private static float sumThroughArray(FloatVector v) {
        float[] a = v.toArray();
        for (int h = a.length / 2; h >= 1; h >>= 1)
            for (int i = 0; i < h; i++) a[i] += a[i + h];
        return a[0];
    }

    // exp(x) = 2^n · e^r with n = round(x / ln 2), r = x − n·ln 2 in [−ln2/2, ln2/2]; e^r by Cephes' expf polynomial
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;                        // 1.5·2^23: adding it rounds to an integer
    private static final float MAX_X = 88.72283905206835f, MIN_X = -104f; // e^MAX_X is about Float.MAX_VALUE; e^−104 rounds to 0
    private static final float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f,
            P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * e^x lanewise, within 2 ulp of the true value for normal results; +∞ above 88.72, 0 below −104, NaN for NaN.
     * Every intermediate is cast to its class (ExactVector). In four methods, each under the 325 bytes of bytecode C2
     * inlines on its own where a call is hot ({@code FreqInlineSize}): in one, 523 bytes, it stayed a call unless the
     * JVM was told to inline it ({@code CompileCommand}), and each vector crossing the call was boxed.
     */
    static FloatVector exp(FloatVector x) {
        x = F.cast(x);
        FloatVector c = F.cast(F.cast(x.max(MIN_X)).min(MAX_X));
        FloatVector t = F.cast(c.fma(LOG2E, ROUND));                     // round(c·log2 e) + 1.5·2^23
        return scaled(polynomial(reduced(t, c)), t, x);
    }

    // r = c − n·ln 2 in two parts, n = t − 1.5·2^23: in [−ln2/2, ln2/2]
    private static FloatVector reduced(FloatVector t, FloatVector c) {
        FloatVector n = F.cast(F.cast(t).sub(ROUND));
        FloatVector r = F.cast(n.fma(FloatVector.broadcast(S, -LN2_HI), F.cast(c)));
        return F.cast(n.fma(FloatVector.broadcast(S, -LN2_LO), r));
    }

    // e^r ≈ 1 + r + r²·P(r)
    private static FloatVector polynomial(FloatVector r) {
        r = F.cast(r);
        FloatVector p = F.cast(r.fma(P0, P1));
        p = F.cast(p.fma(r, FloatVector.broadcast(S, P2)));
        p = F.cast(p.fma(r, FloatVector.broadcast(S, P3)));
        p = F.cast(p.fma(r, FloatVector.broadcast(S, P4)));
        p = F.cast(p.fma(r, FloatVector.broadcast(S, P5)));
        return F.cast(F.cast(F.cast(p.mul(F.cast(r.mul(r)))).add(r)).add(1f));
    }

    // p·2^n, n read back from t's low bits, as two normal factors (no overflow before the last); +∞ where x > MAX_X
    private static FloatVector scaled(FloatVector p, FloatVector t, FloatVector x) {
        IntVector k = I.cast(I.cast(F.cast(t).reinterpretAsInts()).sub(ROUND_BITS)); // n as an int in [−150, 128]
        IntVector half = I.cast(k.lanewise(VectorOperators.ASHR, 1));
        FloatVector s1 = F.cast(I.cast(I.cast(half.add(127)).lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats());
        FloatVector s2 = F.cast(I.cast(I.cast(I.cast(k.sub(half)).add(127)).lanewise(VectorOperators.LSHL, 23)).reinterpretAsFloats());
        FloatVector e = F.cast(F.cast(F.cast(p).mul(s1)).mul(s2));
        return F.cast(e.blend(Float.POSITIVE_INFINITY, F.cast(x).compare(VectorOperators.GT, MAX_X)));
    }

    private static final Class<? extends FloatVector> F = ExactVector.CLASS;
    private static final Class<? extends IntVector> I = ExactVector.INTS;

    /** The scalar twin of {@link #exp(FloatVector)}: the same operations, so the same bits. */
    static float exp(float x) {
        if (x != x) return x;
        float c = Math.min(Math.max(x, MIN_X), MAX_X);
        float t = Math.fma(c, LOG2E, ROUND);
        float n = t - ROUND;
        float r = Math.fma(n, -LN2_HI, c);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(r, P0, P1), r, P2), r, P3), r, P4), r, P5);
        p = p * (r * r) + r + 1f;
        int k = Float.floatToRawIntBits(t) - ROUND_BITS;
        int half = k >> 1;
        float e = p * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((k - half + 127) << 23);
        return x > MAX_X ? Float.POSITIVE_INFINITY : e;
    }
}
