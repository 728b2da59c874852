package dev.kiln.backend.cpu;

import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector GELU's normal CDF and its derivative are rational fits of our own (GeluErfFits.cdf and
 * GeluErfFits.derivative); this holds them, forward and backward,
 * to the exact function on a dense grid, against an erf summed here from its Taylor series in double (about 1e-9
 * off at |x| = 4.3, where the series cancels most), well inside the bounds asserted. The conformance suite's
 * tolerance (2e-5) would let a much worse fit through.
 */
class GeluCdfAccuracyTest {
    private static final int N = 200_001;                   // x from −10 to 10 in steps of 1e-4

    @Test
    void forwardAndBackwardStayWithinAFewFloatRoundingsOfTheExactGelu() {
        RequiredInCi.require(Lanes.best() instanceof VectorLanes, "the Vector API lanes are not in use on this JVM/CPU");
        float[] x = new float[N];
        for (int i = 0; i < N; i++) x[i] = (float) (-10 + 20.0 * i / (N - 1));
        try (CpuBackend backend = new CpuBackend(1)) {
            Storage xs = backend.upload(x), y = backend.allocate(N), gy = backend.upload(ones(N)), gx = backend.allocate(N);
            backend.unary(UnaryOp.GELU_ERF, xs, y, N, 0f);
            backend.unaryBackward(UnaryOp.GELU_ERF, xs, y, gy, gx, N, 0f, false);
            float[] out = backend.download(y), grad = backend.download(gx);
            double worstCdf = 0, worstGrad = 0;
            for (int i = 0; i < N; i++) {
                if (x[i] < 0) assertTrue(out[i] <= 0, "GELU(" + x[i] + ") = " + out[i] + ": Φ went below 0");
                double phi = cdf(x[i]), pdf = Math.exp(-0.5 * x[i] * x[i]) / Math.sqrt(2 * Math.PI);
                if (x[i] != 0) worstCdf = Math.max(worstCdf, Math.abs(out[i] / x[i] - phi));
                worstGrad = Math.max(worstGrad, Math.abs(grad[i] - (phi + x[i] * pdf)));
            }
            // Φ from the output (y / x adds a rounding or two): the fit is 1.7e-7 off at worst in float
            assertTrue(worstCdf < 4e-7, "GELU(x)/x is " + worstCdf + " from Φ(x) at worst");
            // the derivative's own fit: 4.8e-7 off at worst in float
            assertTrue(worstGrad < 6e-7, "GELU'(x) is " + worstGrad + " from Φ(x) + x·φ(x) at worst");
            // far below the clamp the output is zero, not x times a rounding error that grows with |x| (64 values,
            // so the vector loop runs them and not the scalar tail)
            float[] farIn = new float[64];
            float[] values = {-1e4f, -1e6f, -3e38f, 1e6f};
            for (int i = 0; i < farIn.length; i++) farIn[i] = values[i % 4];
            Storage far = backend.upload(farIn), farOut = backend.allocate(farIn.length);
            backend.unary(UnaryOp.GELU_ERF, far, farOut, farIn.length, 0f);
            float[] f = backend.download(farOut);
            for (int i = 0; i < farIn.length; i++) {
                if (farIn[i] < 0) assertEquals(0f, Math.abs(f[i]), "GELU(" + farIn[i] + ")");
                else assertEquals(farIn[i], f[i], farIn[i] * 2e-7f, "GELU(" + farIn[i] + ")");
            }
        }
    }

    // Φ(x) = (1 + erf(x/√2)) / 2, erf by its Taylor series; past |x/√2| = 4.3 Φ is within 1e-9 of 0 or 1
    private static double cdf(double x) {
        double z = x / Math.sqrt(2);
        if (Math.abs(z) > 4.3) return z > 0 ? 1 : 0;
        double term = z, sum = z;                           // term n: (−1)^n z^(2n+1) / n!
        for (int n = 1; n < 120; n++) {
            term *= -z * z / n;
            sum += term / (2 * n + 1);
        }
        return 0.5 * (1 + 2 / Math.sqrt(Math.PI) * sum);
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
