package dev.kiln.samples;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.runtime.pipeline.PipelineResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pretrain → fine-tune → validate every N steps → early stopping with the best model restored →
 * test split → report, through the shipped SST-2 configs on generated data.
 */
class FinetuneWorkflowTest {
    @TempDir
    static Path tmp;
    static FinetuneWorkflow flow;
    static Path pretrained;

    @BeforeAll
    static void pretrain() throws IOException {
        flow = new FinetuneWorkflow(tmp);
        pretrained = flow.pretrain();
    }

    @Test
    void fullFineTuningBeatsTheMajorityBaselineOnTheTestSplitAndReportsForgetting() throws IOException {
        PipelineResult r = flow.finetune("sst2-full.yaml", pretrained, tmp.resolve("full"), "train.lr=0.001", "train.steps=600", "train.early_stopping_patience=8");
        double acc = r.testEval().get("accuracy");
        assertTrue(acc > flow.majority + 0.2, "test accuracy " + acc + " vs majority baseline " + flow.majority + "; report " + r.report());
        assertTrue(r.testEval().containsKey("macro_f1"), r.testEval().toString());
        Map<String, Object> report = r.report();
        assertEquals("full", report.get("method"));
        Map<?, ?> params = (Map<?, ?>) report.get("parameters");
        assertEquals(100.0, ((Number) params.get("trainable_percent")).doubleValue(), 1e-9);
        Map<?, ?> forgetting = (Map<?, ?>) report.get("forgetting");
        double before = (Double) ((Map<?, ?>) forgetting.get("before")).get("loss"), after = (Double) ((Map<?, ?>) forgetting.get("after")).get("loss");
        assertTrue(Double.isFinite(before) && Double.isFinite(after) && after != before, "mlm held-out loss " + before + " -> " + after);
        assertTrue(Files.isRegularFile(tmp.resolve("full/report.json")));
        assertTrue(((Number) report.get("peak_heap_mib")).doubleValue() > 0);
        Map<?, ?> saved = (Map<?, ?>) Json.read(r.modelDir().resolve("config.json"));
        assertEquals(java.util.List.of("0", "1"), ((Map<?, ?>) ((Map<?, ?>) saved.get("objectives")).get("sft")).get("labels"),
                "label names by class id are kept with the model");
    }

    @Test
    void earlyStoppingStopsAfterPatienceAndSavesTheBestWeights() throws IOException {
        // No later evaluation can beat the first by 0.5 accuracy: selection keeps step 25 and stops after 2 more evaluations.
        Path out = tmp.resolve("early");
        PipelineResult r = flow.finetune("sst2-full.yaml", pretrained, out, "train.lr=0.001",
                "train.early_stopping_patience=2", "train.early_stopping_threshold=0.5", "train.checkpoint_every=25");
        Map<?, ?> sel = (Map<?, ?>) r.report().get("model_selection");
        assertEquals(75L, ((Number) sel.get("stopped_early_at")).longValue(), sel.toString());
        assertEquals(25L, ((Number) sel.get("best_step")).longValue(), sel.toString());
        assertEquals(75L, r.steps());
        try (SafetensorsFile best = SafetensorsFile.open(out.resolve("checkpoints/best.safetensors"));
             SafetensorsFile saved = SafetensorsFile.open(out.resolve("model/model.safetensors"));
             SafetensorsFile last = SafetensorsFile.open(out.resolve("checkpoints/step-000075/model.safetensors"))) {
            String probe = "blocks.1.mlp.up.weight";
            assertTrue(Arrays.equals(best.floats(probe), saved.floats(probe)), "the saved model is the best one");
            assertFalse(Arrays.equals(last.floats(probe), saved.floats(probe)), "not the last one");
            for (String n : best.names())
                if (saved.names().contains(n)) assertTrue(Arrays.equals(best.floats(n), saved.floats(n)), n);
        }
    }
}
