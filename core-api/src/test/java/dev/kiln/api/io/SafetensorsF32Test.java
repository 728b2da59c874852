package dev.kiln.api.io;

import dev.kiln.api.io.SafetensorsF32.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsF32Test {
    @TempDir
    Path dir;

    /** A file with {@code header} as its JSON header (unpadded) followed by {@code dataBytes} zero bytes. */
    private Path rawFile(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        Path file = dir.resolve("raw.safetensors");
        Files.write(file, b.array());
        return file;
    }

    private IOException readFails(Path file) {
        return assertThrows(IOException.class, () -> SafetensorsF32.read(file));
    }

    @Test
    void roundTripKeepsOrderShapesAndValues() throws IOException {
        Map<String, Entry> tensors = new LinkedHashMap<>();
        tensors.put("z.last_in_alphabet", new Entry(new int[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, -0f, 6e30f}));
        tensors.put("scalar", new Entry(new int[0], new float[] {42}));
        tensors.put("empty", new Entry(new int[] {0, 4}, new float[0]));
        tensors.put("a.needs \"escaping\"\\", new Entry(new int[] {1}, new float[] {7}));
        Path file = dir.resolve("t.safetensors");
        SafetensorsF32.write(file, tensors);

        Map<String, Entry> back = SafetensorsF32.read(file);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.keySet()), "header order is write order");
        for (var e : tensors.entrySet()) {
            assertArrayEquals(e.getValue().shape(), back.get(e.getKey()).shape(), e.getKey());
            assertArrayEquals(e.getValue().values(), back.get(e.getKey()).values(), 0f, e.getKey());
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(back.get("z.last_in_alphabet").values()[4]), "bits, not just values");
    }

    @Test
    void layoutIsTheSafetensorsOne() throws IOException {
        Path file = dir.resolve("x.safetensors");
        SafetensorsF32.write(file, Map.of("w", new Entry(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, n % 8, "header padded to 8 bytes");
        assertEquals(8 + n + 24, b.capacity());
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}",
                new String(b.array(), 8, (int) n, StandardCharsets.UTF_8).stripTrailing(), "PyTorch's metadata by default");
        assertEquals(1f, b.getFloat(8 + (int) n), "little-endian data right after the header");
        assertEquals(6f, b.getFloat(8 + (int) n + 20));
    }

    @Test
    void metadataIsOptionalAndRoundTrips() throws IOException {
        Path with = dir.resolve("with.safetensors"), without = dir.resolve("without.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "line\nbreak \"quoted\" ünïcode");
        Map<String, Entry> one = Map.of("w", new Entry(new int[] {1}, new float[] {3}));
        SafetensorsF32.write(with, one, meta);
        SafetensorsF32.write(without, one, null);

        assertEquals(meta, SafetensorsF32.readMetadata(with));
        assertEquals(List.of("w"), List.copyOf(SafetensorsF32.read(with).keySet()), "metadata is not a tensor");
        assertEquals(Map.of(), SafetensorsF32.readMetadata(without));
        String header = new String(Files.readAllBytes(without), StandardCharsets.UTF_8);
        assertFalse(header.contains("__metadata__"), header);
        assertArrayEquals(new float[] {3}, SafetensorsF32.read(without).get("w").values());
    }

    @Test
    void readsHeadersInAnyKeyOrderAndSpacing() throws IOException {
        Path file = rawFile(" {\n \"w\" : { \"data_offsets\" : [ 0 , 8 ] , \"shape\" : [ 2 ] , \"dtype\" : \"F32\" } ,"
                + " \"__metadata__\" : { } }  ", 8);
        assertArrayEquals(new int[] {2}, SafetensorsF32.read(file).get("w").shape());
    }

    @Test
    void truncatedFilesAreNamed() throws IOException {
        Path file = dir.resolve("t.safetensors");
        SafetensorsF32.write(file, Map.of("w", new Entry(new int[] {4}, new float[] {1, 2, 3, 4})));
        byte[] whole = Files.readAllBytes(file);

        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 4));
        IOException data = readFails(file);
        assertTrue(data.getMessage().contains(file.toString()) && data.getMessage().contains("'w'")
                && data.getMessage().contains("truncated"), data.getMessage());

        Files.write(file, java.util.Arrays.copyOf(whole, 20));
        IOException header = readFails(file);
        assertTrue(header.getMessage().contains(file.toString()) && header.getMessage().contains("not a safetensors file"), header.getMessage());

        Files.write(file, new byte[5]);
        assertTrue(readFails(file).getMessage().contains("too short"));
    }

    @Test
    void otherDtypesAreRefusedNamingTensorAndDtype() throws IOException {
        for (String dtype : new String[] {"BF16", "F16", "F64", "I64"}) {
            IOException e = readFails(rawFile("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains(dtype) && e.getMessage().contains("F32"), e.getMessage());
        }
    }

    @Test
    void badHeadersAreRefusedNamingTheFile() throws IOException {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", "data_offsets");      // 2 floats are 8 bytes
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "truncated");         // past the 8 data bytes
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", "data_offsets");
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "shape");
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", "shape");
        cases.put("{\"w\":[0,8]}", "'w'");
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}", "JSON");              // trailing comma
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", "JSON");               // unclosed
        cases.put("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                "duplicate key");
        cases.put("[1, 2]", "object");
        for (var c : cases.entrySet()) {
            IOException e = readFails(rawFile(c.getKey(), 8));
            assertTrue(e.getMessage().contains(dir.resolve("raw.safetensors").toString()) && e.getMessage().contains(c.getValue()),
                    c.getKey() + " -> " + e.getMessage());
        }
        byte[] hugeLength = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array();
        Files.write(dir.resolve("raw.safetensors"), hugeLength);
        assertTrue(readFails(dir.resolve("raw.safetensors")).getMessage().contains("header length"));
    }

    @Test
    void failedWriteLeavesTheExistingFileAndNoTemporaries() throws IOException {
        Path file = dir.resolve("adapter_model.safetensors");
        SafetensorsF32.write(file, Map.of("w", new Entry(new int[] {2}, new float[] {1, 2})));
        byte[] before = Files.readAllBytes(file);

        Map<String, Entry> failsWhileWritingData = new LinkedHashMap<>() {
            @Override
            public Collection<Entry> values() {                                // the header is written; the data fails midway
                Collection<Entry> real = super.values();
                return new AbstractCollection<>() {
                    @Override
                    public Iterator<Entry> iterator() {
                        Iterator<Entry> it = real.iterator();
                        return new Iterator<>() {
                            int given;

                            @Override
                            public boolean hasNext() { return it.hasNext(); }

                            @Override
                            public Entry next() {
                                if (given++ == 1) throw new IllegalStateException("disk full (simulated)");
                                return it.next();
                            }
                        };
                    }

                    @Override
                    public int size() { return real.size(); }
                };
            }
        };
        failsWhileWritingData.put("a", new Entry(new int[] {3}, new float[] {9, 9, 9}));
        failsWhileWritingData.put("b", new Entry(new int[] {3}, new float[] {8, 8, 8}));
        assertThrows(IllegalStateException.class, () -> SafetensorsF32.write(file, failsWhileWritingData));
        assertArrayEquals(before, Files.readAllBytes(file), "the old file is intact");

        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsF32.write(file, Map.of("__metadata__", new Entry(new int[] {1}, new float[] {1}))));
        assertArrayEquals(before, Files.readAllBytes(file));

        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
        assertArrayEquals(new float[] {1, 2}, SafetensorsF32.read(file).get("w").values());
    }

    @Test
    void entriesMustMatchTheirShape() {
        assertThrows(IllegalArgumentException.class, () -> new Entry(new int[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new Entry(new int[] {-1}, new float[0]));
    }
}
