package dev.kiln.api.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir Path dir;

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path p = dir.resolve("f.txt");
        AtomicFiles.writeString(p, "one");
        AtomicFiles.writeString(p, "two");
        assertEquals("two", Files.readString(p));
        assertEquals(List.of("f.txt"), listing());
    }

    @Test
    void writerThatThrowsHalfwayLeavesTheOldFileIntact() throws IOException {
        Path p = dir.resolve("model.safetensors");
        byte[] old = {1, 2, 3, 4, 5};
        Files.write(p, old);
        IOException boom = new IOException("disk full (simulated)");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            out.write(new byte[100_000]);    // more than the buffer: bytes really reach the temp file
            throw boom;
        }));
        assertSame(boom, thrown);
        assertArrayEquals(old, Files.readAllBytes(p));
        assertEquals(List.of("model.safetensors"), listing(), "no temp file remains");
    }

    @Test
    void uncheckedFailuresAndClosedStreamsAreHandled() throws IOException {
        Path p = dir.resolve("x.json");
        Files.writeString(p, "old");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(p, out -> {
            out.write('n');
            throw new UncheckedIOException(new IOException("boom"));
        }));
        assertEquals("old", Files.readString(p));
        AtomicFiles.write(p, out -> {
            out.write("new".getBytes());
            out.close();   // a writer that closes its stream still gets an fsynced, renamed file
        });
        assertEquals("new", Files.readString(p));
        assertEquals(List.of("x.json"), listing());
    }

    @Test
    void interruptedSafetensorsWriteKeepsThePreviousCheckpointFile() throws IOException {
        Path p = dir.resolve("w.safetensors");
        SafetensorsWriter.write(p, Map.of("w", TensorData.f32(new int[] {2}, new float[] {1, 2})));
        byte[] before = Files.readAllBytes(p);
        float[] bad = new float[] {3, 4};
        // A tensor whose shape lies about its data fails validation before anything is written...
        assertThrows(IllegalArgumentException.class, () -> TensorData.f32(new int[] {3}, bad));
        // ...and one that fails mid-write (simulated by a writer throwing) leaves the old bytes.
        assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            SafetensorsWriter.write(out, Map.of("w", TensorData.f32(new int[] {2}, bad)), Map.of());
            throw new IOException("killed");
        }));
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(List.of("w.safetensors"), listing());
    }

    @Test
    void temporaryNamesAreRecognised() {
        assertEquals(true, AtomicFiles.isTemporary(AtomicFiles.tempSibling(dir, "step-000001")));
        assertEquals(false, AtomicFiles.isTemporary(dir.resolve("step-000001")));
    }
}
