package dev.kiln.api.ops;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.quant.FrozenWeight;
import dev.kiln.api.quant.Quantized4Bit;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Storage;
import dev.kiln.api.tensor.Tensor;

/**
 * y = x·Wᵀ with a frozen compressed W: [out, in] ({@link FrozenWeight}: 4-bit {@link Quantized4Bit},
 * bitsandbytes' {@code matmul_4bit} for training, or bf16). W is decoded a tile of rows at a time into a scratch of at most {@link #TILE_FLOATS}
 * floats (at least one row) and dropped after use: no fp32 copy of the whole weight is ever held.
 * Backward flows to x only (dx = dy·W, tile by tile); the frozen W gets no gradient.
 */
public final class QuantizedMatMul {
    /** Scratch budget per tile: 64K floats (256 KiB). */
    static final int TILE_FLOATS = 1 << 16;
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private QuantizedMatMul() {}

    /** x: [..., in], w: [out, in] → [..., out] */
    public static Tensor linear(Tensor x, FrozenWeight w) {
        int[] ws = w.shape();
        if (ws.length != 2) throw new IllegalArgumentException(w.format() + " linear weight must be [out, in], got " + java.util.Arrays.toString(ws));
        int out = ws[0], in = ws[1];
        if (x.dim(-1) != in) throw new IllegalArgumentException(w.format() + " linear expects last dim " + in + ", got " + x.shape());
        int rows = x.size() / in;
        int[] outDims = x.dims();
        outDims[outDims.length - 1] = out;
        Shape outShape = Shape.of(outDims);
        Backend be = x.backend();
        Storage y = be.allocate(outShape.size());
        int tile = tileRows(in, out);
        Storage part = be.allocate(rows * tile);                       // [rows, tile] x·W_tileᵀ
        float[] scratch = scratch(tile * in);
        for (int r0 = 0; r0 < out; r0 += tile) {
            int t = Math.min(tile, out - r0);
            Storage wt = decode(be, w, r0, t, in, scratch);            // [t, in]
            be.matmul(x.storage(), wt, part, 1, rows, t, in, false, true, 0, 0, 0, 1f, false);
            be.copyBlocks(part, 0, t, y, r0, out, t, rows, false);     // y[:, r0:r0+t] = part
            be.release(wt);
        }
        be.release(part);
        return Tensor.result(w instanceof Quantized4Bit ? "matmul_4bit" : "matmul_" + w.format(), y, outShape, g -> {
            if (!x.requiresGrad()) return;
            Storage gx = x.gradForAccumulation();                     // [rows, in]
            Storage gPart = be.allocate(rows * tile);                 // [rows, tile] dy[:, r0:r0+t]
            float[] s = scratch(tile * in);
            for (int r0 = 0; r0 < out; r0 += tile) {
                int t = Math.min(tile, out - r0);
                be.copyBlocks(g, r0, out, gPart, 0, t, t, rows, false);
                Storage wt = decode(be, w, r0, t, in, s);
                be.matmul(gPart, wt, gx, 1, rows, in, t, false, false, 0, 0, 0, 1f, true);  // dx += dy_tile · W_tile
                be.release(wt);
            }
            be.release(gPart);
        }, x);
    }

    /** This thread's decode buffer of n floats (a weight tile: the same n for every call on one linear). */
    private static float[] scratch(int n) {
        float[] s = SCRATCH.get();
        if (s.length != n) SCRATCH.set(s = new float[n]);
        return s;
    }

    /** Rows of W per tile: as many as fit {@link #TILE_FLOATS}, at least one, at most out. */
    static int tileRows(int in, int out) { return Math.max(1, Math.min(out, TILE_FLOATS / Math.max(1, in))); }

    /** W[r0 : r0+t, :] decoded into scratch and uploaded: [t, in] */
    private static Storage decode(Backend be, FrozenWeight w, int r0, int t, int in, float[] scratch) {
        w.dequantize((long) r0 * in, t * in, scratch, 0);
        if (t * in == scratch.length) return be.upload(scratch);
        return be.upload(java.util.Arrays.copyOf(scratch, t * in));
    }
}
