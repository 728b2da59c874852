package dev.kiln.api.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes safetensors files byte-compatible with the reference implementation: the compact JSON
 * header ({@code __metadata__} first, sorted by key; then tensors), padded with spaces to a
 * multiple of 8 bytes, then the data. Tensors are laid out in a deterministic order, the
 * reference's: wider dtypes first, then by name, so every tensor starts 8-byte aligned.
 * Writing to a {@link Path} is atomic ({@link AtomicFiles}).
 */
public final class SafetensorsWriter {
    /** What PyTorch's {@code save_file} records; Hugging Face loaders check it. */
    public static final Map<String, String> PT_METADATA = Map.of("format", "pt");
    private static final int SCRATCH_BYTES = 1 << 16;

    private SafetensorsWriter() {}

    /** Atomically writes {@code tensors} and string {@code metadata} to {@code file}. */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, TensorData>> order = order(tensors);
        byte[] header = header(order, metadata);
        AtomicFiles.write(file, out -> writeBody(out, header, order));
    }

    public static void write(Path file, Map<String, TensorData> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /** Atomically writes float tensors (F32), keyed by their names. */
    public static void writeFloats(Path file, Collection<NamedTensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, TensorData> map = new LinkedHashMap<>();
        for (NamedTensor t : tensors) {
            if (map.put(t.name(), TensorData.of(t)) != null) {
                throw new IllegalArgumentException(file + ": tensor '" + t.name() + "' given twice");
            }
        }
        write(file, map, metadata);
    }

    /** Writes the whole file to {@code out} (not closed). */
    public static void write(OutputStream out, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        List<Map.Entry<String, TensorData>> order = order(tensors);
        writeBody(out, header(order, metadata), order);
    }

    /** The 8-byte length prefix plus the padded JSON header for these tensors. */
    static byte[] header(List<Map.Entry<String, TensorData>> order, Map<String, String> metadata) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getValue() == null) throw new IllegalArgumentException("metadata key '" + m.getKey() + "' has a null value");
            }
            root.put(SafetensorsHeader.METADATA_KEY, new TreeMap<>(metadata));
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : order) {
            TensorData t = e.getValue();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().name());
            List<Long> shape = new ArrayList<>();
            for (long d : t.shape()) shape.add(d);
            entry.put("shape", shape);
            entry.put("data_offsets", List.of(offset, offset + t.byteLength()));
            offset += t.byteLength();
            root.put(e.getKey(), entry);
        }
        byte[] json = Json.compact(root).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8;
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + pad).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length + pad);
        out.put(json);
        while (out.hasRemaining()) out.put((byte) ' ');
        return out.array();
    }

    /** The reference order: dtype descending (wider first, as the reference's enum order), then name. */
    static List<Map.Entry<String, TensorData>> order(Map<String, TensorData> tensors) {
        List<Map.Entry<String, TensorData>> out = new ArrayList<>();
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            if (e.getKey() == null || e.getKey().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name '" + e.getKey() + "'");
            }
            if (e.getValue() == null) throw new IllegalArgumentException("tensor '" + e.getKey() + "' has no data");
            out.add(Map.entry(e.getKey(), e.getValue()));
        }
        out.sort(Comparator.<Map.Entry<String, TensorData>>comparingInt(e -> -e.getValue().dtype().ordinal())
                .thenComparing(Map.Entry::getKey));
        return out;
    }

    private static void writeBody(OutputStream out, byte[] header, List<Map.Entry<String, TensorData>> order) throws IOException {
        out.write(header);
        ByteBuffer scratch = ByteBuffer.allocate(SCRATCH_BYTES);
        for (Map.Entry<String, TensorData> e : order) e.getValue().writeTo(out, scratch);
    }
}
