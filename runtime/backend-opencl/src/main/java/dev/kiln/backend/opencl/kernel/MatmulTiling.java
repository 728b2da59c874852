package dev.kiln.backend.opencl.kernel;

/**
 * The matmul kernel's shape: a work-group of group × group items computes a tile × tile block of C (tile =
 * perItem · group), each item perItem × perItem outputs, staging op(A) and op(B) in local memory depth columns at a
 * time (2 · tile · depth floats). The default suits the devices it was measured on; another may do better on
 * another GPU, which {@code MatmulTilingsBench} compares and {@value #ENV} selects.
 */
public record MatmulTiling(int perItem, int group, int depth) {
    /** Selects a tiling for the backends this process creates: "perItem,group,depth", e.g. "8,16,16". */
    public static final String ENV = "KILN_OPENCL_MATMUL";
    public static final MatmulTiling DEFAULT = new MatmulTiling(4, 16, 16);
    /** Local memory every OpenCL device offers (the full profile's minimum), so every tiling builds anywhere. */
    static final int MAX_LOCAL_BYTES = 32 * 1024;

    public MatmulTiling {
        if (perItem < 1 || perItem > 8) throw new IllegalArgumentException("matmul tiling: outputs per item must be 1 to 8 a side, got " + perItem);
        if (group < 1 || group > 32 || Integer.bitCount(group) != 1)
            throw new IllegalArgumentException("matmul tiling: the group side must be a power of two up to 32, got " + group);
        if (depth < 1 || depth > 64) throw new IllegalArgumentException("matmul tiling: depth must be 1 to 64, got " + depth);
        long local = 2L * perItem * group * depth * Float.BYTES;
        if (local > MAX_LOCAL_BYTES)
            throw new IllegalArgumentException("matmul tiling " + perItem + "," + group + "," + depth + " stages " + local
                    + " bytes in local memory; at most " + MAX_LOCAL_BYTES + " is available everywhere");
    }

    /** The side of C's block a work-group computes. */
    public int tile() { return perItem * group; }

    /** "perItem,group,depth", as {@link #parse} reads it. */
    @Override
    public String toString() { return perItem + "," + group + "," + depth; }

    /** Reads "perItem,group,depth"; where (an environment variable, an argument; null for none) leads the error. */
    public static MatmulTiling parse(String text, String where) {
        String prefix = where == null ? "" : where + ": ";
        String[] parts = text.trim().split("\\s*,\\s*");
        if (parts.length != 3) throw new IllegalArgumentException(prefix + "expected perItem,group,depth (e.g. 4,16,16), got '" + text + "'");
        int[] v = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                v[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(prefix + "expected three integers perItem,group,depth, got '" + text + "'");
            }
        }
        try {
            return new MatmulTiling(v[0], v[1], v[2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(prefix + e.getMessage());
        }
    }

    /** The tiling {@value #ENV} selects, else the default. */
    public static MatmulTiling fromEnvironment() {
        String v = System.getenv(ENV);
        return v == null || v.isBlank() ? DEFAULT : parse(v, ENV);
    }

    /** The kernel's -D options. */
    String buildOptions() { return "-DWPT=" + perItem + " -DGROUP=" + group + " -DTILE=" + tile() + " -DDEPTH=" + depth; }
}
