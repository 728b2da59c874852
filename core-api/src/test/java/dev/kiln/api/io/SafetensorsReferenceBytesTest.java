package dev.kiln.api.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Byte-exact checks. The first vectors are the expected outputs of the reference (Rust)
 * implementation's own serialization tests ({@code safetensors/src/tensor.rs}); the last is a file
 * whose every byte is spelled out here.
 */
class SafetensorsReferenceBytesTest {
    @TempDir Path dir;

    private static final float[] ZERO_TO_FIVE = {0f, 1f, 2f, 3f, 4f, 5f};

    /** Reference {@code test_serialization}: one F32 [1,2,3] tensor "attn.0", header exactly 64 bytes. */
    private static final byte[] REF_SERIALIZATION = Fixtures.bytes(
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64);

    /** Reference {@code test_serialization_forced_alignement}: "attn0" [1,1,2,3], 7 spaces of padding. */
    private static final byte[] REF_ALIGNED = Fixtures.bytes(
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64);

    /** Reference {@code test_empty}: no tensors, with and without metadata. */
    private static final byte[] REF_EMPTY = Fixtures.bytes(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32);
    private static final byte[] REF_EMPTY_WITH_METADATA = Fixtures.bytes(
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32);

    @Test
    void writerMatchesReferenceImplementationBytes() throws IOException {
        assertArrayEquals(REF_SERIALIZATION, serialize(Map.of("attn.0", TensorData.f32(new int[] {1, 2, 3}, ZERO_TO_FIVE)), Map.of()));
        assertArrayEquals(REF_ALIGNED, serialize(Map.of("attn0", TensorData.f32(new int[] {1, 1, 2, 3}, ZERO_TO_FIVE)), Map.of()));
        assertArrayEquals(REF_EMPTY, serialize(Map.of(), Map.of()));
        assertArrayEquals(REF_EMPTY_WITH_METADATA, serialize(Map.of(), Map.of("framework", "pt")));
    }

    @Test
    void readerDecodesReferenceImplementationBytes() throws IOException {
        Path p = Fixtures.write(dir, "ref.safetensors", REF_ALIGNED);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(java.util.Set.of("attn0"), f.names());
            assertArrayEquals(new long[] {1, 1, 2, 3}, f.info("attn0").shape());
            assertArrayEquals(ZERO_TO_FIVE, f.floats("attn0"));
        }
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.write(dir, "empty.safetensors", REF_EMPTY_WITH_METADATA))) {
            assertEquals(Map.of("framework", "pt"), f.metadata());
            assertEquals(0, f.names().size());
        }
        // The reference's documentation example: I32 [2,2] of zeros, unpadded 60-byte header.
        byte[] docExample = Fixtures.concat(Fixtures.bytes('<', 0, 0, 0, 0, 0, 0, 0),
                "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}".getBytes(StandardCharsets.US_ASCII),
                new byte[16]);
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.write(dir, "doc.safetensors", docExample))) {
            assertArrayEquals(new int[4], f.ints("test"));
        }
    }

    @Test
    void handBuiltFileWithMetadataAndTwoDtypes() throws IOException {
        // JSON (138 bytes) + 6 spaces = 144 = 0x90; F32 "a" sorts before I32 "b" (wider dtype first).
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[8,12]}}";
        assertEquals(138, json.length());
        byte[] expected = Fixtures.concat(
                Fixtures.bytes(0x90, 0, 0, 0, 0, 0, 0, 0),
                (json + "      ").getBytes(StandardCharsets.US_ASCII),
                Fixtures.bytes(0x00, 0x00, 0x80, 0x3F),     // 1.0f  = 0x3F800000
                Fixtures.bytes(0x00, 0x00, 0x00, 0xC0),     // -2.0f = 0xC0000000
                Fixtures.bytes(0x07, 0x00, 0x00, 0x00));    // 7
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("b", TensorData.i32(new int[] {}, new int[] {7}));
        tensors.put("a", TensorData.f32(new int[] {2}, new float[] {1f, -2f}));
        Path p = dir.resolve("hand.safetensors");
        SafetensorsWriter.write(p, tensors, Map.of("format", "pt"));
        assertArrayEquals(expected, Files.readAllBytes(p));
        try (SafetensorsFile f = SafetensorsFile.open(Fixtures.write(dir, "expected.safetensors", expected))) {
            assertArrayEquals(new float[] {1f, -2f}, f.floats("a"));
            assertArrayEquals(new int[] {7}, f.ints("b"));
            assertEquals(Map.of("format", "pt"), f.metadata());
        }
    }

    private static byte[] serialize(Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SafetensorsWriter.write(out, tensors, metadata);
        return out.toByteArray();
    }
}
