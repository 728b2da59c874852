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
    private static final System.Logger LOG = System.getLogger(Launcher.class.getName());
    static final int LOCAL_1D = 64;

    final DeviceProgram k = new DeviceProgram();
    final OpenCLDevice device;
    final DeviceArena arena;
    private boolean launched;
    private long launches;

    Launcher(OpenCLDevice device, int initialFloats, long maxFloats, int bufferFloats) {
        this.device = device;
        k.setExplicit(true);
        this.arena = new DeviceArena(initialFloats, maxFloats, bufferFloats, new DeviceArena.Buffers() {
            @Override public void resizeFirst(int floats) { resize(floats); }
            @Override public void create(int index, int floats) { createBuffer(index, floats); }
        }, device.getName());
        if (!collectorKeepsLargeArraysInPlace())
            LOG.log(System.Logger.Level.WARNING, "the OpenCL backend needs the G1 collector (the JVM's default): Aparapi's device"
                    + " buffers lose their contents when the collector moves their host arrays, and only G1 never moves large ones");
        k.bufShift = arena.shift();
        k.bufMask = (1 << arena.shift()) - 1;
        k.mem0 = new float[(int) arena.capacity()];
        for (int b = 0; b < DeviceArena.BUFFERS; b++) k.put(buffer(b));
        KernelGuard.compile("kiln-device-program", k, device);
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

    /** G1 allocates arrays of half a region or more as humongous objects, which it never moves. */
    static boolean collectorKeepsLargeArraysInPlace() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(b -> b.getName().startsWith("G1"));
    }

    /** Buffer 0 to floats, keeping its contents (through the host: Aparapi has no device-side copy). */
    private void resize(int floats) {
        float[] next = new float[floats];
        if (launched) {
            k.get(k.mem0);
            System.arraycopy(k.mem0, 0, next, 0, k.mem0.length);
        }
        k.mem0 = next;
        k.put(k.mem0);
    }

    /** A new device buffer; Aparapi keeps a host array of the same size beside each one. */
    private void createBuffer(int index, int floats) {
        float[] a = new float[floats];
        switch (index) {
            case 1 -> k.mem1 = a;
            case 2 -> k.mem2 = a;
            case 3 -> k.mem3 = a;
            case 4 -> k.mem4 = a;
            case 5 -> k.mem5 = a;
            case 6 -> k.mem6 = a;
            case 7 -> k.mem7 = a;
            default -> throw new IllegalArgumentException("buffer " + index);
        }
        k.put(a);
    }

    private float[] buffer(int index) {
        return switch (index) {
            case 0 -> k.mem0;
            case 1 -> k.mem1;
            case 2 -> k.mem2;
            case 3 -> k.mem3;
            case 4 -> k.mem4;
            case 5 -> k.mem5;
            case 6 -> k.mem6;
            default -> k.mem7;
        };
    }

    @Override
    public void close() {
        k.dispose();
    }
}
