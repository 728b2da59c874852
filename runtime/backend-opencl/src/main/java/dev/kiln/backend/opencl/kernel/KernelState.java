package dev.kiln.backend.opencl.kernel;

import com.aparapi.Kernel;

/**
 * The fields of the one device program, i.e. its OpenCL kernel arguments.
 *
 * <p><b>Device memory layout.</b> Every tensor lives in {@link #mem}, one float arena (one
 * {@code cl_mem}) that stays on the device in explicit mode: a storage is an offset and a length
 * into it (see {@code DeviceArena}), so a chain of ops reads and writes device memory only.
 * Host data crosses the bus only through {@link #stage} / {@link #stageBig} (floats) and
 * {@link #ints} / {@link #meta} (token ids, targets, masks, shapes), which the host {@code put()}s
 * before a launch and {@code get()}s after {@link Op#COPY_OUT}. {@link #lmem} is the work-group's
 * local scratch that every op reuses with its own layout (documented on the op).
 *
 * <p>Scalar arguments are generic registers whose meaning each op documents in its shape comment:
 * {@code o0..o7} arena offsets of operands, {@code i0..i12} sizes / strides / flags, {@code f0..f6}
 * float parameters. Kernels obey Aparapi's subset: no objects, switch, break, throw or new.
 */
public abstract class KernelState extends Kernel {
    /** Local scratch per work-group, in floats (16 KiB: fits every OpenCL device's local memory). */
    public static final int LOCAL_FLOATS = 4096;
    /** Floats of the small staging buffer; larger transfers use {@link #stageBig}. */
    public static final int SMALL_STAGE = 16384;

    public float[] mem = new float[16];
    public float[] stage = new float[SMALL_STAGE];
    public float[] stageBig = new float[16];
    public int[] ints = new int[16];
    public int[] meta = new int[64];
    @Local public float[] lmem = new float[LOCAL_FLOATS];

    public int op;
    public int o0, o1, o2, o3, o4, o5, o6, o7;
    public int i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12;
    public float f0, f1, f2, f3, f4, f5, f6;
    public long seed;
    /** −∞, passed as an argument (Aparapi cannot print the constant). */
    public float negInf = Float.NEGATIVE_INFINITY;

    /** Work-group tree reduction of v over lmem[base, base + local size): sum, or max when max != 0. */
    protected float groupReduce(float v, int base, int max) {
        int l = getLocalId(0);
        lmem[base + l] = v;
        localBarrier();
        for (int s = getLocalSize(0) / 2; s > 0; s >>= 1) {
            if (l < s) {
                float a = lmem[base + l], b = lmem[base + l + s];
                if (max != 0) lmem[base + l] = a > b ? a : b;
                else lmem[base + l] = a + b;
            }
            localBarrier();
        }
        float r = lmem[base];
        localBarrier();
        return r;
    }
}
