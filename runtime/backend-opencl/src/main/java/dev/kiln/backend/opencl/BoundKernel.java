package dev.kiln.backend.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

import static org.jocl.CL.clSetKernelArg;

/**
 * One kernel of the device program with the argument values it was last given: OpenCL keeps a
 * kernel's arguments between launches, so a launch sets only the ones that changed (a chain of
 * element-wise ops mostly changes two or three of the 40).
 */
final class BoundKernel {
    final cl_kernel kernel;
    private final cl_mem[] mems = new cl_mem[ARGS];
    private final long[] values = new long[ARGS];
    private final boolean[] set = new boolean[ARGS];

    /** KILN_ARGS: 8 × (buffer, index), 13 ints, 7 floats, the seed, the ints and meta buffers, the meta slot's index. */
    static final int ARGS = 40, INTS = 16, FLOATS = 29, SEED = 36, INT_DATA = 37, META = 38, META_SLOT = 39;

    BoundKernel(cl_kernel kernel) { this.kernel = kernel; }

    void mem(int index, cl_mem m) {
        if (set[index] && mems[index] == m) return;
        clSetKernelArg(kernel, index, Sizeof.cl_mem, Pointer.to(m));
        mems[index] = m;
        set[index] = true;
    }

    void intArg(int index, int v) {
        if (set[index] && values[index] == v) return;
        clSetKernelArg(kernel, index, Sizeof.cl_int, Pointer.to(new int[] {v}));
        values[index] = v;
        set[index] = true;
    }

    void floatArg(int index, float v) {
        long bits = Float.floatToRawIntBits(v);
        if (set[index] && values[index] == bits) return;
        clSetKernelArg(kernel, index, Sizeof.cl_float, Pointer.to(new float[] {v}));
        values[index] = bits;
        set[index] = true;
    }

    void longArg(int index, long v) {
        if (set[index] && values[index] == v) return;
        clSetKernelArg(kernel, index, Sizeof.cl_long, Pointer.to(new long[] {v}));
        values[index] = v;
        set[index] = true;
    }
}
