package dev.kiln.backend.opencl.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The device program's OpenCL C source (resources {@code kernels/*.cl}, one kernel per {@link Op}, named
 * as {@link Op#name}) and the work-group shapes the host and the kernels share; the kernels receive
 * them as {@code -D} build options, so this class (and {@link MatmulTiling} for the matmul's) is their one definition.
 */
public final class Kernels {
    private Kernels() {}

    /** Row kernels (softmax, norms, cross-entropy) and the sum-of-squares reduction: one work-group per row. */
    public static final int ROW_GROUP = 128;
    /**
     * Column kernels (column sums, norm parameter gradients): a work-group of COL_GROUP columns by COL_LANES row lanes,
     * so a column's sum is COL_LANES strided runs down the rows instead of one item's walk over every row.
     */
    public static final int COL_GROUP = 16, COL_LANES = 16;
    /** Element-wise kernels' work-group size. */
    public static final int LOCAL_1D = 64;
    /** Fused attention: one work-group per query row, the scores in local memory (so tk ≤ FUSED_MAX_T). */
    public static final int ATTN_GROUP = 64, FUSED_MAX_D = 256, FUSED_MAX_T = 2048;

    private static final String[] FILES = {"common.cl", "element.cl", "matmul.cl", "rows.cl", "attention.cl"};

    /** The whole program, its files in order. */
    public static String source() {
        StringBuilder sb = new StringBuilder();
        for (String f : FILES) {
            try (InputStream in = Kernels.class.getResourceAsStream("/dev/kiln/backend/opencl/kernels/" + f)) {
                if (in == null) throw new IllegalStateException("kernel source kernels/" + f + " missing from the jar");
                sb.append("// ---- ").append(f).append('\n').append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("reading kernel source kernels/" + f, e);
            }
        }
        return sb.toString();
    }

    /** The build options that define the shared constants, the matmul's from its tiling. */
    public static String buildOptions(MatmulTiling matmul) {
        return matmul.buildOptions() + " -DROW_GROUP=" + ROW_GROUP
                + " -DCOL_GROUP=" + COL_GROUP + " -DCOL_LANES=" + COL_LANES
                + " -DATTN_GROUP=" + ATTN_GROUP + " -DFUSED_MAX_D=" + FUSED_MAX_D + " -DFUSED_MAX_T=" + FUSED_MAX_T;
    }
}
