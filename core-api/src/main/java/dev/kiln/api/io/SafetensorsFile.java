package dev.kiln.api.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped safetensors file. {@link #open} reads and validates the header only; each
 * tensor is mapped ({@link FileChannel#map}) and decoded when it is asked for, in chunks of at
 * most 1 GiB, so files and tensors above 2 GiB work. Thread-safe; close it when done.
 *
 * <pre>{@code
 * try (SafetensorsFile f = SafetensorsFile.open(path)) {
 *     float[] w = f.floats("wte.weight");
 *     long[] shape = f.info("wte.weight").shape();
 * }
 * }</pre>
 */
public final class SafetensorsFile implements TensorSource {
    private static final int DEFAULT_CHUNK_BYTES = 1 << 30;
    /** The largest Java array the JVM reliably allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final SafetensorsHeader header;
    private final int chunkBytes;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, SafetensorsHeader header, int chunkBytes) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
        this.chunkBytes = chunkBytes;
    }

    /** Opens {@code path} and validates its header; no tensor data is read yet. */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(path, DEFAULT_CHUNK_BYTES);
    }

    /** As {@link #open(Path)}, mapping at most {@code chunkBytes} (a multiple of 8) at a time; for tests. */
    static SafetensorsFile open(Path path, int chunkBytes) throws IOException {
        if (chunkBytes <= 0 || chunkBytes % 8 != 0) throw new IllegalArgumentException("chunkBytes must be a positive multiple of 8");
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(path + ": no such file", e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw SafetensorsException.of(path, "file is " + size + " bytes, shorter than the 8-byte header length (truncated?)");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(path, ch, len, 0);
            long n = len.getLong(0);
            if (n < 0 || n > SafetensorsHeader.MAX_HEADER_BYTES) {
                throw SafetensorsException.of(path, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
                        + SafetensorsHeader.MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
            }
            if (n > size - 8) {
                throw SafetensorsException.of(path, "header length " + n + " runs past the end of the file (" + size
                        + " bytes): file truncated?");
            }
            ByteBuffer json = ByteBuffer.allocate((int) n);
            readFully(path, ch, json, 8);
            SafetensorsHeader h = SafetensorsHeader.parse(path, json.array(), size - 8 - n);
            return new SafetensorsFile(path, ch, 8 + n, h, chunkBytes);
        } catch (IOException | RuntimeException | Error e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Every floating tensor of {@code file} as floats (F16, BF16, F64 ... converted), in header
     * order; an integer tensor is an error naming the file and the tensor.
     */
    public static Map<String, NamedTensor> readFloats(Path file) throws IOException {
        try (SafetensorsFile f = open(file)) {
            Map<String, NamedTensor> out = new java.util.LinkedHashMap<>();
            for (String name : f.names()) out.put(name, f.tensor(name));
            return java.util.Collections.unmodifiableMap(out);
        }
    }

    public Path path() { return path; }

    @Override
    public Set<String> names() { return header.tensors().keySet(); }

    @Override
    public boolean contains(String name) { return header.tensors().containsKey(name); }

    /** All tensor entries, in header order. */
    public Map<String, TensorInfo> infos() { return header.tensors(); }

    @Override
    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo t = header.tensors().get(name);
        if (t == null) {
            Set<String> names = names();
            String some = String.join(", ", names.stream().limit(8).toList()) + (names.size() > 8 ? ", ..." : "");
            throw SafetensorsException.of(path, name, "no such tensor (the file has " + names.size() + ": " + some + ")");
        }
        return t;
    }

    @Override
    public Map<String, String> metadata() { return header.metadata(); }

    @Override
    public float[] floats(String name) throws SafetensorsException {
        TensorInfo t = require(name, DType.Kind.FLOAT, "floats");
        float[] out = new float[arrayLength(t)];
        forEachChunk(t, (b, off, n) -> {
            switch (t.dtype()) {
                case F32 -> b.asFloatBuffer().get(out, off, n);
                case F64 -> {
                    DoubleBuffer d = b.asDoubleBuffer();
                    for (int i = 0; i < n; i++) out[off + i] = (float) d.get(i);
                }
                case F16 -> {
                    ShortBuffer s = b.asShortBuffer();
                    for (int i = 0; i < n; i++) out[off + i] = HalfFloats.f16ToFloat(s.get(i));
                }
                case BF16 -> {
                    ShortBuffer s = b.asShortBuffer();
                    for (int i = 0; i < n; i++) out[off + i] = HalfFloats.bf16ToFloat(s.get(i));
                }
                case F8_E5M2 -> { for (int i = 0; i < n; i++) out[off + i] = HalfFloats.f8e5m2ToFloat(b.get(i)); }
                case F8_E4M3 -> { for (int i = 0; i < n; i++) out[off + i] = HalfFloats.f8e4m3ToFloat(b.get(i)); }
                default -> throw new AssertionError(t.dtype());
            }
        });
        return out;
    }

    @Override
    public double[] doubles(String name) throws SafetensorsException {
        TensorInfo t = require(name, DType.Kind.FLOAT, "doubles");
        if (t.dtype() != DType.F64) {
            float[] f = floats(name);
            double[] out = new double[f.length];
            for (int i = 0; i < f.length; i++) out[i] = f[i];
            return out;
        }
        double[] out = new double[arrayLength(t)];
        forEachChunk(t, (b, off, n) -> b.asDoubleBuffer().get(out, off, n));
        return out;
    }

    @Override
    public int[] ints(String name) throws SafetensorsException {
        TensorInfo t = require(name, DType.Kind.INTEGER, "ints");
        int[] out = new int[arrayLength(t)];
        forEachChunk(t, (b, off, n) -> {
            switch (t.dtype()) {
                case I32 -> b.asIntBuffer().get(out, off, n);
                case I16 -> { for (int i = 0; i < n; i++) out[off + i] = b.getShort(2 * i); }
                case U16 -> { for (int i = 0; i < n; i++) out[off + i] = b.getShort(2 * i) & 0xffff; }
                case I8 -> { for (int i = 0; i < n; i++) out[off + i] = b.get(i); }
                case U8 -> { for (int i = 0; i < n; i++) out[off + i] = b.get(i) & 0xff; }
                case BOOL -> { for (int i = 0; i < n; i++) out[off + i] = bool(t, b, i, off); }
                case U32, I64, U64 -> {
                    for (int i = 0; i < n; i++) {
                        long v = t.dtype() == DType.U32 ? b.getInt(4 * i) & 0xffffffffL : b.getLong(8 * i);
                        if (v != (int) v || (t.dtype() == DType.U64 && v < 0)) {
                            throw SafetensorsException.of(path, t.name(), "element " + (off + i) + " = "
                                    + (t.dtype() == DType.U64 ? Long.toUnsignedString(v) : Long.toString(v))
                                    + " does not fit an int; read it with longs()");
                        }
                        out[off + i] = (int) v;
                    }
                }
                default -> throw new AssertionError(t.dtype());
            }
        });
        return out;
    }

    @Override
    public long[] longs(String name) throws SafetensorsException {
        TensorInfo t = require(name, DType.Kind.INTEGER, "longs");
        long[] out = new long[arrayLength(t)];
        forEachChunk(t, (b, off, n) -> {
            switch (t.dtype()) {
                case I64 -> b.asLongBuffer().get(out, off, n);
                case U64 -> {
                    LongBuffer l = b.asLongBuffer();
                    for (int i = 0; i < n; i++) {
                        long v = l.get(i);
                        if (v < 0) {
                            throw SafetensorsException.of(path, t.name(), "element " + (off + i) + " = "
                                    + Long.toUnsignedString(v) + " does not fit a signed long");
                        }
                        out[off + i] = v;
                    }
                }
                case I32 -> { for (int i = 0; i < n; i++) out[off + i] = b.getInt(4 * i); }
                case U32 -> { for (int i = 0; i < n; i++) out[off + i] = b.getInt(4 * i) & 0xffffffffL; }
                case I16 -> { for (int i = 0; i < n; i++) out[off + i] = b.getShort(2 * i); }
                case U16 -> { for (int i = 0; i < n; i++) out[off + i] = b.getShort(2 * i) & 0xffff; }
                case I8 -> { for (int i = 0; i < n; i++) out[off + i] = b.get(i); }
                case U8 -> { for (int i = 0; i < n; i++) out[off + i] = b.get(i) & 0xff; }
                case BOOL -> { for (int i = 0; i < n; i++) out[off + i] = bool(t, b, i, off); }
                default -> throw new AssertionError(t.dtype());
            }
        });
        return out;
    }

    @Override
    public byte[] bytes(String name) throws SafetensorsException {
        TensorInfo t = info(name);
        if (t.byteLength() > MAX_ARRAY) {
            throw SafetensorsException.of(path, name, t.byteLength() + " bytes do not fit a Java array");
        }
        byte[] out = new byte[(int) t.byteLength()];
        long done = 0;
        while (done < out.length) {
            int n = (int) Math.min(chunkBytes, out.length - done);
            ByteBuffer b = map(t, t.begin() + done, n);
            int at = (int) done;
            guarded(t, () -> b.get(out, at, n));
            done += n;
        }
        return out;
    }

    /** A read-only, little-endian mapped view of one tensor's bytes (tensors up to 2 GiB). */
    public ByteBuffer buffer(String name) throws SafetensorsException {
        TensorInfo t = info(name);
        if (t.byteLength() > Integer.MAX_VALUE) {
            throw SafetensorsException.of(path, name, t.byteLength() + " bytes exceed one mapped buffer (2 GiB); use floats() or bytes()");
        }
        return map(t, t.begin(), (int) t.byteLength());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + names().size() + " tensors]";
    }

    // ---- internals ----

    @FunctionalInterface
    private interface ChunkReader {
        /** Decodes {@code count} elements at the start of {@code chunk} into the output at {@code first}. */
        void read(ByteBuffer chunk, int first, int count) throws SafetensorsException;
    }

    @FunctionalInterface
    private interface Action {
        void run() throws SafetensorsException;
    }

    private TensorInfo require(String name, DType.Kind kind, String accessor) throws SafetensorsException {
        TensorInfo t = info(name);
        boolean ok = kind == DType.Kind.FLOAT ? t.dtype().isFloating() : !t.dtype().isFloating();
        if (!ok) {
            throw SafetensorsException.of(path, name, "dtype " + t.dtype() + " cannot be read with " + accessor + "(); use "
                    + (t.dtype().isFloating() ? "floats() or doubles()" : "ints() or longs()"));
        }
        return t;
    }

    private int arrayLength(TensorInfo t) throws SafetensorsException {
        long n = t.numel();
        if (n > MAX_ARRAY) {
            throw SafetensorsException.of(path, t.name(), n + " elements do not fit a Java array");
        }
        return (int) n;
    }

    private int bool(TensorInfo t, ByteBuffer b, int i, int off) throws SafetensorsException {
        byte v = b.get(i);
        if (v != 0 && v != 1) {
            throw SafetensorsException.of(path, t.name(), "BOOL element " + (off + i) + " has byte value " + v + " (expected 0 or 1)");
        }
        return v;
    }

    private void forEachChunk(TensorInfo t, ChunkReader reader) throws SafetensorsException {
        int size = t.dtype().byteSize();
        long numel = t.numel();
        int perChunk = chunkBytes / size;
        long done = 0;
        while (done < numel) {
            int n = (int) Math.min(perChunk, numel - done);
            ByteBuffer b = map(t, t.begin() + done * size, n * size);
            int first = (int) done;
            guarded(t, () -> reader.read(b, first, n));
            done += n;
        }
    }

    /** Runs a copy out of mapped memory; a file truncated under us faults as an InternalError. */
    private void guarded(TensorInfo t, Action action) throws SafetensorsException {
        try {
            action.run();
        } catch (InternalError e) {
            throw new SafetensorsException(path + ": tensor '" + t.name() + "': fault reading mapped data (file changed on disk?)", e);
        }
    }

    private ByteBuffer map(TensorInfo t, long relative, int length) throws SafetensorsException {
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + relative, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SafetensorsException(path + ": tensor '" + t.name() + "': cannot map bytes [" + relative + ", "
                    + (relative + length) + ") of the data buffer: " + e.getMessage(), e);
        }
    }

    private static void readFully(Path path, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new EOFException(path + ": unexpected end of file at byte " + pos);
            pos += n;
        }
    }
}
