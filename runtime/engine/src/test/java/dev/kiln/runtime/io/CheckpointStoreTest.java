package dev.kiln.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.io.SafetensorsException;
import dev.kiln.api.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointStoreTest {
    @TempDir Path root;

    private static List<NamedTensor> model(float v) {
        return List.of(new NamedTensor("wte.weight", new int[] {2, 3}, new float[] {v, 1, 2, 3, 4, 5}),
                NamedTensor.vector("ln_f.bias", new float[] {v}));
    }

    private static List<NamedTensor> optimizer(float v) {
        return List.of(NamedTensor.vector("m.ln_f.bias", new float[] {v * 0.1f}),
                NamedTensor.vector("v.ln_f.bias", new float[] {v * 0.01f}));
    }

    private static Map<String, Object> state(int epoch) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("epoch", epoch);
        s.put("rng", new long[] {0x9E3779B97F4A7C15L, 42L});
        s.put("config", Map.of("train", Map.of("lr", 3e-4, "batch_size", 8)));
        return s;
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void savesAndLoadsTheLatest() throws IOException {
        CheckpointStore store = new CheckpointStore(root);
        assertTrue(store.loadLatest().isEmpty());
        store.save(100, model(1f), optimizer(1f), state(0));
        Path dir = store.save(200, model(2f), optimizer(2f), state(1));
        assertEquals(root.resolve("step-000200"), dir);
        assertEquals(List.of("latest", "step-000100", "step-000200"), listing());
        assertEquals("step-000200", Files.readString(root.resolve("latest")).trim());
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "trainer.json")) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }

        Checkpoint c = store.loadLatest().orElseThrow();
        assertEquals(200, c.step());
        assertArrayEquals(new float[] {2, 1, 2, 3, 4, 5}, c.weight("wte.weight").data());
        assertArrayEquals(new int[] {2, 3}, c.weight("wte.weight").shape());
        assertArrayEquals(new float[] {0.2f}, c.optimizer().get("m.ln_f.bias").data());
        assertEquals(200L, c.trainerState().get("step"));
        assertEquals(1L, c.trainerState().get("epoch"));
        assertEquals(List.of(0x9E3779B97F4A7C15L, 42L), c.trainerState().get("rng"));
        assertEquals(Map.of("train", Map.of("lr", 3e-4, "batch_size", 8L)), c.trainerState().get("config"));
        assertEquals(100, store.load(100).step());
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void pruningKeepsTheNewestAndTheLatestPointer() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 2);
        for (int step = 1; step <= 5; step++) store.save(step, model(step), optimizer(step), state(0));
        assertEquals(List.of(4L, 5L), store.completeSteps());
        assertEquals(List.of("latest", "step-000004", "step-000005"), listing());

        // 'latest' points at step 3 while 4 and 5 still exist: pruning keeps the pointed one, resuming takes the newest.
        CheckpointStore keepOne = new CheckpointStore(root, 1);
        keepOne.save(3, model(3), optimizer(3), state(0));
        assertEquals(List.of(3L, 5L), keepOne.completeSteps(), "the newest (5) and the latest pointer (3) survive");
        assertEquals(5, keepOne.loadLatest().orElseThrow().step());
    }

    /** The checkpoint marked good survives however many newer (possibly blown-up) ones pruning makes room for. */
    @Test
    void pruningNeverRemovesTheLastGoodCheckpoint() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 1);
        assertTrue(store.lastGood().isEmpty());
        store.save(1, model(1), optimizer(1), state(0));
        store.save(2, model(2), optimizer(2), state(0));
        store.markGood(2);
        for (int step = 3; step <= 6; step++) store.save(step, model(step), optimizer(step), state(0));
        assertEquals(List.of(2L, 6L), store.completeSteps());
        assertEquals(2, store.lastGood().getAsLong());
        assertEquals(List.of("last-good", "latest", "step-000002", "step-000006"), listing());
        assertThrows(IllegalArgumentException.class, () -> store.markGood(4), "step 4 was pruned");
    }

    @Test
    void incompleteDirectoriesAreIgnored() throws IOException {
        CheckpointStore store = new CheckpointStore(root, 3);
        store.save(10, model(1f), optimizer(1f), state(0));
        // A crash while writing step 20: a temp dir with partial content.
        Path partial = Files.createDirectory(root.resolve("step-000020.tmp-deadbeef"));
        Files.writeString(partial.resolve("trainer.json"), "{\"step\": 20}");
        // A crash between the rename and the pointer update: complete dir, stale pointer.
        assertEquals(10, store.loadLatest().orElseThrow().step());
        // A directory with the right name but missing files (e.g. copied by hand) is not complete.
        Files.createDirectory(root.resolve("step-000030"));
        assertEquals(List.of(10L), store.completeSteps());
        assertEquals(10, store.loadLatest().orElseThrow().step());

        assertEquals(1, store.deleteIncomplete());
        assertFalse(Files.exists(partial));
    }

    @Test
    void aCompleteStepNewerThanThePointerIsResumedFrom() throws IOException {
        // killed between renaming step 2 into place and updating 'latest' (which still names step 1)
        CheckpointStore store = new CheckpointStore(root);
        store.save(1, model(1f), optimizer(1f), state(0));
        store.save(2, model(2f), optimizer(2f), state(0));
        Files.writeString(root.resolve("latest"), "step-000001\n");
        assertEquals(OptionalLong.of(2), store.latestStep());
        assertEquals(2, store.loadLatest().orElseThrow().step());
    }

    @Test
    void fallsBackToNewestCompleteWhenThePointerIsStale() throws IOException {
        CheckpointStore store = new CheckpointStore(root);
        store.save(1, model(1), optimizer(1), state(0));
        store.save(2, model(2), optimizer(2), state(0));
        Files.writeString(root.resolve("latest"), "step-000009\n");   // names a checkpoint that is not there
        assertEquals(OptionalLong.of(2), store.latestStep());
        Files.delete(root.resolve("latest"));
        assertEquals(2, store.loadLatest().orElseThrow().step());
    }

    @Test
    void failedSaveLeavesNothingBehindAndKeepsThePrevious() throws IOException {
        CheckpointStore store = new CheckpointStore(root);
        store.save(1, model(1), optimizer(1), state(0));
        Map<String, Object> unserializable = Map.of("thread", new Object());   // Jackson cannot write it
        assertThrows(IOException.class, () -> store.save(2, model(2), optimizer(2), unserializable));
        List<NamedTensor> duplicate = List.of(NamedTensor.vector("a", new float[] {1}), NamedTensor.vector("a", new float[] {2}));
        assertThrows(IllegalArgumentException.class, () -> store.save(2, duplicate, optimizer(2), state(0)));
        assertEquals(List.of("latest", "step-000001"), listing());
        assertEquals(1, store.loadLatest().orElseThrow().step());
    }

    @Test
    void savingTheSameStepAgainReplacesIt() throws IOException {
        CheckpointStore store = new CheckpointStore(root);
        store.save(7, model(1), optimizer(1), state(0));
        store.save(7, model(9), optimizer(9), state(3));
        Checkpoint c = store.loadLatest().orElseThrow();
        assertEquals(9f, c.weight("ln_f.bias").data()[0]);
        assertEquals(List.of("latest", "step-000007"), listing());
    }

    @Test
    void trainerStateStepMustAgree() {
        CheckpointStore store = new CheckpointStore(root);
        var e = assertThrows(IllegalArgumentException.class, () -> store.save(5, model(1), optimizer(1), Map.of("step", 6)));
        assertTrue(e.getMessage().contains("'step'"), e.getMessage());
    }

    @Test
    void damagedCheckpointIsReportedNotSkipped() throws IOException {
        CheckpointStore store = new CheckpointStore(root);
        Path dir = store.save(4, model(1), optimizer(1), state(0));
        Path model = dir.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(model);
        Files.write(model, java.util.Arrays.copyOf(b, b.length - 3));
        var e = assertThrows(SafetensorsException.class, store::loadLatest);
        assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
        Files.writeString(dir.resolve("trainer.json"), "{\"step\": 4,\n \"epoch\": }");
        var e2 = assertThrows(SafetensorsException.class, () -> store.load(4));
        assertTrue(e2.getMessage().contains("trainer.json") && e2.getMessage().contains("line 2"), e2.getMessage());
    }
}
