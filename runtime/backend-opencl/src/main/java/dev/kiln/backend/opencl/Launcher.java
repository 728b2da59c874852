package dev.kiln.backend.opencl;

import dev.kiln.backend.opencl.kernel.Kernels;
import dev.kiln.backend.opencl.kernel.MatmulTiling;
import dev.kiln.backend.opencl.kernel.Op;
import dev.kiln.backend.opencl.kernel.Registers;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;
import org.jocl.cl_program;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

import static org.jocl.CL.*;

/**
 * Owns the device program on one device (through JOCL): its context, one in-order command queue, the
 * arena's device buffers, host transfers and launches. Launches and the int inputs that go with them
 * (ids, targets, masks) are queued without waiting; a launch's shape metadata is found in a {@link MetaTable}
 * slot already on the device once its shape has been seen. A download, an upload or {@link #finish} waits for
 * what was queued before it, so the host never sees a half-done chain.
 * Any OpenCL error becomes an {@link OpenClKernelException} naming the kernel (or transfer) and device.
 * In sync mode ({@value #SYNC_ENV}, like CUDA_LAUNCH_BLOCKING) every launch is waited for and every int input
 * upload blocks: a kernel's asynchronous fault is then reported by that kernel rather than by a later call, and
 * every OpenCL call is made on the calling thread (for a queued write JOCL waits on its event from a thread of its
 * own, which Oclgrind's runtime, a debugging tool's, does not survive).
 */
