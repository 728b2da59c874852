package dev.kiln.backend.cpu;

import dev.kiln.api.testing.RequiredInCi;
import dev.kiln.backend.cpu.bench.StepProductsBench;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kiln in a JVM whose other code used the Vector API at another shape (its own execution, {@code other-shapes}: what
 * this JVM records would change what C2 does for every other test). The library's shared methods
 * ({@code FloatVector.intoArray}, {@code lanewise} and the like) then carry two vector classes in their receiver-type
 * profiles; a call that C2 resolves from such a profile is inlined for both, and the vector it gives is boxed.
 * Small's input and weight gradients ran 9–36% slower that way with ./kiln's JIT flags (bench/JOURNAL.md,
 * eighteenth session). Once compiled, packing, products and every lane kernel must allocate nothing per vector:
 * Kiln gives C2 the class of each vector it would otherwise take from a profile ({@link ExactVector}), and calls
 * {@link FixedOrderMath#exp} directly. The {@code other-shapes-plain} execution runs the packing and
 * product tests again in a JVM without ./kiln's JIT flags, as an application might launch one: there the
 * micro-kernel's accumulators boxed until it cast them too (every product at half speed). {@code other-shapes-embedded}
 * runs the lane kernels in a JVM with only the JDK 17 cleanup flag the README asks of an application: they boxed there
 * until the exponential and GELU-erf's polynomials were split into methods C2 inlines on its own and every lane loop
 * cast its vectors.
 */
class OtherVectorShapesTest {
    private static final long BOUND = 64 * 1024;

    @BeforeAll
    static void useAnotherShape() {
        RequiredInCi.require(MicroKernel.VECTOR_API && Lanes.best() instanceof VectorLanes,
                "the Vector API kernels are not in use on this JVM/CPU");
        RequiredInCi.require(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM does not count allocated bytes per thread");
        // one other shape beside the preferred: two classes a call site, the profile C2 inlines both of, with a
        // class check, instead of the one it can give the intrinsics (three or more and it calls the method)
        StepProductsBench.useOtherShape(FloatVector.SPECIES_PREFERRED.vectorBitSize() == 256 ? 128 : 256);
    }

    @Test
    void packingBPanelsAllocatesNothing() {
        MicroKernel kernel = MicroKernel.best();
        Panels panels = kernel.panels();
        int k = 1024, n = 256, nr = kernel.nr();
        float[] b = Gaussians.random(3, k * n), bp = new float[k * n];
        long bytes = LaneKernelAllocationTest.afterCompiling(() -> {
            panels.packB(bp, b, 0, n, false, 0, k, 0, n, 0, n / nr);      // B [k, n] as it lies
            panels.packB(bp, b, 0, k, true, 0, k, 0, n, 0, n / nr);       // and stored transposed, [n, k]
        }, BOUND);
        assertTrue(bytes <= BOUND, "packing " + (2 * k * n) + " floats still allocated " + bytes + " bytes once compiled"
                + " (vectors boxed: a call C2 resolved from a receiver-type profile holding other vector classes)");
    }

    @Test
    void productsAllocateNothing() {
        try (Parallel par = new Parallel(1)) {
            Gemm gemm = new Gemm(MicroKernel.best(), Lanes.best(), par);
            // n 256: A read where it lies (a few B panels); n 512: A packed
            int m = 192, k = 512;
            float[] a = Gaussians.random(5, m * k), b = Gaussians.random(7, k * 512), bias = Gaussians.random(9, 512);
            float[] c = new float[m * 512];
            long bytes = LaneKernelAllocationTest.afterCompiling(() -> {
                for (int n : new int[] {256, 512}) {
                    gemm.run(false, m, n, k, 1f, a, 0, k, false, b, 0, n, false, c, 0, n, false);         // dX = dY·W
                    gemm.run(false, m, n, k, 1f, a, 0, m, true, b, 0, n, false, c, 0, n, true);           // dW += dYᵀ·X
                    gemm.run(false, m, n, k, 1f, a, 0, k, false, b, 0, k, true, c, 0, n, false, bias);   // Y = X·Wᵀ + b
                }
            }, BOUND);
            assertTrue(bytes <= BOUND, "six " + m + " × (256 or 512) × " + k + " products still allocated " + bytes
                    + " bytes once compiled (vectors boxed)");
        }
    }

    @Test
    void laneKernelsAllocateNothing() {
        int n = 1 << 20;
        float[] x = Gaussians.random(11, n), y = Gaussians.random(12, n), g = Gaussians.random(13, n);
        float[] m = Gaussians.random(14, n), v = Gaussians.random(15, n);
        for (int i = 0; i < n; i++) v[i] = Math.abs(v[i]);
        Lanes lanes = Lanes.best();
        List<String> boxed = new ArrayList<>();
        LaneKernelAllocationTest.kernels().forEach(kernel -> {
            long bytes = LaneKernelAllocationTest.afterCompiling(
                    () -> LaneKernelAllocationTest.run(lanes, kernel, x, y, g, m, v), BOUND);
            if (bytes > BOUND) boxed.add(kernel + " " + bytes + " bytes");
        });
        assertTrue(boxed.isEmpty(), "once compiled, over " + n + " floats, these still allocated (vectors boxed): " + boxed);
    }
}
