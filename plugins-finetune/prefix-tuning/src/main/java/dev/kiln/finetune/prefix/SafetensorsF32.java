package dev.kiln.finetune.prefix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal, pure-JDK safetensors reader/writer for F32 tensors only (the plugin can use neither
 * the engine's nor lora's copy: plugins depend on core-api alone). Layout: u64 little-endian
 * header length, a JSON header
 * {@code {"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]}, "__metadata__":{..}}}
 * padded with spaces to 8 bytes, then the little-endian data. The reader accepts the headers the
 * reference implementation writes (keys in dtype, shape, data_offsets order) and refuses other dtypes.
 */
final class SafetensorsF32 {
    private SafetensorsF32() {}

    /** A tensor's shape and values. */
    record Entry(int[] shape, float[] values) {}

    private static final Pattern ENTRY = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"(\\w+)\"\\s*,\\s*"
            + "\"shape\"\\s*:\\s*\\[([^\\]]*)\\]\\s*,\\s*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\]\\s*\\}");

    static void write(Path file, Map<String, Entry> tensors) throws IOException {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            if (e.getKey().contains("\"") || e.getKey().contains("\\")) throw new IllegalArgumentException("tensor name needs escaping: " + e.getKey());
            long bytes = 4L * e.getValue().values().length;
            h.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(Arrays.toString(e.getValue().shape()).replace(" ", "")).append(",\"data_offsets\":[")
                    .append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        h.append('}');
        while (h.length() % 8 != 0) h.append(' ');                    // ASCII only, so chars == bytes
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header);
        for (Entry e : tensors.values()) for (float v : e.values()) buf.putFloat(v);
        Files.write(file, buf.array());
    }

    static Map<String, Entry> read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong();
        if (n < 2 || 8 + n > buf.capacity()) throw new IOException(file + ": not a safetensors file (header length " + n + ")");
        String header = new String(buf.array(), 8, (int) n, StandardCharsets.UTF_8);
        int dataStart = 8 + (int) n;
        Map<String, Entry> out = new LinkedHashMap<>();
        Matcher m = ENTRY.matcher(header);
        while (m.find()) {
            if (!m.group(2).equals("F32")) throw new IOException(file + ": tensor '" + m.group(1) + "' is " + m.group(2) + "; only F32 is supported");
            int[] shape = m.group(3).isBlank() ? new int[0]
                    : Arrays.stream(m.group(3).split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            long begin = Long.parseLong(m.group(4)), end = Long.parseLong(m.group(5));
            long count = 1;
            for (int d : shape) count *= d;
            if (end - begin != 4 * count || dataStart + end > buf.capacity())
                throw new IOException(file + ": tensor '" + m.group(1) + "' has bad data_offsets [" + begin + ", " + end + "]");
            float[] v = new float[(int) count];
            buf.position((int) (dataStart + begin));
            for (int i = 0; i < v.length; i++) v[i] = buf.getFloat();
            out.put(m.group(1), new Entry(shape, v));
        }
        return out;
    }
}
