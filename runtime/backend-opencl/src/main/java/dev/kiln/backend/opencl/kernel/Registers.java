package dev.kiln.backend.opencl.kernel;

/**
 * The arguments every kernel takes (KILN_ARGS in {@code kernels/common.cl}), set by the host before a
 * launch: {@code o0..o7} arena addresses of the operands (the launcher splits each into its device
 * buffer and the index in it), {@code i0..i12} sizes / strides / flags, {@code f0..f6} float
 * parameters, {@link #seed} for dropout. Each kernel's comment says what they mean for it. Values
 * persist between launches; a kernel reads only the ones its comment names.
 */
public final class Registers {
    public int o0, o1, o2, o3, o4, o5, o6, o7;
    public int i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12;
    public float f0, f1, f2, f3, f4, f5, f6;
    public long seed;

    /** Operand addresses, in argument order. */
    public int[] operands() { return new int[] {o0, o1, o2, o3, o4, o5, o6, o7}; }

    /** Sizes and flags, in argument order. */
    public int[] ints() { return new int[] {i0, i1, i2, i3, i4, i5, i6, i7, i8, i9, i10, i11, i12}; }

    /** Float parameters, in argument order. */
    public float[] floats() { return new float[] {f0, f1, f2, f3, f4, f5, f6}; }
}
