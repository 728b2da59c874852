package dev.kiln.runtime.train;

import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.optim.Sgd;
import dev.kiln.runtime.io.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A run starting on an output directory first removes what interrupted saves left behind. */
class StoreCheckpointerTest {

    @Test
    void leftoverTemporaryCheckpointsAreRemovedWhenARunStarts(@TempDir Path root) throws Exception {
        Path partial = Files.createDirectories(AtomicFiles.tempSibling(root, "step-000045"));
        Files.writeString(partial.resolve(CheckpointStore.MODEL_FILE), "half a checkpoint");
        StoreCheckpointer checkpointer = new StoreCheckpointer(new CheckpointStore(root), Map.of());
        assertTrue(checkpointer.restoreLatest(Map.of(), new Sgd(List.of(), 0)).isEmpty(), "nothing complete to resume from");
        assertFalse(Files.exists(partial), "the interrupted save's directory is gone");
    }

    /** Resuming with another config is refused naming the keys, old → new; keys that only say how long or how often may change. */
    @Test
    void resumingWithAnotherConfigIsRefusedNamingTheKeys(@TempDir Path root) throws Exception {
        var backend = new dev.kiln.api.backend.NaiveBackend();
        var w = dev.kiln.api.tensor.Tensor.of(backend, new float[] {1, 2}, 2);
        Map<String, dev.kiln.api.tensor.Tensor> params = Map.of("w", w);
        Map<String, Object> first = Map.of("train", Map.of("lr", 0.001, "steps", 100), "data", Map.of("train", "a.txt"));
        new StoreCheckpointer(new CheckpointStore(root), Map.of("pipeline", first)).save(new TrainState(10, 0, 10, 1), params, new Sgd(List.of(), 0));

        Map<String, Object> longer = Map.of("train", Map.of("lr", 0.001, "steps", 200L), "data", Map.of("train", "a.txt"));
        assertEquals(10, new StoreCheckpointer(new CheckpointStore(root), Map.of("pipeline", longer)).restoreLatest(params, new Sgd(List.of(), 0)).orElseThrow().step());

        Map<String, Object> other = Map.of("train", Map.of("lr", 0.0003, "steps", 100), "data", Map.of("train", "b.txt"), "seed", 7);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new StoreCheckpointer(new CheckpointStore(root), Map.of("pipeline", other)).restoreLatest(params, new Sgd(List.of(), 0)));
        assertTrue(e.getMessage().startsWith(root.resolve("step-000010") + " was made with another config: data.train a.txt → b.txt, seed (none) → 7, train.lr 0.001 → 3.0E-4. "),
                e.getMessage());
        assertTrue(e.getMessage().contains("--allow-config-change"), e.getMessage());
        assertEquals(10, new StoreCheckpointer(new CheckpointStore(root), Map.of("pipeline", other), true).restoreLatest(params, new Sgd(List.of(), 0)).orElseThrow().step(),
                "the override resumes anyway");
    }
}
