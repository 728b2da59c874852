package dev.kiln.backend.cpu;

import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.testing.RequiredInCi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Once compiled, a Vector API loop allocates nothing: every FloatVector stays in registers. A vector that
 * crosses a call C2 did not inline (a loop body past its inlining node budget) is boxed on the heap at
 * each iteration, which is both slow and garbage proportional to the data (issue 13: a training step
 * after the first allocates nothing proportional to the batch). Each kernel is warmed up until C2 has
 * compiled it, then one more pass over a million floats must allocate under a kilobyte per 64 KiB of
 * data processed (the bound leaves room for a stray profiling object, not for one box per vector).
 * Runs with the JIT flags Kiln launches with ({@code kiln.jit.flags} in the root pom, the same as ./kiln), which
 * have C2 inline the exponential and GELU-erf's polynomials always; {@code OtherVectorShapesTest} runs these kernels
 * again in a JVM with only the JDK 17 cleanup flag, where C2 inlines them because they are small enough. The {@code untyped}
 * execution runs it again without C1's receiver-type profiles ({@code -XX:-UseTypeProfile}), as C2 sees a kernel
 * it compiles before they were gathered: a running sum or max carried round a loop must still keep its class
 * ({@link ExactVector}).
 */
class LaneKernelAllocationTest {
    private static final int N = 1 << 20;
    private static final long BOUND = (4L * N / 65_536) * 1024;

    private static final boolean UNTYPED = Boolean.getBoolean("kiln.test.untyped");

    static Stream<String> kernels() {
        // without type profiles the Vector API's own calls stay virtual in most kernels; the running sums and max
        // that ExactVector types are the ones that must not depend on them
        if (UNTYPED) return Stream.of("sum", "max", "columnSums");
        return Stream.of("EXP", "GELU_ERF", "GELU_TANH", "SILU", "SIGMOID", "GELU_ERF'", "GELU_TANH'", "SILU'", "GELU_ERF'=",
                "GELU_TANH'=", "SILU'=", "adamw", "expShift", "expShiftSum", "expScaled", "expScaled=", "sum", "dot", "sumSquares", "max",
                "columnSums", "normParamGrads");
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void aCompiledKernelDoesNotAllocate(String kernel) {
        Lanes lanes = Lanes.best();
        RequiredInCi.require(lanes instanceof VectorLanes, "the Vector API lanes are not in use on this JVM/CPU");
        RequiredInCi.require(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM does not count allocated bytes per thread");
        float[] x = random(1), y = random(2), g = random(3), m = random(4), v = random(5);
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]);
        long worst = afterCompiling(() -> run(lanes, kernel, x, y, g, m, v), BOUND);
        assertTrue(worst <= BOUND, kernel + " still allocated " + worst + " bytes for " + N + " floats after warm-up"
                + " (a vector boxed across a call that was not inlined)");
    }

    static void run(Lanes lanes, String kernel, float[] x, float[] y, float[] g, float[] m, float[] v) {
        switch (kernel) {
            case "adamw" -> lanes.adamw(y, g, m, v, 0, N, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, 0.25f);
            case "expShift" -> lanes.expShift(x, 0, y, 0, N, 1f);
            case "expShiftSum" -> lanes.expShiftSum(x, 0, N, 1f);
            case "expScaled" -> lanes.expScaled(x, g, 0, N, 1f, 1e-6f, 0.5f, true);
            case "expScaled=" -> lanes.expScaled(x, g, 0, N, 1f, 1e-6f, 0.5f, false);
            case "sum" -> lanes.sum(x, 0, N);
            case "dot" -> lanes.dot(x, 0, y, 0, N);
            case "sumSquares" -> lanes.sumSquares(x, 0, N, 0.1f);
            case "max" -> lanes.max(x, 0, N);
            case "columnSums" -> lanes.addColumnSums(x, 1024, N / 1024, y, 0, N / 1024);                // [1024, 1024] → y[0, 1024)
            case "normParamGrads" -> lanes.normParamGrads(x, g, m, v, y, y, 1024, N / 1024, 0, N / 1024);   // mean m, rstd v per row
            default -> {
                boolean inPlace = kernel.endsWith("'="), backward = inPlace || kernel.endsWith("'");
                UnaryOp op = UnaryOp.valueOf(kernel.substring(0, kernel.length() - (inPlace ? 2 : backward ? 1 : 0)));
                if (inPlace) lanes.unaryGradient(op, x, y, g, g, 0, N);
                else if (backward) lanes.unaryBackward(op, x, y, g, m, 0, N);
                else lanes.unary(op, x, y, 0, N);
            }
        }
    }

    private static float[] random(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[N];
        for (int i = 0; i < N; i++) a[i] = (float) (r.nextDouble() * 4 - 2);
        return a;
    }

    /**
     * The bytes this thread allocated in the last of the runs of work: runs until a run, from the 21st on, allocates at
     * most bound, and at least 60 runs or 10 s. Tiers 3 and 4 compile the loop (and OSR it) in the first runs; 60 take a
     * third of a second, and at the start of a test JVM C2's queue can hold the compilation longer than that.
     */
    static long afterCompiling(Runnable work, long bound) {
        long bytes = Long.MAX_VALUE, giveUp = System.nanoTime() + 10_000_000_000L;
        for (int round = 0; round < 60 || System.nanoTime() < giveUp; round++) {
            long before = allocated();
            work.run();
            bytes = allocated() - before;
            if (round >= 20 && bytes <= bound) break;
        }
        return bytes;
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
