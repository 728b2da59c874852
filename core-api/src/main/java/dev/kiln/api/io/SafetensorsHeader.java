package dev.kiln.api.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed and validated JSON header of a safetensors file. Validation follows the reference
 * (Rust) implementation: known dtypes, non-negative dimensions, {@code end >= begin}, the byte
 * size of each tensor equal to {@code numel * dtype size}, and the tensors tiling the data buffer
 * exactly (no gap, no overlap, no trailing bytes). Duplicate names are rejected.
 */
final class SafetensorsHeader {
    /** The reference implementation's limit on the header length. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Tensors in header order. */
    Map<String, TensorInfo> tensors() { return tensors; }

    Map<String, String> metadata() { return metadata; }

    /**
     * Parses {@code json} (the header bytes) of {@code file}, whose data buffer holds
     * {@code dataLength} bytes.
     */
    static SafetensorsHeader parse(Path file, byte[] json, long dataLength) throws SafetensorsException {
        if (json.length == 0 || json[0] != '{') {
            throw SafetensorsException.of(file, "header does not start with '{' (not a safetensors file?)");
        }
        if (!(parseJson(file, "JSON header", json) instanceof Map<?, ?> root)) {
            throw SafetensorsException.of(file, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals(METADATA_KEY)) parseMetadata(file, e.getValue(), metadata);
            else tensors.put(key, parseEntry(file, key, e.getValue()));
        }
        validateLayout(file, tensors.values(), dataLength);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static void parseMetadata(Path file, Object node, Map<String, String> out) throws SafetensorsException {
        if (!(node instanceof Map<?, ?> m)) {
            throw SafetensorsException.of(file, "'" + METADATA_KEY + "' must be an object of string values, got " + describe(node));
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String v)) {
                throw SafetensorsException.of(file, "metadata key '" + e.getKey() + "': value must be a string, got " + describe(e.getValue()));
            }
            out.put((String) e.getKey(), v);
        }
    }

    private static TensorInfo parseEntry(Path file, String name, Object value) throws SafetensorsException {
        if (!(value instanceof Map<?, ?> node)) {
            throw SafetensorsException.of(file, name, "entry must be an object with dtype, shape, data_offsets; got " + describe(value));
        }
        for (Object f : node.keySet()) {
            if (!ENTRY_FIELDS.contains(f)) {
                throw SafetensorsException.of(file, name, "unknown field '" + f + "' (known: dtype, shape, data_offsets)");
            }
        }
        if (!(node.get("dtype") instanceof String dt)) {
            throw SafetensorsException.of(file, name, "missing or non-string 'dtype'");
        }
        DType dtype = DType.parse(dt).orElseThrow(() -> SafetensorsException.of(file, name,
                "unknown dtype '" + dt + "' (known: " + DType.knownNames() + ")"));
        long[] shape = longArray(file, name, node.get("shape"), "shape", -1);
        long[] offsets = longArray(file, name, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw SafetensorsException.of(file, name, "data_offsets [" + begin + ", " + end + "]: end < begin");
        }
        long numel = 1;
        long bytes;
        try {
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException ex) {
            throw SafetensorsException.of(file, name, "shape " + Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        if (end - begin != bytes) {
            throw SafetensorsException.of(file, name, "dtype " + dtype + " x shape " + Arrays.toString(shape) + " = " + bytes
                    + " bytes, but data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** An array of non-negative integers; {@code length} = -1 for any length. */
    private static long[] longArray(Path file, String name, Object node, String field, int length) throws SafetensorsException {
        if (!(node instanceof List<?> list)) {
            throw SafetensorsException.of(file, name, "missing or non-array '" + field + "'");
        }
        if (length >= 0 && list.size() != length) {
            throw SafetensorsException.of(file, name, "'" + field + "' must have " + length + " entries, got " + describe(list));
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long v)) {
                throw SafetensorsException.of(file, name, "'" + field + "' must hold integers, got " + describe(list));
            }
            out[i] = v;
            if (out[i] < 0) {
                throw SafetensorsException.of(file, name, "'" + field + "' must not be negative, got " + describe(list));
            }
        }
        return out;
    }

    /**
     * Strict UTF-8 and strict JSON ({@link Json#parse}); an error naming the file, the line and
     * column, with a duplicate key called a duplicate tensor name (the only place keys repeat).
     */
    static Object parseJson(Path file, String what, byte[] bytes) throws SafetensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file + ": malformed " + what + ": not valid UTF-8", e);
        }
        try {
            return Json.parse(text, "");
        } catch (IOException e) {
            String detail = e.getMessage().replaceFirst("^: not valid JSON ", "")
                    .replaceAll("duplicate key \"(.*)\"$", "duplicate tensor name '$1'");
            throw new SafetensorsException(file + ": malformed " + what + " " + detail, e);
        }
    }

    /** A value for an error message, shortened. */
    static String describe(Object v) {
        String json = Json.compact(v);
        return json.length() > 80 ? json.substring(0, 77) + "..." : json;
    }

    /** Tensors sorted by offsets must tile [0, dataLength) exactly, as the reference validates. */
    private static void validateLayout(Path file, Iterable<TensorInfo> infos, long dataLength) throws SafetensorsException {
        List<TensorInfo> sorted = new ArrayList<>();
        infos.forEach(sorted::add);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long cursor = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.end() > dataLength) {
                throw SafetensorsException.of(file, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
                        + "] lie beyond the data buffer of " + dataLength + " bytes (file truncated?)");
            }
            if (t.begin() < cursor) {
                throw SafetensorsException.of(file, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + "]");
            }
            if (t.begin() > cursor) {
                throw SafetensorsException.of(file, t.name(), "data_offsets begin at " + t.begin() + " but the previous tensor"
                        + (prev == null ? "s end" : " '" + prev.name() + "' ends") + " at " + cursor
                        + ": the data buffer has a gap of " + (t.begin() - cursor) + " bytes");
            }
            cursor = t.end();
            prev = t;
        }
        if (cursor != dataLength) {
            throw SafetensorsException.of(file, "data buffer is " + dataLength + " bytes but the tensors cover "
                    + cursor + " bytes (" + (dataLength - cursor) + " bytes not described by the header)");
        }
    }
}
