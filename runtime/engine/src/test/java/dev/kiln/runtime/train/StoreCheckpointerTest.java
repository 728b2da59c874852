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
}
