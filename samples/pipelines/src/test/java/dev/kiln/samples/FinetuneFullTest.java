package dev.kiln.samples;

import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pretrain, then fine-tune the saved model with `full` + a frozen first block: frozen weights stay bit-identical. */
class FinetuneFullTest {

    @Test
    void fullFineTuningContinuesFromACheckpointAndHonoursFrozenBlocks(@TempDir Path tmp) throws Exception {
        Runs.pretrain("gpt-stories.yaml", Runs.tiny("train.steps=40"), tmp.resolve("pre"));
        Map<String, Object> cfg = Runs.config("finetune-full.yaml", List.of(
                "finetune.from=" + tmp.resolve("pre/model"), "train.steps=30", "train.seq_len=64", "train.batch_size=8",
                "train.eval_every=30", "train.eval_batches=8", "train.lr=0.002"));
        PipelineResult r = Runs.injector(null).getInstance(Pipeline.class)
                .finetune(cfg, Runs.CONFIGS, tmp.resolve("ft"), TrainingListener.NONE);
        assertTrue(r.finalEval().get("loss") < r.initialEval().get("loss"),
                "fine-tuning lowers held-out loss: " + r.initialEval() + " -> " + r.finalEval());
        try (SafetensorsFile before = SafetensorsFile.open(tmp.resolve("pre/model/model.safetensors"));
             SafetensorsFile after = SafetensorsFile.open(tmp.resolve("ft/model/model.safetensors"))) {
            for (String n : before.names()) {
                if (n.startsWith("blocks.0.")) assertArrayEquals(before.floats(n), after.floats(n), n + " is frozen");
            }
            assertFalse(java.util.Arrays.equals(before.floats("blocks.1.mlp.up.weight"), after.floats("blocks.1.mlp.up.weight")),
                    "block 1 trains");
        }
    }
}
