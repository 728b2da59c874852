package dev.kiln.finetune.ia3;

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
 * Just enough of the safetensors format for IA3 vectors (F32 only; the plugin may not use the
 * engine's reader). File: u64 little-endian header size N, N bytes of JSON
 * ({@code {"__metadata__":{...},"<name>":{"dtype":"F32","shape":[...],"data_offsets":[begin,end]},...}},
 * space-padded to a multiple of 8), then the tensors' little-endian bytes, offsets relative to the data start.
 */
final class Safetensors {
    private Safetensors() {}

    /** One tensor: its shape and row-major values. */
    record F32(int[] shape, float[] values) {
        F32 {
            long n = 1;
            for (int d : shape) n *= d;
            if (n != values.length) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " values, got " + values.length);
        }
    }

    static void write(Path file, Map<String, F32> tensors) throws IOException {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            if (!e.getKey().matches("[A-Za-z0-9_.\\-]+")) throw new IllegalArgumentException("unsupported tensor name: '" + e.getKey() + "'");
            long end = offset + 4L * e.getValue().values().length;
            header.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(Arrays.toString(e.getValue().shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        header.append('}');
        while (header.length() % 8 != 0) header.append(' ');
        byte[] h = header.toString().getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(8 + h.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        for (F32 t : tensors.values()) for (float v : t.values()) buf.putFloat(v);
        Files.write(file, buf.array());
    }

    private static final Pattern TENSOR = Pattern.compile("\"([^\"]+)\"\\s*:\\s*\\{([^{}]*)\\}");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\"\\s*:\\s*\"(\\w+)\"");
    private static final Pattern SHAPE = Pattern.compile("\"shape\"\\s*:\\s*\\[([^\\]]*)\\]");
    private static final Pattern OFFSETS = Pattern.compile("\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\]");

    /** Every tensor in file order; any dtype but F32 is an error naming the tensor. */
    static Map<String, F32> read(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.capacity() < 8) throw new IOException(file + ": too short for a safetensors file");
        long n = buf.getLong();
        if (n < 2 || 8 + n > buf.capacity()) throw new IOException(file + ": not a safetensors file (header size " + n + ")");
        String header = new String(buf.array(), 8, (int) n, StandardCharsets.UTF_8);
        long dataStart = 8 + n;
        Map<String, F32> out = new LinkedHashMap<>();
        Matcher m = TENSOR.matcher(header);
        while (m.find()) {
            String name = m.group(1), body = m.group(2);
            if (name.equals("__metadata__")) continue;
            Matcher dtype = DTYPE.matcher(body), shape = SHAPE.matcher(body), offsets = OFFSETS.matcher(body);
            if (!dtype.find() || !shape.find() || !offsets.find()) throw new IOException(file + ": tensor '" + name + "' lacks dtype, shape or data_offsets");
            if (!dtype.group(1).equals("F32")) throw new IOException(file + ": tensor '" + name + "' is " + dtype.group(1) + "; only F32 is supported");
            int[] dims = shape.group(1).isBlank() ? new int[0] : Arrays.stream(shape.group(1).split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
            long count = 1;
            for (int d : dims) count *= d;
            long begin = Long.parseLong(offsets.group(1)), end = Long.parseLong(offsets.group(2));
            if (end - begin != 4 * count || dataStart + end > buf.capacity())
                throw new IOException(file + ": tensor '" + name + "' has data_offsets [" + begin + ", " + end + "] for shape " + Arrays.toString(dims));
            float[] v = new float[(int) count];
            buf.position((int) (dataStart + begin));
            for (int i = 0; i < v.length; i++) v[i] = buf.getFloat();
            out.put(name, new F32(dims, v));
        }
        return out;
    }
}
