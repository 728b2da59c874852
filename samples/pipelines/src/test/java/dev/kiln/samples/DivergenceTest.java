package dev.kiln.samples;

import dev.kiln.runtime.io.CheckpointStore;
import dev.kiln.runtime.train.TrainingDivergedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run whose loss turns non-finite stops with a clear message and leaves its last good checkpoint intact. */
class DivergenceTest {

    @Test
    void nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path out) throws Exception {
        Runs.pretrain("gpt-stories.yaml", Runs.tiny("train.steps=4", "train.checkpoint_every=4"), out);
        byte[] good = Files.readAllBytes(out.resolve("checkpoints/step-000004/model.safetensors"));
        // resume the same run with an absurd learning rate and no clipping (a config change, allowed explicitly): the weights blow up
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () ->
                Runs.pretrain("gpt-stories.yaml", Runs.tiny("train.steps=400", "train.checkpoint_every=1000",
                        "train.lr=1e30", "train.grad_clip=0", "train.warmup=0", "train.schedule=constant", "train.allow_config_change=true"), out));
        assertTrue(e.getMessage().contains("diverged at step"), e.getMessage());
        assertTrue(e.getMessage().contains("The last checkpoint saved while the loss was sane is " + out.resolve("checkpoints/step-000004") + "."), e.getMessage());
        assertEquals(4, new CheckpointStore(out.resolve("checkpoints")).latestStep().getAsLong());
        assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(out.resolve("checkpoints/step-000004/model.safetensors"))));
    }
}
