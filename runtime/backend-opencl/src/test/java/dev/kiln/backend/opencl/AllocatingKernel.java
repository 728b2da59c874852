package dev.kiln.backend.opencl;

import com.aparapi.Kernel;

/** Deliberately outside Aparapi's subset: creates and throws an object (Aparapi would run it on its Java thread pool). */
public class AllocatingKernel extends Kernel {
    public float[] out = new float[4];

    @Override
    public void run() {
        int i = getGlobalId(0);
        if (i >= out.length) throw new IllegalStateException("work item " + i + " out of range");
        out[i] = i;
    }
}
