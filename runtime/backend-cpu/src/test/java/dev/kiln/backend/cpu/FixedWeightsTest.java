package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Backend#weightsFixed} on the cpu backend: inside the scope a product by one of the weights packs its panels
 * once and multiplies by the kept panels afterwards, with the products of packing each time; products by any other B,
 * and every product after the scope, pack afresh. Writing a weight inside the scope, which callers must not do, is
 * how these tests see the kept panels: the products go on using the weight as it was.
 */
class FixedWeightsTest {
    // a linear layer's weight [n, k], large enough that a few rows by it are dot products outside the scope
    private static final int N = 1000, K = 300;

    @Test
    void keptPanelsGiveTheProductOfPackingEachTime() {
        keptPanelsGiveTheProductOfPackingEachTime(N, K, new int[] {1, 4, 5, 16, 32, 33, 100});
        keptPanelsGiveTheProductOfPackingEachTime(2100, 1500, new int[] {16, 40});   // blocks of the GEMM's N and K
    }

    private static void keptPanelsGiveTheProductOfPackingEachTime(int n, int k, int[] rows) {
        float[] w = Gaussians.random(1, n * k), bias = Gaussians.random(2, n);
        try (CpuBackend be = new CpuBackend(2)) {
            Storage ws = be.upload(w), bs = be.upload(bias);
            for (int m : rows) {
                Storage x = be.upload(Gaussians.random(3 + m, m * k));
                float[] outside = linear(be, x, ws, bs, m, n, k);
                try (Backend.Scope scope = be.weightsFixed(List.of(ws))) {
                    for (int call = 0; call < 3; call++) {              // seen, packed and kept, kept panels read
                        float[] inside = linear(be, x, ws, bs, m, n, k);
                        if (m <= RowDots.FEW_ROWS || m > SwappedProduct.MAX_ROWS) {
                            assertArrayEquals(outside, inside, m + " rows, call " + call + ": the same path as outside the scope");
                        } else {
                            assertClose(outside, inside, m + " rows, call " + call);
                        }
                    }
                }
            }
        }
    }

    @Test
    void theScopeMultipliesByThePanelsItKept() {
        float[] w = Gaussians.random(4, N * K);
        try (CpuBackend be = new CpuBackend(2)) {
            Storage ws = be.upload(w), x = be.upload(Gaussians.random(5, 16 * K));
            float[] before;
            try (Backend.Scope scope = be.weightsFixed(List.of(ws))) {
                linear(be, x, ws, null, 16);
                before = linear(be, x, ws, null, 16);                   // the second product keeps the panels
                scale(be, ws, 2f);
                assertArrayEquals(before, linear(be, x, ws, null, 16), "the kept panels, not the weight as written since");
                try (Backend.Scope inner = be.weightsFixed(List.of(ws))) {
                    assertArrayEquals(before, linear(be, x, ws, null, 16), "an inner scope");
                }
                assertArrayEquals(before, linear(be, x, ws, null, 16), "after an inner scope closed, the outer one holds");
                assertArrayEquals(before, linear(be, be.upload(be.download(x)), ws, null, 16), "another A by the same weight");
            }
            float[] after = linear(be, x, ws, null, 16);
            for (int i = 0; i < after.length; i++) assertEquals(2f * before[i], after[i], 1e-4f * (1 + Math.abs(after[i])), "after the scope, at " + i);
        }
    }

    @Test
    void otherOperandsArePackedAfresh() {
        try (CpuBackend be = new CpuBackend(2)) {
            Storage weight = be.upload(Gaussians.random(6, N * K)), other = be.upload(Gaussians.random(7, N * K));
            Storage x = be.upload(Gaussians.random(8, 16 * K));
            try (Backend.Scope scope = be.weightsFixed(List.of(weight))) {
                linear(be, x, other, null, 16);
                float[] first = linear(be, x, other, null, 16);
                scale(be, other, -1f);                                  // as a KV cache changes between decode steps
                float[] second = linear(be, x, other, null, 16);
                for (int i = 0; i < first.length; i++) assertEquals(-first[i], second[i], 0f, "a B that is not a fixed weight, at " + i);
            }
        }
    }

    @Test
    void pastTheBudgetNothingIsKept() {
        float[] w = Gaussians.random(9, N * K);
        try (Parallel par = new Parallel(2)) {
            Gemm gemm = new Gemm(MicroKernel.best(), Lanes.best(), par);
            float[] x = Gaussians.random(10, 16 * K), c = new float[16 * N];
            try (Backend.Scope scope = gemm.fixWeights(List.of(w), (long) N * K - 1)) {   // one float short of the weight
                for (int call = 0; call < 2; call++) gemm.run(true, 16, N, K, 1f, x, 0, K, false, w, 0, K, true, c, 0, N, false);
                float[] before = c.clone();
                for (int i = 0; i < w.length; i++) w[i] *= 2f;
                gemm.run(true, 16, N, K, 1f, x, 0, K, false, w, 0, K, true, c, 0, N, false);
                for (int i = 0; i < c.length; i++) assertEquals(2f * before[i], c[i], 1e-4f * (1 + Math.abs(c[i])), "packed afresh, at " + i);
            }
        }
    }

    private static float[] linear(CpuBackend be, Storage x, Storage w, Storage bias, int m) {
        return linear(be, x, w, bias, m, N, K);
    }

    // y [m, n] = x [m, k] · wᵀ (+ bias), w stored [n, k]
    private static float[] linear(CpuBackend be, Storage x, Storage w, Storage bias, int m, int n, int k) {
        Storage y = be.allocate(m * n);
        if (bias != null) be.linear(x, w, bias, y, m, k, n);
        else be.matmul(x, w, y, 1, m, n, k, false, true, 0, 0, 0, 1f, false);
        return be.download(y);
    }

    private static void scale(CpuBackend be, Storage s, float factor) {
        float[] v = be.download(s);
        for (int i = 0; i < v.length; i++) v[i] *= factor;
        System.arraycopy(v, 0, dev.kiln.api.backend.HeapStorage.of(s), 0, v.length);
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], 1e-4f * (1 + Math.abs(expected[i])), what + ", at " + i);
    }
}