final class Launcher implements AutoCloseable {
    /** Set to true (or 1) for sync mode. */
    static final String SYNC_ENV = "KILN_OPENCL_SYNC";
    final ClDevice device;
    /** Sync mode: each launch waits for its kernel, each int upload for its copy. */
    final boolean sync;
    /** The matmul kernel's shape, built into the program. */
    final MatmulTiling tiling;
    final DeviceArena arena;
    /** The next launch's arguments. */
    final Registers k = new Registers();
    private final cl_context context;
    private final cl_command_queue queue;
    private cl_program program;
    private final Map<Op, BoundKernel> kernels = new EnumMap<>(Op.class);
    private final cl_mem[] buffers = new cl_mem[DeviceArena.BUFFERS];
    private final long[] bufferFloats = new long[DeviceArena.BUFFERS];
    private final int shift, mask;
    private cl_mem ints, meta;
    private int intsCapacity;
    private long launches;
    private final long[] launchesByOp = new long[Op.values().length];
    /** The launches' shape metadata on the device (in {@link #meta}); the next launch reads slot {@link #metaSlot}. */
    private final MetaTable metaTable = new MetaTable(META_SLOTS, this::writeMeta);
    private int metaSlot;
    static final int META_SLOTS = 1024;
    /**
     * Where queued int writes read from: each takes the next slice, and the slices are reused only after a
     * blocking command shows the in-order queue has passed them ({@link #drained}).
     */
    private ByteBuffer staging = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.nativeOrder());
    /** The launch's arguments, read from {@link #k}: reused so a launch allocates nothing of its own. */
    private final int[] operands = new int[8], sizes = new int[13];
    private final float[] params = new float[7];

    Launcher(ClDevice device, int initialFloats, long maxFloats, int bufferFloats, boolean sync, MatmulTiling tiling) {
        this.device = device;
        this.sync = sync;
        this.tiling = tiling;
        CL.setExceptionsEnabled(true);
        try {
            cl_context_properties props = new cl_context_properties();
            props.addProperty(CL_CONTEXT_PLATFORM, device.platform());
            context = clCreateContext(props, 1, new cl_device_id[] {device.id()}, null, null, null);
            queue = clCreateCommandQueue(context, device.id(), 0, null);
        } catch (CLException e) {
            throw new OpenClKernelException("kiln-device-program", device.name(), "has no context", e);
        }
        this.arena = new DeviceArena(initialFloats, maxFloats, bufferFloats, new DeviceArena.Buffers() {
            @Override public void resizeFirst(int floats) { resize(floats); }
            @Override public void create(int index, int floats) { buffers[index] = newBuffer(index, floats); }
        }, device.name());
        this.shift = arena.shift();
        this.mask = (1 << shift) - 1;
        try {
            program = ClProgram.build(context, device, "kiln-device-program", Kernels.source(), Kernels.buildOptions(tiling));
            for (Op op : Op.values()) kernels.put(op, new BoundKernel(ClProgram.kernel(program, op.kernelName(), device)));
            buffers[0] = newBuffer(0, (int) arena.capacity());
            meta = deviceInts(META_SLOTS * MetaTable.SLOT_INTS);
            ints = deviceInts(intsCapacity = 1024);
        } catch (RuntimeException e) {   // e.g. a device that cannot compile the program: give back what was made
            releaseAll();
            throw e;
        }
    }

    long launches() { return launches; }

    /** The context this launcher's buffers and program live in (for tests that run a kernel of their own beside them). */
    cl_context context() { return context; }

    /** Launches of op's kernel so far. */
    long launches(Op op) { return launchesByOp[op.ordinal()]; }

    /** Whether {@value #SYNC_ENV} asks for sync mode. */
    static boolean syncRequested() {
        String v = System.getenv(SYNC_ENV);
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }

    /** OpenClStorage of s, checked to belong to this device. */
    OpenClStorage of(dev.kiln.api.tensor.Storage s) {
        if (s instanceof OpenClStorage o && o.arena == arena) return o;
        throw new IllegalArgumentException("expected storage of OpenCL backend on '" + device.name() + "', got "
                + (s == null ? "null" : s.getClass().getName()) + ": tensors from different backends cannot be mixed");
    }

    int off(dev.kiln.api.tensor.Storage s) { return of(s).offset; }

    // ---- launches ---------------------------------------------------------------------------

    /** One work item per element of n (rounded up to the local size). */
    void run1D(Op op, int n) {
        if (n <= 0) return;
        launch(op, 1, new long[] {roundUp(n, Kernels.LOCAL_1D)}, new long[] {Kernels.LOCAL_1D});
    }

    /** One work-group of local items per group index. */
    void runGroups(Op op, int groups, int local) {
        if (groups <= 0) return;
        launch(op, 1, new long[] {(long) groups * local}, new long[] {local});
    }

    /** A column kernel over cols columns: work-groups of COL_GROUP columns by COL_LANES row lanes. */
    void runColumns(Op op, int cols) {
        if (cols <= 0) return;
        launch(op, 2, new long[] {roundUp(cols, Kernels.COL_GROUP), Kernels.COL_LANES},
                new long[] {Kernels.COL_GROUP, Kernels.COL_LANES});
    }

    void run2D(Op op, int g0, int g1, int l0, int l1) {
        if (g0 <= 0 || g1 <= 0) return;
        launch(op, 2, new long[] {g0, g1}, new long[] {l0, l1});
    }

    private void launch(Op op, int dims, long[] global, long[] local) {
        BoundKernel bk = kernels.get(op);
        try {
            k.copyTo(operands, sizes, params);
            for (int i = 0; i < operands.length; i++) {
                int b = operands[i] >>> shift;
                bk.mem(2 * i, b < buffers.length && buffers[b] != null ? buffers[b] : buffers[0]);
                bk.intArg(2 * i + 1, operands[i] & mask);
            }
            for (int i = 0; i < sizes.length; i++) bk.intArg(BoundKernel.INTS + i, sizes[i]);
            for (int i = 0; i < params.length; i++) bk.floatArg(BoundKernel.FLOATS + i, params[i]);
            bk.longArg(BoundKernel.SEED, k.seed);
            bk.mem(BoundKernel.INT_DATA, ints);
            bk.mem(BoundKernel.META, meta);
            bk.intArg(BoundKernel.META_SLOT, metaSlot * MetaTable.SLOT_INTS);
            clEnqueueNDRangeKernel(queue, bk.kernel, dims, null, global, local, 0, null, null);
            if (sync) clFinish(queue);
        } catch (CLException e) {
            throw new OpenClKernelException(op.kernelName(), device.name(), "failed", e);
        }
        launches++;
        launchesByOp[op.ordinal()]++;
    }

    static int roundUp(int n, int m) { return (n + m - 1) / m * m; }

    /** Waits until everything queued has run. */
    void finish() {
        try {
            clFinish(queue);
        } catch (CLException e) {
            throw new OpenClKernelException("kiln-device-program", device.name(), "failed", e);
        }
        drained();
    }

    /** After a blocking command on the in-order queue: everything queued before it has run, staging is free again. */
    private void drained() { staging.clear(); }

    // ---- transfers --------------------------------------------------------------------------

    /** Host floats data[from, from + n) into the arena at address. */
    void write(float[] data, int from, int n, int address) {
        if (n == 0) return;
        transfer("upload", () -> clEnqueueWriteBuffer(queue, buffers[address >>> shift], CL_TRUE, (long) (address & mask) * Sizeof.cl_float,
                (long) n * Sizeof.cl_float, Pointer.to(data).withByteOffset((long) from * Sizeof.cl_float), 0, null, null));
        drained();
    }

    /** n floats of the arena at address, to the host. */
    float[] read(int address, int n) {
        float[] out = new float[n];
        if (n == 0) return out;
        transfer("download", () -> clEnqueueReadBuffer(queue, buffers[address >>> shift], CL_TRUE, (long) (address & mask) * Sizeof.cl_float,
                (long) n * Sizeof.cl_float, Pointer.to(out), 0, null, null));
        drained();
        return out;
    }

    /** Host ints (ids, targets, masks, shapes) for the next launch, at ints[0, n). */
    void ints(int[] data, int n) {
        if (intsCapacity < Math.max(n, 1)) {
            cl_mem old = ints;
            ints = deviceInts(intsCapacity = Integer.highestOneBit(Math.max(n, 1) - 1) << 1);
            clReleaseMemObject(old);   // freed once the launches queued with it have run
        }
        if (n > 0) queueInts(data, n);
    }

    /**
     * Queues a write of data[0, n) to the ints buffer without waiting: the queue is in order, so it lands after the
     * launches queued before it (which may still read the buffer's previous contents) and before the next one.
     * Its source is a copy in the next slice of {@link #staging}; when staging is full the queue is drained first.
     * In sync mode the write blocks instead.
     */
    private void queueInts(int[] data, int n) {
        int bytes = n * Sizeof.cl_int;
        if (sync) {
            transfer("ints upload", () -> clEnqueueWriteBuffer(queue, ints, CL_TRUE, 0, bytes, Pointer.to(data), 0, null, null));
            return;
        }
        if (staging.remaining() < bytes) {
            finish();
            if (staging.capacity() < bytes) staging = ByteBuffer.allocateDirect(Integer.highestOneBit(bytes - 1) << 1).order(ByteOrder.nativeOrder());
        }
        ByteBuffer copy = staging.slice(staging.position(), bytes).order(ByteOrder.nativeOrder());
        copy.asIntBuffer().put(data, 0, n);
        staging.position(staging.position() + bytes);
        transfer("ints upload", () -> clEnqueueWriteBuffer(queue, ints, CL_FALSE, 0, bytes, Pointer.to(copy), 0, null, null));
    }

    /** Shape metadata for the next launch: meta[8·part + d] = parts[part][d]. */
    void meta(int[]... parts) {
        int[] m = new int[MetaTable.SLOT_INTS];
        for (int s = 0; s < parts.length; s++) {
            if (parts[s].length > 8) throw new IllegalArgumentException("rank " + parts[s].length + " > 8 is not supported");
            System.arraycopy(parts[s], 0, m, 8 * s, parts[s].length);
        }
        metaSlot = metaTable.slotOf(m);
    }

    /** Metadata writes to the device so far (one per shape the table did not hold). */
    long metaWrites() { return metaTable.writes(); }

    /** A blocking write: on the in-order queue it lands after every launch queued before it, which may read the slot. */
    private void writeMeta(int slot, int[] m) {
        transfer("meta upload", () -> clEnqueueWriteBuffer(queue, meta, CL_TRUE, (long) slot * MetaTable.SLOT_INTS * Sizeof.cl_int,
                (long) m.length * Sizeof.cl_int, Pointer.to(m), 0, null, null));
    }

    private void transfer(String what, Runnable call) {
        try {
            call.run();
        } catch (CLException e) {
            throw new OpenClKernelException(what, device.name(), "failed", e);
        }
    }

    // ---- device buffers ---------------------------------------------------------------------

    private cl_mem newBuffer(int index, int floats) {
        try {
            cl_mem m = clCreateBuffer(context, CL_MEM_READ_WRITE, (long) floats * Sizeof.cl_float, null, null);
            bufferFloats[index] = floats;
            return m;
        } catch (CLException e) {
            throw new IllegalStateException("OpenCL device '" + device.name() + "': cannot create arena buffer " + index
                    + " of " + floats / 262_144 + " MiB: " + e.getMessage(), e);
        }
    }

    private cl_mem deviceInts(int n) {
        return clCreateBuffer(context, CL_MEM_READ_ONLY, (long) n * Sizeof.cl_int, null, null);
    }

    /** Buffer 0 to floats, keeping its contents (a device-side copy, queued after everything that uses it). */
    private void resize(int floats) {
        cl_mem old = buffers[0];
        long oldFloats = bufferFloats[0];
        cl_mem next = newBuffer(0, floats);
        transfer("arena resize", () -> clEnqueueCopyBuffer(queue, old, next, 0, 0, oldFloats * Sizeof.cl_float, 0, null, null));
        buffers[0] = next;
        clReleaseMemObject(old);
    }

    @Override
    public void close() {
        try {
            clFinish(queue);
        } finally {
            releaseAll();
        }
    }

    private void releaseAll() {
        for (BoundKernel bk : kernels.values()) clReleaseKernel(bk.kernel);
        kernels.clear();
        for (cl_mem m : buffers) if (m != null) clReleaseMemObject(m);
        Arrays.fill(buffers, null);
        if (ints != null) clReleaseMemObject(ints);
        if (meta != null) clReleaseMemObject(meta);
        if (program != null) clReleaseProgram(program);
        ints = meta = null;
        program = null;
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
