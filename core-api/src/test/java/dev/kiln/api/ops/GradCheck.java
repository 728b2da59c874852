package dev.kiln.api.ops;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Gradient check by central finite differences, for any differentiable op or model built on
 * {@link Tensor}.
 *
 * <p>The function under test is a {@code Supplier<Tensor>} that reads the input tensors it
 * captured; GradCheck perturbs those inputs in place. It draws a fixed random projection r (one
 * N(0, 1) value per output element) and compares, for every checked input element x_i:
 * <ul>
 *   <li>analytic: the gradient left in x by {@code y.backward(r)}, i.e. (Jᵀr)_i;</li>
 *   <li>numeric: (L(x_i + h) − L(x_i − h)) / (x_i⁺ − x_i⁻), with L(x) = Σ r ⊙ f(x) summed in
 *       double on the host, and x_i⁺ − x_i⁻ the step actually representable in float32.</li>
 * </ul>
 * The forward runs in float32, so h is large by double standards: the default {@link #H} = 1e-2
 * balances truncation error (O(h²)·f''') against rounding (≈ 1e-7·|L| / h).
 *
 * <p><b>Tolerance</b>, per element: |analytic − numeric| ≤ atol + rtol · max(|analytic|, |numeric|),
 * by default {@link #ATOL} = 1e-3 and {@link #RTOL} = 1e-2. The check also fails when every numeric
 * gradient is below atol (a vacuous check proves nothing), and when an input's gradient is missing.
 * Non-smooth ops (relu, abs, max) need inputs at least 2h away from their kinks.
 */
public final class GradCheck {
    public static final double H = 1e-2;
    public static final double RTOL = 1e-2;
    public static final double ATOL = 1e-3;

    private final double h, rtol, atol;
    private final int maxElements;
    private final long seed;

    private GradCheck(double h, double rtol, double atol, int maxElements, long seed) {
        if (!(h > 0) || rtol < 0 || atol < 0) throw new IllegalArgumentException("bad gradient-check settings");
        this.h = h;
        this.rtol = rtol;
        this.atol = atol;
        this.maxElements = maxElements;
        this.seed = seed;
    }

    /** h = 1e-2, rtol = 1e-2, atol = 1e-3, every element checked. */
    public static GradCheck defaults() { return new GradCheck(H, RTOL, ATOL, Integer.MAX_VALUE, 42); }

    /** A different finite-difference step. */
    public GradCheck step(double newH) { return new GradCheck(newH, rtol, atol, maxElements, seed); }

    /** A different tolerance (see the class doc for the formula). */
    public GradCheck tolerance(double newRtol, double newAtol) { return new GradCheck(h, newRtol, newAtol, maxElements, seed); }

    /** Checks at most n randomly chosen elements per input (large parameters of whole models). */
    public GradCheck sample(int n) { return new GradCheck(h, rtol, atol, n, seed); }

    /** Shorthand for {@code defaults().check(what, f, wrt)}. */
    public static void assertGradients(String what, Supplier<Tensor> f, Tensor... wrt) {
        defaults().check(what, f, wrt);
    }

    /**
     * Checks d(Σ r ⊙ f)/d(wrt) against finite differences; throws AssertionError naming the op,
     * input and worst elements on a mismatch. Returns the largest error relative to the tolerance
     * (≤ 1 passes). The wrt tensors are marked as requiring gradients and their gradients reset.
     */
    public double check(String what, Supplier<Tensor> f, Tensor... wrt) {
        if (wrt.length == 0) throw new IllegalArgumentException(what + ": nothing to check");
        for (Tensor t : wrt) {
            t.requiresGrad(true);
            t.zeroGrad();
        }
        Tensor y = f.get();
        double[] r = gaussian(new SplittableRandom(seed), y.size());
        float[] rf = new float[r.length];
        for (int i = 0; i < r.length; i++) rf[i] = (float) r[i];
        if (!y.requiresGrad()) throw new AssertionError(what + ": the output does not depend on any checked input");
        y.backward(y.backend().upload(rf));

        List<String> failures = new ArrayList<>();
        double worst = 0, largestNumeric = 0;
        SplittableRandom pick = new SplittableRandom(seed + 1);
        for (int w = 0; w < wrt.length; w++) {
            Tensor x = wrt[w];
            if (x.size() == 0) continue;
            Tensor g = x.grad();
            if (g == null) throw new AssertionError(what + ": input #" + w + " " + x.shape() + " received no gradient");
            float[] analytic = g.toArray();
            float[] values = x.toArray();
            for (int i : elements(x.size(), pick)) {
                double numeric = numeric(f, x, values, i, r);
                double a = analytic[i];
                largestNumeric = Math.max(largestNumeric, Math.abs(numeric));
                double allowed = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
                double err = Math.abs(a - numeric);
                if (!(err <= allowed)) {
                    if (failures.size() < 8)
                        failures.add(String.format("input #%d %s element %d (x=%.5g): analytic %.6g, numeric %.6g",
                                w, x.shape(), i, values[i], a, numeric));
                    else if (failures.size() == 8) failures.add("...");
                }
                worst = Math.max(worst, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err / allowed);
            }
        }
        if (!failures.isEmpty())
            throw new AssertionError(what + ": gradient mismatch (|a − n| > " + atol + " + " + rtol
                    + "·max(|a|, |n|), h = " + h + ")\n  " + String.join("\n  ", failures));
        if (largestNumeric < atol)
            throw new AssertionError(what + ": every numeric gradient is below " + atol + "; the check is vacuous");
        return worst;
    }

    private double numeric(Supplier<Tensor> f, Tensor x, float[] values, int i, double[] r) {
        float original = values[i];
        float plus = (float) (original + h), minus = (float) (original - h);
        try (var noGrad = GradMode.noGrad()) {
            values[i] = plus;
            x.copyFrom(values);
            double lp = project(f.get(), r);
            values[i] = minus;
            x.copyFrom(values);
            double lm = project(f.get(), r);
            return (lp - lm) / ((double) plus - (double) minus);
        } finally {
            values[i] = original;
            x.copyFrom(values);
        }
    }

    private static double project(Tensor y, double[] r) {
        float[] v = y.toArray();
        if (v.length != r.length) throw new AssertionError("output size changed between calls: " + v.length + " vs " + r.length);
        double s = 0;
        for (int i = 0; i < v.length; i++) s += r[i] * v[i];
        return s;
    }

    private int[] elements(int size, SplittableRandom pick) {
        if (size <= maxElements) {
            int[] all = new int[size];
            for (int i = 0; i < size; i++) all[i] = i;
            return all;
        }
        int[] idx = new int[size]; // partial Fisher–Yates
        for (int i = 0; i < size; i++) idx[i] = i;
        for (int i = 0; i < maxElements; i++) {
            int j = i + pick.nextInt(size - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return java.util.Arrays.copyOf(idx, maxElements);
    }

    // ---- input helpers ------------------------------------------------------------------------

    private static double[] gaussian(SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) { // Box–Muller
            double u1 = 1.0 - rng.nextDouble(), u2 = rng.nextDouble();
            v[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        }
        return v;
    }

    /** N(0, 1) values of the given shape, deterministic in seed. */
    public static Tensor randn(Backend be, long seed, int... dims) {
        int n = count(dims);
        double[] g = gaussian(new SplittableRandom(seed), n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) g[i];
        return Tensor.of(be, v, dims);
    }

    /** Uniform values in [lo, hi) of the given shape. */
    public static Tensor uniform(Backend be, long seed, double lo, double hi, int... dims) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return Tensor.of(be, v, dims);
    }

    /** Values with |x| uniform in [lo, hi) and a random sign: inputs away from a kink at 0. */
    public static Tensor awayFromZero(Backend be, long seed, double lo, double hi, int... dims) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++)
            v[i] = (float) ((rng.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * rng.nextDouble()));
        return Tensor.of(be, v, dims);
    }

    /** Distinct values (a shuffled arithmetic progression with the given gap): no ties for max. */
    public static Tensor distinct(Backend be, long seed, float gap, int... dims) {
        int n = count(dims);
        float[] v = new float[n];
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) v[i] = (i - n / 2f) * gap;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            float t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return Tensor.of(be, v, dims);
    }

    private static int count(int[] dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }
}
