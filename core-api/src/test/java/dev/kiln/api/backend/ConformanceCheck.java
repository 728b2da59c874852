package dev.kiln.api.backend;

import dev.kiln.api.tensor.Storage;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs one primitive on the reference and on the backend under test with identical inputs and
 * compares every storage afterwards (outputs, accumulators, and inputs that must stay untouched).
 */
final class ConformanceCheck {
    private ConformanceCheck() {}

    /** A primitive call over storages uploaded from the arrays given to {@link #agree}, in order. */
    @FunctionalInterface
    interface Call {
        void run(Backend b, Storage[] s);
    }

    static void agree(Backend ref, Backend test, String what, double rtol, double atol, Call call, float[]... arrays) {
        Storage[] rs = upload(ref, arrays), ts = upload(test, arrays);
        call.run(ref, rs);
        call.run(test, ts);
        for (int i = 0; i < arrays.length; i++) {
            assertClose(what + ", storage #" + i, ref.download(rs[i]), test.download(ts[i]), rtol, atol);
        }
    }

    private static Storage[] upload(Backend b, float[][] arrays) {
        Storage[] s = new Storage[arrays.length];
        for (int i = 0; i < arrays.length; i++) s[i] = b.upload(arrays[i]);
        return s;
    }

    /** Per element |actual − expected| ≤ atol + rtol·|expected|; non-finite values must match exactly. */
    static void assertClose(String what, float[] expected, float[] actual, double rtol, double atol) {
        if (expected.length != actual.length)
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i], a = actual[i];
            boolean ok = Float.isFinite(e) ? Math.abs(a - e) <= atol + rtol * Math.abs(e) : Float.compare(e, a) == 0;
            if (!ok) fail(what + ": element " + i + " is " + a + ", expected " + e
                    + " (|diff| " + Math.abs(a - e) + ", rtol " + rtol + ", atol " + atol + ")");
        }
    }

    /** n values uniform in [lo, hi), reproducible from seed. */
    static float[] uniform(long seed, int n, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    static float[] rand(long seed, int n) { return uniform(seed, n, -1, 1); }

    /** Small integers in [0, bound): ties for EQ / MAXIMUM, ids. */
    static int[] ints(long seed, int n, int bound) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] x = new int[n];
        for (int i = 0; i < n; i++) x[i] = r.nextInt(bound);
        return x;
    }

    static float[] toFloats(int[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i];
        return y;
    }

    static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
