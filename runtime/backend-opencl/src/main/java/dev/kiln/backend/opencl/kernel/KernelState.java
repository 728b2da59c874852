package dev.kiln.backend.opencl.kernel;

import com.aparapi.Kernel;

/**
 * The fields of the one device program, i.e. its OpenCL kernel arguments.
 *
 * <p><b>Device memory layout.</b> Every tensor lives in the arena: up to eight device buffers
 * {@code mem0..mem7} (one {@code cl_mem} each) that stay on the device in explicit mode, addressed as
 * one space: an address's bits from {@link #bufShift} up pick the buffer, the bits below it
 * ({@link #bufMask}) the float in it (see {@code DeviceArena}). A storage is an address and a length,
 * every op reads through {@link #ld} and writes through {@link #st}, and a chain of ops reads and
 * writes device memory only. Shape comments call the arena {@code mem}.
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

    public float[] mem0 = new float[16], mem1 = new float[16], mem2 = new float[16], mem3 = new float[16];
    public float[] mem4 = new float[16], mem5 = new float[16], mem6 = new float[16], mem7 = new float[16];
    public int bufShift = 28, bufMask = (1 << 28) - 1;
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

    /** The arena's float at address a. */
    protected float ld(int a) {
        int b = a >>> bufShift, x = a & bufMask;
        float v = 0f;
        if (b == 0) v = mem0[x];
        else if (b == 1) v = mem1[x];
        else if (b == 2) v = mem2[x];
        else if (b == 3) v = mem3[x];
        else if (b == 4) v = mem4[x];
        else if (b == 5) v = mem5[x];
        else if (b == 6) v = mem6[x];
        else v = mem7[x];
        return v;
    }

    /** Writes v at arena address a. */
    protected void st(int a, float v) {
        int b = a >>> bufShift, x = a & bufMask;
        if (b == 0) mem0[x] = v;
        else if (b == 1) mem1[x] = v;
        else if (b == 2) mem2[x] = v;
        else if (b == 3) mem3[x] = v;
        else if (b == 4) mem4[x] = v;
        else if (b == 5) mem5[x] = v;
        else if (b == 6) mem6[x] = v;
        else mem7[x] = v;
    }

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
