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

    /** Copies the operand addresses, sizes and float parameters, each in argument order, into the given arrays. */
    public void copyTo(int[] operands, int[] sizes, float[] floats) {
        operands[0] = o0; operands[1] = o1; operands[2] = o2; operands[3] = o3;
        operands[4] = o4; operands[5] = o5; operands[6] = o6; operands[7] = o7;
        sizes[0] = i0; sizes[1] = i1; sizes[2] = i2; sizes[3] = i3; sizes[4] = i4; sizes[5] = i5; sizes[6] = i6;
        sizes[7] = i7; sizes[8] = i8; sizes[9] = i9; sizes[10] = i10; sizes[11] = i11; sizes[12] = i12;
        floats[0] = f0; floats[1] = f1; floats[2] = f2; floats[3] = f3; floats[4] = f4; floats[5] = f5; floats[6] = f6;
    }
}
