package dev.kiln.api.quant;

/**
 * A frozen tensor stored in 4 bits per element, bitsandbytes' {@code Params4bit} + {@code QuantState}:
 * the flattened tensor cut into blocks of {@code blocksize} consecutive elements (the last block may
 * be partial and has its own scale), each element the code of v / absmax(block), two codes per byte
 * with the FIRST element in the HIGH nibble (an odd length pads the last low nibble with the code
 * of 0.0). The block scales are plain float32, or double-quantized ({@link NestedAbsmax}).
 *
 * <p>Shapes: packed [(n + 1) / 2] uint8; absmax [ceil(n / blocksize)] float32, or nested codes of the
 * same length. Nothing here holds n floats: {@link #dequantize(long, int, float[], int)} decodes a range.
 */
public final class Quantized4Bit implements FrozenWeight {
    public static final int MIN_BLOCKSIZE = 32, MAX_BLOCKSIZE = 4096;

    private final FourBitType type;
    private final int blocksize;
    private final int[] shape;
    private final long n;
    private final byte[] packed;
    private final float[] absmax;        // null when nested
    private final NestedAbsmax nested;   // null when plain

    public Quantized4Bit(FourBitType type, int blocksize, int[] shape, byte[] packed, float[] absmax, NestedAbsmax nested) {
        checkBlocksize(blocksize);
        if ((absmax == null) == (nested == null)) throw new IllegalArgumentException("exactly one of absmax and nested absmax");
        long size = 1;
        for (int d : shape) size *= d;
        int blocks = Blockwise.blocks(size, blocksize);
        if (packed.length != (size + 1) / 2) throw new IllegalArgumentException(size + " elements pack into " + (size + 1) / 2 + " bytes, got " + packed.length);
        int scales = absmax != null ? absmax.length : nested.codes().length;
        if (scales != blocks) throw new IllegalArgumentException(size + " elements in blocks of " + blocksize + " need " + blocks + " scales, got " + scales);
        this.type = type;
        this.blocksize = blocksize;
        this.shape = shape.clone();
        this.n = size;
        this.packed = packed;
        this.absmax = absmax;
        this.nested = nested;
    }

    /** bitsandbytes accepts powers of two from 32 to 4096 for 4-bit blocks. */
    public static void checkBlocksize(int blocksize) {
        if (blocksize < MIN_BLOCKSIZE || blocksize > MAX_BLOCKSIZE || Integer.bitCount(blocksize) != 1)
            throw new IllegalArgumentException("4-bit blocksize must be a power of two in [32, 4096], got " + blocksize);
    }

    /**
     * Quantizes {@code values} (row-major, of {@code shape}): absmax per block, codes by
     * {@link FourBitType#encode}, then, with {@code doubleQuant}, the scales by {@link NestedAbsmax#quantize}.
     */
    public static Quantized4Bit quantize(float[] values, int[] shape, FourBitType type, int blocksize, boolean doubleQuant) {
        checkBlocksize(blocksize);
        float[] absmax = Blockwise.absmax(values, blocksize);
        byte[] packed = new byte[(values.length + 1) / 2];
        for (int i = 0; i < values.length; i++) {
            int q = type.encode(Blockwise.scale(values[i], absmax[i / blocksize]));
            packed[i >> 1] |= (byte) ((i & 1) == 0 ? q << 4 : q);
        }
        if ((values.length & 1) == 1) packed[packed.length - 1] |= (byte) type.encode(0f);
        return doubleQuant
                ? new Quantized4Bit(type, blocksize, shape, packed, null, NestedAbsmax.quantize(absmax))
                : new Quantized4Bit(type, blocksize, shape, packed, absmax, null);
    }

    /** The 4-bit code of element i. */
    public int code(long i) {
        int b = packed[(int) (i >> 1)] & 0xFF;
        return (i & 1) == 0 ? b >>> 4 : b & 0xF;
    }

    /** The (dequantized) scale of block b. */
    public float scale(int b) { return nested != null ? nested.scale(b) : absmax[b]; }

    /** dst[dstOffset + j] = code[from + j] · scale(block of from + j) for j in [0, count). */
    @Override
    public void dequantize(long from, int count, float[] dst, int dstOffset) {
        if (from < 0 || count < 0 || from + count > n) throw new IndexOutOfBoundsException("range [" + from + ", " + (from + count) + ") of " + n);
        int j = 0;
        while (j < count) {
            long i = from + j;
            int b = (int) (i / blocksize);
            float s = scale(b);
            int end = (int) Math.min(count, (long) (b + 1) * blocksize - from);
            for (; j < end; j++) dst[dstOffset + j] = type.value(code(from + j)) * s;
        }
    }

    /** The whole tensor as floats (export, tests): [n] */
    @Override
    public float[] dequantize() {
        float[] out = new float[Math.toIntExact(n)];
        dequantize(0, out.length, out, 0);
        return out;
    }

    public FourBitType type() { return type; }

    public int blocksize() { return blocksize; }

    @Override
    public int[] shape() { return shape.clone(); }

    public long size() { return n; }

    public int blocks() { return Blockwise.blocks(n, blocksize); }

    /** [(n + 1) / 2] the stored array itself. */
    public byte[] packed() { return packed; }

    /** [blocks] the stored float scales, or null when double-quantized. */
    public float[] absmax() { return absmax; }

    /** The double-quantized scales, or null. */
    public NestedAbsmax nested() { return nested; }

    public boolean doubleQuant() { return nested != null; }

    /** Bytes held: packed codes plus scales. */
    @Override
    public long storedBytes() {
        long scales = nested != null ? nested.codes().length + 4L * nested.absmax().length + 4 : 4L * absmax.length;
        return packed.length + scales;
    }

    /** nf4 or fp4. */
    @Override
    public String format() { return type.key(); }
}
