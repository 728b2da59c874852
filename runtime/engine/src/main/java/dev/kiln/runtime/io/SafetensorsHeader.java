package dev.kiln.runtime.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
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
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

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
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at column " + loc.getColumnNr();
            String what = String.valueOf(e.getOriginalMessage())
                    .replace("Duplicate field '", "duplicate tensor name '")
                    .replaceAll(" \\(start marker at \\[Source: [^]]*\\]\\)", "");
            throw new SafetensorsException(file + ": malformed JSON header" + where + ": " + what, e);
        } catch (IOException e) {
            throw new SafetensorsException(file + ": unreadable JSON header: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw SafetensorsException.of(file, "header is not a JSON object");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(METADATA_KEY)) {
                parseMetadata(file, e.getValue(), metadata);
            } else {
                tensors.put(e.getKey(), parseEntry(file, e.getKey(), e.getValue()));
            }
        }
        validateLayout(file, tensors.values(), dataLength);
        return new SafetensorsHeader(tensors, metadata);
    }

    private static void parseMetadata(Path file, JsonNode node, Map<String, String> out) throws SafetensorsException {
        if (!node.isObject()) {
            throw SafetensorsException.of(file, "'" + METADATA_KEY + "' must be an object of string values, got " + node.getNodeType());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw SafetensorsException.of(file, "metadata key '" + e.getKey() + "': value must be a string, got "
                        + e.getValue().getNodeType() + " " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node) throws SafetensorsException {
        if (!node.isObject()) {
            throw SafetensorsException.of(file, name, "entry must be an object with dtype, shape, data_offsets; got " + node.getNodeType());
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!ENTRY_FIELDS.contains(f)) {
                throw SafetensorsException.of(file, name, "unknown field '" + f + "' (known: dtype, shape, data_offsets)");
            }
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw SafetensorsException.of(file, name, "missing or non-string 'dtype'");
        }
        DType dtype = DType.parse(dt.textValue()).orElseThrow(() -> SafetensorsException.of(file, name,
                "unknown dtype '" + dt.textValue() + "' (known: " + DType.knownNames() + ")"));
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
    private static long[] longArray(Path file, String name, JsonNode node, String field, int length) throws SafetensorsException {
        if (node == null || !node.isArray()) {
            throw SafetensorsException.of(file, name, "missing or non-array '" + field + "'");
        }
        if (length >= 0 && node.size() != length) {
            throw SafetensorsException.of(file, name, "'" + field + "' must have " + length + " entries, got " + node);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw SafetensorsException.of(file, name, "'" + field + "' must hold integers, got " + node);
            }
            out[i] = v.longValue();
            if (out[i] < 0) {
                throw SafetensorsException.of(file, name, "'" + field + "' must not be negative, got " + node);
            }
        }
        return out;
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
