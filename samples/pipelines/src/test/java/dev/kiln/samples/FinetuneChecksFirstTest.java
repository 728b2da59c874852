package dev.kiln.samples;

import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fine-tune's train keys are checked before the model's weights are read (a 1B checkpoint takes a
 * minute to load): with the weights file gone, a bad train key is still the error reported.
 */
class FinetuneChecksFirstTest {

    @Test
    void aBadTrainKeyIsReportedBeforeTheWeightsAreRead(@TempDir Path tmp) throws Exception {
        Runs.pretrain("gpt-stories.yaml", Runs.tiny("train.steps=2"), tmp.resolve("pre"));
        Files.delete(tmp.resolve("pre/model/model.safetensors"));
        Pipeline pipeline = Runs.injector(null).getInstance(Pipeline.class);
        Map<String, Object> bad = Runs.config("finetune-full.yaml", List.of("finetune.from=" + tmp.resolve("pre/model"), "train.save_every=5"));
        Exception e = assertThrows(Exception.class, () -> pipeline.finetune(bad, Runs.CONFIGS, tmp.resolve("ft"), TrainingListener.NONE));
        assertTrue(e.getMessage().contains("pipeline.train") && e.getMessage().contains("save_every"), e.getMessage());

        Map<String, Object> good = Runs.config("finetune-full.yaml", List.of("finetune.from=" + tmp.resolve("pre/model")));
        Exception missing = assertThrows(Exception.class, () -> pipeline.finetune(good, Runs.CONFIGS, tmp.resolve("ft2"), TrainingListener.NONE));
        assertTrue(missing.getMessage().contains("model.safetensors"), "with good keys the missing weights are the error: " + missing.getMessage());
    }
}
