package dev.kiln.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format for F32 tensors, JDK only, for plugins (which cannot use the engine's
 * reader). A file is a u64 little-endian header length N, N bytes of JSON
 * {@code {"__metadata__":{"k":"v"},"<name>":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},..}}
 * padded with spaces to a multiple of 8, then the tensors' little-endian bytes, offsets counted
 * from the end of the header. Reading accepts any JSON layout of the header (key order, white
 * space) and refuses other dtypes; every error names the file and, where there is one, the tensor.
 * Writing is atomic: a temporary file beside the target, then a move, so a failed write leaves an
 * existing file as it was.
 */
public final class SafetensorsF32 {
    /** What PyTorch's {@code save_file} records; Hugging Face loaders check it. {@link #write(Path, Map)} writes it. */
    public static final Map<String, String> PT_METADATA = Map.of("format", "pt");
    static final String METADATA = "__metadata__";
    /** The reference implementation's cap on the header (100 MB), against a corrupt length. */
    static final long MAX_HEADER = 100_000_000L;

    private SafetensorsF32() {}

    /** One tensor: its shape and row-major values (not copied). */
    public record Entry(int[] shape, float[] values) {
        public Entry {
            long n = 1;
            for (int d : shape) {
                if (d < 0) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension");
                n *= d;
            }
            if (n != values.length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, got " + values.length);
        }
    }

    /** {@link #write(Path, Map, Map)} with {@link #PT_METADATA}. */
    public static void write(Path file, Map<String, Entry> tensors) throws IOException {
        write(file, tensors, PT_METADATA);
    }

    /**
     * Writes {@code tensors} in map order, with {@code metadata} as {@code __metadata__} (none when
     * null or empty). Atomic: on any failure an existing {@code file} is untouched.
     */
    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put(METADATA, metadata);
        long offset = 0;
        for (var e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(METADATA))
                throw new IllegalArgumentException(file + ": cannot name a tensor '" + name + "'");
            long end = offset + 4L * e.getValue().values().length;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            info.put("shape", e.getValue().shape());
            info.put("data_offsets", List.of(offset, end));
            header.put(name, info);
            offset = end;
        }
        byte[] json = Json.compact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();

        Path tmp = file.resolveSibling("." + file.getFileName() + "." + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, head);
                ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
                for (Entry t : tensors.values())
                    for (float v : t.values()) {
                        if (!chunk.hasRemaining()) writeFully(out, chunk.flip()).clear();
                        chunk.putFloat(v);
                    }
                writeFully(out, chunk.flip());
                out.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException notHere) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static ByteBuffer writeFully(FileChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) out.write(buf);
        return buf;
    }

    /** Every tensor in header order; an error naming the file (and the tensor) for anything but well-formed F32 data. */
    public static Map<String, Entry> read(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            Header header = header(in, file);
            Map<String, Entry> out = new LinkedHashMap<>();
            for (String name : header.json().keys())
                if (!name.equals(METADATA)) out.put(name, tensor(in, file, name, header));
            return out;
        }
    }

    /** The {@code __metadata__} strings, empty when the file has none. */
    public static Map<String, String> readMetadata(Path file) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            JsonObject meta = header(in, file).json().object(METADATA);
            if (meta == null) return Map.of();
            Map<String, String> out = new LinkedHashMap<>();
            for (String key : meta.keys()) {
                String v = meta.string(key);
                if (v == null) throw meta.error(key, "must be a string, got null");
                out.put(key, v);
            }
            return Collections.unmodifiableMap(out);
        }
    }

    /** The parsed header and where the data starts (8 + its length). */
    private record Header(JsonObject json, long dataStart) {}

    private static Header header(FileChannel in, Path file) throws IOException {
        long size = in.size();
        if (size < 8) throw new IOException(file + ": " + size + " bytes, too short for a safetensors file");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, len, 0, file);
        long n = len.flip().getLong();
        if (n < 2 || n > MAX_HEADER || 8 + n > size)
            throw new IOException(file + ": not a safetensors file (header length " + Long.toUnsignedString(n) + " in a " + size + "-byte file)");
        ByteBuffer json = ByteBuffer.allocate((int) n);
        readFully(in, json, 8, file);
        return new Header(Json.parseObject(new String(json.array(), StandardCharsets.UTF_8), file + " (safetensors header)"), 8 + n);
    }

    private static Entry tensor(FileChannel in, Path file, String name, Header header) throws IOException {
        String where = file + ": tensor '" + name + "'";
        Object raw = header.json().get(name);
        if (!(raw instanceof Map<?, ?>)) throw new IOException(where + " must be {dtype, shape, data_offsets}, got " + Json.write(raw));
        JsonObject info = header.json().object(name);
        String dtype = info.string("dtype");
        long[] dims = info.longs("shape"), offsets = info.longs("data_offsets");
        if (dtype == null || dims == null || offsets == null) throw new IOException(where + " lacks dtype, shape or data_offsets");
        if (!dtype.equals("F32")) throw new IOException(where + " is " + dtype + "; only F32 is supported");
        int[] shape = new int[dims.length];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) throw new IOException(where + " has shape " + Arrays.toString(dims));
            shape[i] = (int) dims[i];
            count *= dims[i];
            if (count > Integer.MAX_VALUE - 8) throw new IOException(where + " has shape " + Arrays.toString(dims) + ", more values than a Java array holds");
        }
        if (offsets.length != 2 || offsets[0] < 0 || offsets[1] - offsets[0] != 4 * count)
            throw new IOException(where + " has data_offsets " + Arrays.toString(offsets) + ", but shape " + Arrays.toString(shape)
                    + " needs [begin, begin + " + 4 * count + "]");
        long size = in.size();
        if (header.dataStart() + offsets[1] > size)
            throw new IOException(where + " ends at byte " + (header.dataStart() + offsets[1]) + " of a " + size + "-byte file (truncated?)");
        float[] values = new float[(int) count];
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        long position = header.dataStart() + offsets[0];
        for (int i = 0; i < values.length; ) {
            int n = Math.min(chunk.capacity() / 4, values.length - i);
            chunk.clear().limit(4 * n);
            readFully(in, chunk, position, file);
            chunk.flip().asFloatBuffer().get(values, i, n);
            position += 4L * n;
            i += n;
        }
        return new Entry(shape, values);
    }

    private static void readFully(FileChannel in, ByteBuffer buf, long position, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int n = in.read(buf, position);
            if (n < 0) throw new IOException(file + ": ends early (truncated?)");
            position += n;
        }
    }
}
