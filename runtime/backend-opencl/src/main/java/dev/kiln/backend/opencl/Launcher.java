package dev.kiln.backend.opencl;

import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import dev.kiln.backend.opencl.kernel.DeviceProgram;
import dev.kiln.backend.opencl.kernel.KernelState;
import dev.kiln.backend.opencl.kernel.Op;

import java.util.Arrays;

/**
 * Owns the {@link DeviceProgram} on one device: its arena, host transfers (through the staging
 * buffers only) and launches. Every launch is checked by {@link KernelGuard}.
 */
final class Launcher implements AutoCloseable {
    static final int LOCAL_1D = 64;

    final DeviceProgram k = new DeviceProgram();
    final OpenCLDevice device;
    final DeviceArena arena;
    private boolean launched;
    private long launches;

    Launcher(OpenCLDevice device, int initialFloats, int maxFloats) {
        this.device = device;
        k.setExplicit(true);
        k.mem = new float[initialFloats];
        k.put(k.mem);
        KernelGuard.compile("kiln-device-program", k, device);
        this.arena = new DeviceArena(initialFloats, maxFloats, this::resize, device.getName());
    }

    long launches() { return launches; }

    /** OpenClStorage of s, checked to belong to this device. */
    OpenClStorage of(dev.kiln.api.tensor.Storage s) {
        if (s instanceof OpenClStorage o && o.arena == arena) return o;
        throw new IllegalArgumentException("expected storage of OpenCL backend on '" + device.getName() + "', got "
                + (s == null ? "null" : s.getClass().getName()) + ": tensors from different backends cannot be mixed");
    }

    int off(dev.kiln.api.tensor.Storage s) { return of(s).offset; }

    // ---- launches ---------------------------------------------------------------------------

    /** One work item per element of n (rounded up to the local size). */
    void run1D(int op, int n) {
        if (n <= 0) return;
        launch(op, Range.create(device, roundUp(n, LOCAL_1D), LOCAL_1D));
    }

    /** One work-group of local items per group index. */
    void runGroups(int op, int groups, int local) {
        if (groups <= 0) return;
        launch(op, Range.create(device, groups * local, local));
    }

    void run2D(int op, int g0, int g1, int l0, int l1) {
        if (g0 <= 0 || g1 <= 0) return;
        launch(op, Range.create2D(device, g0, g1, l0, l1));
    }

    private void launch(int op, Range range) {
        k.op = op;
        KernelGuard.execute(Op.name(op), k, range, device);
        launched = true;
        launches++;
        KernelGuard.checkRanOn(Op.name(op), k, device);
    }

    static int roundUp(int n, int m) { return (n + m - 1) / m * m; }

    // ---- transfers --------------------------------------------------------------------------

    /** Host floats data[from, from + n) into the arena at offset. */
    void write(float[] data, int from, int n, int offset) {
        if (n == 0) return;
        boolean big = n > KernelState.SMALL_STAGE;
        float[] st = big ? bigStage(n) : k.stage;
        System.arraycopy(data, from, st, 0, n);
        k.put(st);
        k.o0 = offset;
        k.i0 = n;
        k.i1 = big ? 1 : 0;
        run1D(Op.COPY_IN, n);
    }

    /** n floats of the arena at offset, to the host. */
    float[] read(int offset, int n) {
        float[] out = new float[n];
        if (n == 0) return out;
        boolean big = n > KernelState.SMALL_STAGE;
        float[] st = big ? bigStage(n) : k.stage;
        k.o0 = offset;
        k.i0 = n;
        k.i1 = big ? 1 : 0;
        run1D(Op.COPY_OUT, n);
        k.get(st);
        System.arraycopy(st, 0, out, 0, n);
        return out;
    }

    private float[] bigStage(int n) {
        if (k.stageBig.length < n) k.stageBig = new float[Integer.highestOneBit(n - 1) << 1];
        return k.stageBig;
    }

    /** Host ints (ids, targets, masks, shapes) for the next launch, at ints[0, n). */
    void ints(int[] data, int n) {
        if (k.ints.length < Math.max(n, 1) || k.ints.length > 4 * Math.max(n, 1024)) {
            k.ints = new int[Math.max(1024, Integer.highestOneBit(Math.max(n, 1) - 1) << 1)];
        }
        System.arraycopy(data, 0, k.ints, 0, n);
        k.put(k.ints);
    }

    /** Shape metadata: meta[8·slot + d] = values[d]. */
    void meta(int[]... slots) {
        Arrays.fill(k.meta, 0);
        for (int s = 0; s < slots.length; s++) {
            if (slots[s].length > 8) throw new IllegalArgumentException("rank " + slots[s].length + " > 8 is not supported");
            System.arraycopy(slots[s], 0, k.meta, 8 * s, slots[s].length);
        }
        k.put(k.meta);
    }

    private void resize(int capacity) {
        float[] next = new float[capacity];
        if (launched) {
            k.get(k.mem);
            System.arraycopy(k.mem, 0, next, 0, k.mem.length);
        }
        k.mem = next;
        k.put(k.mem);
    }

    @Override
    public void close() {
        k.dispose();
    }
}
