package dev.kiln.api.backend;

import dev.kiln.api.nn.RopeScaling;
import org.junit.jupiter.params.provider.Arguments;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Shapes the conformance suite runs every primitive over: odd sizes, sizes that are no multiple of
 * any tile (1, 3, 17, 33, 65, 130), empty dimensions, and a few sizes large enough to take a
 * backend's blocked / multi-threaded paths.
 *
 * <p>The system property {@value #LIMIT_PROPERTY} keeps only the cases whose work is at most that much (elements
 * for element-wise, row and loss primitives; multiply-adds for products and attention): a run on a device
 * simulator (Oclgrind), thousands of times slower than a device, then ends in minutes. Unset, every case runs.
 */
public final class ConformanceCases {
    private ConformanceCases() {}

    public static final String LIMIT_PROPERTY = "kiln.conformance.limit";
    private static final long LIMIT = Long.getLong(LIMIT_PROPERTY, Long.MAX_VALUE);

    private static boolean within(long work) { return work <= LIMIT; }

    private static long product(int... dims) {
        long p = 1;
        for (int d : dims) p *= d;
        return p;
    }

    /** One batched matmul call. */
    public record MatmulCase(int batch, int m, int n, int k, boolean transA, boolean transB,
                             int strideA, int strideB, int strideC, float alpha, boolean accumulate) {
        int sizeA() { return size(strideA, m * k); }
        int sizeB() { return size(strideB, k * n); }
        int sizeC() { return size(strideC, m * n); }

        private int size(int stride, int one) { return stride * (batch - 1) + one; }
    }

