package dev.kiln.api.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir Path dir;

    @Test
    void writesAndReadsFloatAndIntegerTensors() throws IOException {
        float[] w = {1.5f, -2.25f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN};
        int[] ids = {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE};
        long[] big = {Long.MIN_VALUE, 42L, Long.MAX_VALUE};
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        tensors.put("layer.0.w", TensorData.f32(new int[] {2, 3}, w));
        tensors.put("ids", TensorData.i32(new int[] {4}, ids));
        tensors.put("big", TensorData.i64(new int[] {3, 1}, big));
        tensors.put("scalar", TensorData.f32(new int[] {}, new float[] {7f}));
        tensors.put("empty", TensorData.f32(new int[] {0, 5}, new float[0]));
        Path p = dir.resolve("m.safetensors");
        SafetensorsWriter.write(p, tensors, Map.of("format", "pt", "note", "héllo"));

        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt", "note", "héllo"), f.metadata());
            assertEquals(5, f.names().size());
            assertArrayEquals(w, f.floats("layer.0.w"));
            assertArrayEquals(new long[] {2, 3}, f.info("layer.0.w").shape());
            assertEquals(DType.F32, f.info("layer.0.w").dtype());
            assertArrayEquals(ids, f.ints("ids"));
            assertArrayEquals(new long[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}, f.longs("ids"));
            assertArrayEquals(big, f.longs("big"));
            assertEquals(DType.I64, f.info("big").dtype());
            assertArrayEquals(new float[] {7f}, f.floats("scalar"));
            assertEquals(0, f.info("scalar").rank());
            assertEquals(0, f.floats("empty").length);
            assertArrayEquals(new double[] {1.5, -2.25, 0, Float.MIN_VALUE, Float.MAX_VALUE, Double.NaN}, f.doubles("layer.0.w"));
            NamedTensor t = f.tensor("layer.0.w");
            assertArrayEquals(new int[] {2, 3}, t.shape());
            ByteBuffer b = f.buffer("ids");
            assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
            assertEquals(-1, b.getInt(4));
        }
    }

    @Test
    void layoutIsDeterministicAndAligned() throws IOException {
        Map<String, TensorData> a = new LinkedHashMap<>();
        a.put("z", TensorData.i32(new int[] {1}, new int[] {1}));
        a.put("b", TensorData.f32(new int[] {3}, new float[] {1, 2, 3}));
        a.put("a", TensorData.i64(new int[] {1}, new long[] {9}));
        Map<String, TensorData> reversed = new LinkedHashMap<>();
        List.of("a", "b", "z").forEach(k -> reversed.put(k, a.get(k)));
        Path p1 = dir.resolve("1.safetensors");
        Path p2 = dir.resolve("2.safetensors");
        SafetensorsWriter.write(p1, a, Map.of("y", "1", "x", "2"));
        SafetensorsWriter.write(p2, reversed, Map.of("x", "2", "y", "1"));
        byte[] bytes = Files.readAllBytes(p1);
        assertArrayEquals(bytes, Files.readAllBytes(p2));
        long headerLen = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, headerLen % 8, "header padded to 8 bytes");
        try (SafetensorsFile f = SafetensorsFile.open(p1)) {
            // reference order: wider dtypes first (I64 > F32 > I32), then name
            assertEquals(0, f.info("a").begin());
            assertEquals(8, f.info("b").begin());
            assertEquals(20, f.info("z").begin());
            assertEquals(List.of("a", "b", "z"), List.copyOf(f.names()));
        }
    }

    @Test
    void readsHalfPrecisionFixturesBuiltByHand() throws IOException {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 (max) = 0x7BFF, 2^-24 (min subnormal) = 0x0001, +inf = 0x7C00, 0.5 = 0x3800
        // BF16: 1.0 = 0x3F80, -2.0 = 0xC000, 3.140625 = 0x4049, 1e-40-ish subnormal 0x0001 = 2^-133
        // F64: 0.1; I16: -2, 300; I8: -128, 127; U8: 255, 0; BOOL: 1, 0; U16: 65535
        String header = "{"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[6],\"data_offsets\":[0,12]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[12,20]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[20,28]},"
                + "\"s\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[28,32]},"
                + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[32,34]},"
                + "\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[34,36]},"
                + "\"ok\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[36,38]},"
                + "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[38,40]},"
                + "\"e5\":{\"dtype\":\"F8_E5M2\",\"shape\":[2],\"data_offsets\":[40,42]},"
                + "\"e4\":{\"dtype\":\"F8_E4M3\",\"shape\":[3],\"data_offsets\":[42,45]}"
                + "}";
        byte[] data = Fixtures.bytes(
                0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C, 0x00, 0x38,
                0x80, 0x3F, 0x00, 0xC0, 0x49, 0x40, 0x01, 0x00,
                0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F,   // 0.1 = 0x3FB999999999999A
                0xFE, 0xFF, 0x2C, 0x01,
                0x80, 0x7F,
                0xFF, 0x00,
                0x01, 0x00,
                0xFF, 0xFF,
                0x3C, 0xC0,               // E5M2: 1.0 (0x3C), -2.0 (0xC0)
                0x38, 0x7E, 0x01);        // E4M3: 1.0 (0 0111 000), 448 (0 1111 110), 2^-9 (subnormal)
        Path p = Fixtures.write(dir, "dtypes.safetensors", Fixtures.file(header, data));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY, 0.5f}, f.floats("h"));
            assertArrayEquals(new float[] {1f, -2f, 3.140625f, 0x1p-133f}, f.floats("bf"));
            assertArrayEquals(new long[] {2, 2}, f.info("bf").shape());
            assertArrayEquals(new double[] {0.1}, f.doubles("d"));
            assertArrayEquals(new float[] {0.1f}, f.floats("d"));
            assertArrayEquals(new int[] {-2, 300}, f.ints("s"));
            assertArrayEquals(new int[] {-128, 127}, f.ints("i8"));
            assertArrayEquals(new int[] {255, 0}, f.ints("u8"));
            assertArrayEquals(new int[] {1, 0}, f.ints("ok"));
            assertArrayEquals(new int[] {65535}, f.ints("u16"));
            assertArrayEquals(new float[] {1f, -2f}, f.floats("e5"));
            assertArrayEquals(new float[] {1f, 448f, 0x1p-9f}, f.floats("e4"));
            assertArrayEquals(Fixtures.bytes(0x80, 0x7F), f.bytes("i8"));
        }
    }

    @Test
    void chunkedMappingGivesTheSameValues() throws IOException {
        float[] w = new float[37];
        long[] l = new long[11];
        for (int i = 0; i < w.length; i++) w[i] = i * 0.5f - 3;
        for (int i = 0; i < l.length; i++) l[i] = (long) i << 33;
        byte[] bf16 = new byte[2 * 13];
        for (int i = 0; i < 13; i++) bf16[2 * i + 1] = (byte) (0x3F + (i & 1));   // 0x3F00 = 0.5, 0x4000 = 2
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("w", TensorData.f32(new int[] {37}, w));
        t.put("l", TensorData.i64(new int[] {11}, l));
        t.put("h", TensorData.raw(DType.BF16, new long[] {13}, bf16));
        Path p = dir.resolve("chunks.safetensors");
        SafetensorsWriter.write(p, t);
        try (SafetensorsFile whole = SafetensorsFile.open(p); SafetensorsFile f = SafetensorsFile.open(p, 8)) {
            assertArrayEquals(w, f.floats("w"));
            assertArrayEquals(l, f.longs("l"));
            assertArrayEquals(whole.floats("h"), f.floats("h"));
            assertEquals(0.5f, f.floats("h")[0]);
            assertEquals(2f, f.floats("h")[1]);
            assertArrayEquals(whole.bytes("w"), f.bytes("w"));
        }
    }

    @Test
    void rawTensorDataRoundTripsAnyDtype() throws IOException {
        byte[] bf16 = Fixtures.bytes(0x80, 0x3F, 0x00, 0xC0);   // 1.0, -2.0
        Map<String, TensorData> t = Map.of("x", TensorData.raw(DType.BF16, new long[] {2}, bf16),
                "y", TensorData.f32(new int[] {1}, new float[] {3f}));
        Path p = dir.resolve("raw.safetensors");
        SafetensorsWriter.write(p, t);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1f, -2f}, f.floats("x"));
            assertArrayEquals(new float[] {3f}, f.floats("y"));
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test
    void accessorErrorsNameFileAndTensor() throws IOException {
        Path p = dir.resolve("acc.safetensors");
        SafetensorsWriter.write(p, Map.of("w", TensorData.f32(new int[] {1}, new float[] {1}),
                "big", TensorData.i64(new int[] {1}, new long[] {1L << 40})));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertMessage(assertThrows(SafetensorsException.class, () -> f.ints("w")), p, "w", "F32", "floats()");
            assertMessage(assertThrows(SafetensorsException.class, () -> f.floats("big")), p, "big", "I64", "longs()");
            assertMessage(assertThrows(SafetensorsException.class, () -> f.ints("big")), p, "big", "1099511627776", "longs()");
            assertMessage(assertThrows(SafetensorsException.class, () -> f.info("nope")), p, "nope", "no such tensor");
        }
    }

    @Test
    void writerRejectsShapeDataMismatch() {
        var e = assertThrows(IllegalArgumentException.class, () -> TensorData.f32(new int[] {2, 2}, new float[3]));
        assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TensorData.raw(DType.F16, new long[] {2}, new byte[3]));
    }

    static void assertMessage(Exception e, Path file, String... parts) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), "message names the file: " + m);
        for (String part : parts) assertTrue(m.contains(part), "message contains '" + part + "': " + m);
    }
}
