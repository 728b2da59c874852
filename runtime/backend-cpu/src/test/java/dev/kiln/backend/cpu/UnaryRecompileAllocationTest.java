package dev.kiln.backend.cpu;

import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The range lambda that runs every unary op through {@code Backend.unary} is compiled by C2 twice: first
 * around a kernel C2 had compiled on its own, then, after about 5,000 calls, as one method with GELU, the
 * normal CDF and the exponential inlined into it. In that second compilation JDK 17's C2 could not
 * intrinsify the exponential's float-to-int reinterpretation where it parsed it (its target class not yet
 * a constant: "missing constant ... vclass_to=LoadP" under {@code -XX:+PrintIntrinsics}), put it off to a
 * later inlining round and, with no cleanup of the graph in between, failed there too; from then on every
 * vector of every call went through the Java fallback, boxed: GELU 4.5× slower and 12 MB of garbage per
 * 524,288 floats, 5 to 40 seconds into a training run, where {@link LaneKernelAllocationTest}'s warm-up
 * never reaches. {@code -XX:+IncrementalInlineForceCleanup} (in {@code kiln.jit.flags} and ./kiln) folds
 * the constants first. This drives the backend past that second compilation, forward and backward (each has
 * a lambda of its own), then counts what one more call allocates. Runs in a surefire JVM of its own (the
 * {@code recompile} execution): the compilation it watches depends on which calls came first.
 */
class UnaryRecompileAllocationTest {
    private static final int SMALL = 4_096, LARGE = 1 << 18;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void geluStaysInRegistersAfterTheRangeLambdaIsRecompiled(boolean backward) {
        RequiredInCi.require(Lanes.best() instanceof VectorLanes, "the Vector API lanes are not in use on this JVM/CPU");
        RequiredInCi.require(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM does not count allocated bytes per thread");
        try (CpuBackend backend = new CpuBackend(1)) {   // one thread: the caller runs the lambda, so its bytes are counted
            Storage small = ramp(backend, SMALL), smallOut = backend.allocate(SMALL);
            Storage large = ramp(backend, LARGE), largeOut = backend.allocate(LARGE);
            for (int call = 0; call < 30_000; call++) gelu(backend, backward, small, smallOut, SMALL);
            long least = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {      // the fewest bytes of five calls: a stray profiling object is not a box per vector
                long before = allocated();
                gelu(backend, backward, large, largeOut, LARGE);
                least = Math.min(least, allocated() - before);
            }
            // a box per 16-float vector would be about 5 MB for LARGE floats
            assertTrue(least < 64 * 1024, "GELU" + (backward ? "'" : "") + " over " + LARGE + " floats allocated " + least
                    + " bytes after 30,000 calls: a vector went through the Vector API's Java fallback");
        }
    }

    /** y = GELU(x), or the training step's backward: g ← g · GELU'(x) in place. */
    private static void gelu(CpuBackend backend, boolean backward, Storage x, Storage g, int n) {
        if (backward) backend.unaryBackward(UnaryOp.GELU_ERF, x, x, g, g, n, 0f, false);
        else backend.unary(UnaryOp.GELU_ERF, x, g, n, 0f);
    }

    private static Storage ramp(CpuBackend backend, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i * 0.01) * 4;
        return backend.upload(x);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