    static Stream<MatmulCase> matmul() {
        int[][] mnk = {{1, 1, 1}, {3, 17, 33}, {17, 1, 65}, {1, 65, 130}, {65, 130, 17}, {33, 65, 257},
                {130, 130, 130}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0}, {7, 2100, 5}, {200, 97, 300},
                // the cpu backend's K in one block (n ≤ 512, k ≤ 1024, m ≤ 1024) at its widest, in equal blocks of
                // at most 1024 past it (two; three, the last shorter), and in blocks of 256 past the bounds on n and m
                {70, 50, 1024}, {6, 40, 1100}, {19, 45, 2050}, {9, 530, 300}, {1030, 9, 300},
                // transposed, A's stored rows 16 KiB apart: the cpu backend packs it rather than read it in place
                {4096, 40, 100}};
        List<MatmulCase> cases = new ArrayList<>();
        int v = 0;
        for (int[] s : mnk) {
            for (int t = 0; t < 4; t++, v++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                cases.add(new MatmulCase(1, s[0], s[1], s[2], ta, tb, 0, 0, 0,
                        v % 3 == 0 ? 1f : 0.5f, v % 2 == 1));
            }
        }
        int m = 17, n = 33, k = 65;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            cases.add(new MatmulCase(3, m, n, k, ta, tb, m * k, k * n, m * n, 1f, false));
            cases.add(new MatmulCase(4, m, n, k, ta, tb, 0, k * n, m * n, 2f, t % 2 == 0));
            cases.add(new MatmulCase(4, m, n, k, ta, tb, m * k, 0, m * n, 1f, false));
            // a weight gradient summed over the batch: one C, accumulated
            cases.add(new MatmulCase(3, m, n, k, ta, tb, m * k, k * n, 0, 1f, true));
        }
        cases.add(new MatmulCase(24, 5, 7, 3, false, true, 21, 21, 35, 1f, false));
        cases.add(new MatmulCase(2, 130, 65, 33, true, false, 130 * 33 + 5, 33 * 65 + 3, 130 * 65 + 1, 1f, true));
        cases.add(new MatmulCase(0, 3, 3, 3, false, false, 9, 9, 9, 1f, false));
        return cases.stream().filter(c -> within(product(Math.max(c.batch(), 1), c.m(), c.n(), Math.max(c.k(), 1))));
    }

    static Stream<Arguments> broadcastShapes() {
        return withinElements(
                arguments(new int[] {3, 17}, new int[] {3, 17}),
                arguments(new int[] {5, 33}, new int[] {1, 33}),
                arguments(new int[] {1, 33}, new int[] {5, 33}),
                arguments(new int[] {5, 33}, new int[] {5, 1}),
                arguments(new int[] {5, 33}, new int[] {1, 1}),
                arguments(new int[] {4, 1, 3}, new int[] {1, 5, 3}),
                arguments(new int[] {2, 3, 65}, new int[] {1, 1, 65}),
                arguments(new int[] {130, 1000}, new int[] {1, 1000}),
                arguments(new int[] {300, 1000}, new int[] {300, 1000}),
                arguments(new int[] {0, 5}, new int[] {1, 5}),
                arguments(new int[] {1}, new int[] {1}));
    }

    static Stream<Arguments> reduceShapes() {
        return withinElements(
                arguments(new int[] {5, 33}, new int[] {1, 33}),
                arguments(new int[] {5, 33}, new int[] {5, 1}),
                arguments(new int[] {4, 3, 5}, new int[] {1, 3, 1}),
                arguments(new int[] {4, 3, 5}, new int[] {1, 1, 1}),
                arguments(new int[] {2, 3, 4}, new int[] {2, 1, 4}),
                arguments(new int[] {3, 17}, new int[] {3, 17}),
                arguments(new int[] {70, 130}, new int[] {70, 130}),   // the same shape, in parallel pieces
                arguments(new int[] {1030, 65}, new int[] {1, 65}),
                arguments(new int[] {64, 1030}, new int[] {1, 1030}),
                arguments(new int[] {3, 7, 40}, new int[] {1, 1, 40}),   // leading dimensions summed, as a bias gradient
                arguments(new int[] {17, 1, 3}, new int[] {1, 1, 3}),
                arguments(new int[] {0, 5}, new int[] {1, 5}));
    }

    /** The cases whose larger shape (a reduction's source, a broadcast's full operand) is within the limit. */
    private static Stream<Arguments> withinElements(Arguments... cases) {
        return Stream.of(cases).filter(a -> within(Math.max(product((int[]) a.get()[0]), product((int[]) a.get()[1]))));
    }

    /** rows, cols. */
    static Stream<Arguments> rows() {
        return withinProduct(arguments(1, 1), arguments(3, 17), arguments(5, 130), arguments(33, 768),
                arguments(2, 5003), arguments(64, 1000), arguments(0, 5), arguments(4, 0));
    }

    /** rows, classes. */
    static Stream<Arguments> classes() {
        return withinProduct(arguments(1, 1), arguments(3, 17), arguments(7, 1000), arguments(4, 50257),
                arguments(65, 130), arguments(0, 9));
    }

    private static Stream<Arguments> withinProduct(Arguments... cases) {
        return Stream.of(cases).filter(a -> within(product((int) a.get()[0], (int) a.get()[1])));
    }

    /** n for flat element-wise primitives. */
    static Stream<Integer> lengths() {
        return Stream.of(0, 1, 17, 1000, 100_003).filter(n -> within(n));
    }

    /**
     * "rows,in,out" of a linear layer: one K block and several, edge tiles, more columns than one packed B block,
     * in = 0, whole tiles with A read in place (up to 8 B panels) and packed (13 × 300: 10 panels).
     */
    static Stream<String> linear() {
        return withinDims("1,1,1", "7,5,3", "64,128,96", "100,300,70", "5,2100,40", "4,8,2100", "13,40,300", "33,0,5");
    }

    /** "rows,in,out" of a linear layer's backward: empty rows (gw of an empty sum), in = 0, 13 × 300 (whole packed tiles). */
    static Stream<String> linearBackward() {
        return withinDims("1,1,1", "7,5,3", "100,300,70", "13,40,300", "33,0,5", "0,4,6");
    }

    private static Stream<String> withinDims(String... dims) {
        return Stream.of(dims).filter(d -> within(product(java.util.Arrays.stream(d.split(",")).mapToInt(Integer::parseInt).toArray())));
    }

    /** Embedding widths (300 ids each). */
    static Stream<Integer> embeddingDims() {
        return Stream.of(1, 17, 130, 1024).filter(dim -> within(300L * dim));
    }

    /** One attention call; fused = q, k, v (and their gradients) packed in one storage; window 0 = none. */
    public record AttnCase(int batch, int qHeads, int kvHeads, int tq, int tk, int headDim, boolean causal,
                           boolean keyMask, boolean segments, boolean fused, int window) {}

    static Stream<AttnCase> attention() {
        return attentionCases().filter(c -> within(product(c.batch(), c.qHeads(), c.tq(), c.tk(), Math.max(c.headDim(), 1))));
    }

    private static Stream<AttnCase> attentionCases() {
        return Stream.of(
                new AttnCase(1, 1, 1, 1, 1, 1, false, false, false, false, 0),
                new AttnCase(2, 3, 3, 17, 17, 8, false, false, false, false, 0),
                new AttnCase(2, 4, 2, 17, 17, 16, true, false, false, false, 0),
                new AttnCase(1, 4, 1, 33, 33, 64, true, false, false, true, 0),
                new AttnCase(2, 2, 2, 3, 17, 8, true, false, false, false, 0),
                new AttnCase(2, 2, 1, 5, 17, 33, false, true, false, true, 0),
                new AttnCase(2, 2, 2, 17, 17, 8, true, true, true, false, 0),
                new AttnCase(2, 2, 2, 17, 17, 8, false, false, true, true, 0),
                new AttnCase(1, 2, 2, 7, 3, 4, true, false, false, false, 0),
                new AttnCase(2, 8, 4, 130, 130, 32, true, true, false, true, 0),
                new AttnCase(1, 2, 2, 2, 0, 4, false, false, false, false, 0),
                new AttnCase(0, 2, 2, 3, 3, 4, false, false, false, false, 0),
                // sliding windows (Mistral): grouped-query heads, cached decode (tq < tk), one query, masks,
                // segments, a window of 1, one wider than the sequence, more queries than keys, several row blocks
                new AttnCase(2, 4, 2, 17, 17, 8, true, false, false, false, 5),
                new AttnCase(2, 4, 1, 5, 17, 33, true, true, false, true, 4),
                new AttnCase(1, 4, 2, 1, 40, 16, true, false, false, false, 8),
                new AttnCase(2, 2, 2, 9, 9, 4, true, false, true, false, 1),
                new AttnCase(1, 2, 1, 17, 17, 8, true, false, false, false, 100),
                new AttnCase(1, 2, 2, 7, 3, 4, true, false, false, false, 2),
                new AttnCase(1, 2, 1, 150, 150, 8, true, false, false, true, 3),
                new AttnCase(2, 8, 4, 130, 200, 32, true, true, false, false, 50),
                // more queries than keys across several row blocks: whole blocks see no key
                new AttnCase(1, 2, 1, 130, 3, 4, true, false, false, false, 0),
                new AttnCase(1, 2, 1, 130, 3, 4, true, true, false, false, 2),
                // several row blocks of the block-recomputing backward: bidirectional with a padding mask and
                // queries after a prefix (tq < tk); causal with packed segments, a padding mask and a window
                new AttnCase(1, 2, 1, 130, 150, 8, false, true, false, false, 0),
                new AttnCase(2, 2, 2, 140, 140, 16, true, true, true, true, 0),
                new AttnCase(1, 4, 2, 140, 140, 16, true, true, true, false, 70),
                // short sequences with heads a whole number of 16 or 32 lanes wide (the cpu backend's row tiles):
                // causal with a short last block, bidirectional over 128 keys, queries after a prefix with a part
                // panel of keys, more queries than keys (blocks that see none, and one that is half)
                new AttnCase(2, 4, 4, 64, 64, 32, true, false, false, false, 0),
                new AttnCase(1, 2, 2, 128, 128, 64, false, false, false, true, 0),
                new AttnCase(2, 2, 1, 5, 40, 32, true, false, false, false, 0),
                new AttnCase(1, 2, 2, 40, 8, 32, true, false, false, false, 0));
    }

    /** batch, seq, heads, headDim, posOffset, theta, scaling (frequencies for a sequence of posOffset + seq). */
    static Stream<Arguments> rope() {
        return Stream.<Arguments>of(arguments(2, 5, 3, 8, 0, 10000f, RopeScaling.NONE), arguments(1, 17, 2, 2, 7, 10000f, RopeScaling.NONE),
                arguments(3, 33, 1, 64, 0, 500000f, RopeScaling.NONE), arguments(1, 130, 4, 128, 100, 10000f, RopeScaling.NONE),
                arguments(0, 3, 2, 4, 0, 10000f, RopeScaling.NONE),
                arguments(2, 9, 2, 16, 3, 10000f, RopeScaling.linear(4f)),
                arguments(1, 40, 2, 32, 4000, 10000f, RopeScaling.dynamic(2f, 2048)),
                arguments(1, 17, 3, 128, 9000, 500000f, RopeScaling.llama3(8f, 1f, 4f, 8192)))
                .filter(a -> within(product((int) a.get()[0], (int) a.get()[1], (int) a.get()[2], (int) a.get()[3])));
    }
}
