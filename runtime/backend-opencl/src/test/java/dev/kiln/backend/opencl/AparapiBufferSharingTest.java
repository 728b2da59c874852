package dev.kiln.backend.opencl;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Why the backend is one uber-kernel over one arena (README, "On a GPU"): with device memory apart
 * from the host's (a discrete GPU; pocl with shared memory off), Aparapi 3.0.2 gives every kernel
 * instance its own device copy of an array, and runs {@code run()} whatever entry point
 * {@code execute(name, range)} names, so per-op kernels cannot share the arena inside Aparapi. If an
 * Aparapi upgrade changes either, this test fails and per-op kernels become possible.
 */
@Tag("gpu")
class AparapiBufferSharingTest {

    public static class AddOne extends Kernel {
        public float[] data;

        @Override
        public void run() { data[getGlobalId()] += 1f; }

        public void timesTen() { data[getGlobalId()] *= 10f; }
    }

    public static class TimesTwo extends Kernel {
        public float[] data;

        @Override
        public void run() { data[getGlobalId()] *= 2f; }
    }

    @Test
    void twoKernelInstancesOverOneArrayKeepTwoDeviceCopies() {
        OpenCLDevice device = OpenClTestSupport.deviceOrSkip();
        float[] data = new float[8];
        AddOne add = new AddOne();
        TimesTwo twice = new TimesTwo();
        add.data = data;
        twice.data = data;
        add.setExplicit(true);
        twice.setExplicit(true);
        try {
            Range r = device.createRange(8);
            add.put(data).execute(r);            // add's copy: 1
            twice.put(data).execute(r);          // one shared buffer would hold 2; twice's own copy of the host's 0 holds 0
            add.get(data);
            assertEquals(1f, data[3], "add's device copy");
            twice.get(data);
            assertEquals(0f, data[3], "twice's device copy is its own (a shared buffer would read 2)");
        } finally {
            add.dispose();
            twice.dispose();
        }
    }

    @Test
    void aNamedEntryPointRunsRunInstead() {
        OpenCLDevice device = OpenClTestSupport.deviceOrSkip();
        AddOne k = new AddOne();
        k.data = new float[8];
        k.setExplicit(true);
        try {
            Range r = device.createRange(8);
            k.put(k.data).execute(r);            // 1
            k.execute("timesTen", r);            // timesTen would give 10; run() gives 2
            k.get(k.data);
            assertEquals(2f, k.data[5], "execute(\"timesTen\") ran run()");
        } finally {
            k.dispose();
        }
    }
}
