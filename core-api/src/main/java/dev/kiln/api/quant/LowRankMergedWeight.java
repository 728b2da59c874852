package dev.kiln.api.quant;

import java.util.Arrays;

/**
 * A frozen compressed weight with a low-rank update merged into it: W = decode(base) + scale·B·A, where
 * base is [out, in], A [rank, in] and B [out, rank] (PEFT's merge of a LoRA adapter into a 4-bit base).
 * Decoded a tile at a time like the base, so no float copy of the whole merged weight exists until one is
 * asked for; the values equal merging into the decoded floats (the update summed in double per row, then
 * added as a float).
 */
public final class LowRankMergedWeight implements FrozenWeight {
    private final FrozenWeight base;
    private final float[] a, b;
    private final int rank, in, out;
    private final double scale;

    public LowRankMergedWeight(FrozenWeight base, float[] a, float[] b, int rank, double scale) {
        int[] shape = base.shape();
        if (shape.length != 2) throw new IllegalArgumentException("low-rank merge needs a 2-d weight, got " + Arrays.toString(shape));
        this.out = shape[0];
        this.in = shape[1];
        if (a.length != (long) rank * in || b.length != (long) out * rank)
            throw new IllegalArgumentException("low-rank merge into " + Arrays.toString(shape) + ": A has " + a.length + " values, B "
                    + b.length + ", expected " + (long) rank * in + " and " + (long) out * rank + " for rank " + rank);
        this.base = base;
        this.a = a;
        this.b = b;
        this.rank = rank;
        this.scale = scale;
    }

    /** The weight the update was merged into. */
    public FrozenWeight base() { return base; }

    @Override
    public int[] shape() { return base.shape(); }

    // elements [from, from + count) of [out, in], row-major: the base's values plus the update's
    @Override
    public void dequantize(long from, int count, float[] dst, int dstOffset) {
        base.dequantize(from, count, dst, dstOffset);
        double[] row = new double[in];
        long end = from + count;
        for (long at = from; at < end; ) {
            int o = (int) (at / in), c0 = (int) (at % in);
            int c1 = (int) Math.min(in, c0 + (end - at));
            Arrays.fill(row, c0, c1, 0);
            for (int k = 0; k < rank; k++) {
                double bk = b[o * rank + k];
                if (bk == 0) continue;
                int ak = k * in;
                for (int c = c0; c < c1; c++) row[c] += bk * a[ak + c];
            }
            int d = dstOffset + (int) (at - from) - c0;
            for (int c = c0; c < c1; c++) dst[d + c] += (float) (scale * row[c]);
            at += c1 - c0;
        }
    }

    @Override
    public float[] dequantize() {
        float[] all = new float[Math.toIntExact((long) out * in)];
        dequantize(0, all.length, all, 0);
        return all;
    }

    @Override
    public long storedBytes() { return base.storedBytes() + 4L * (a.length + b.length); }

    @Override
    public String format() { return base.format(); }
}
