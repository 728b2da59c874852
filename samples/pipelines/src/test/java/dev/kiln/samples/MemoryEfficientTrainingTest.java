package dev.kiln.samples;

import dev.kiln.api.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train.gradient_checkpointing and the adamw8bit / lomo optimizers through the pretrain pipeline. */
class MemoryEfficientTrainingTest {

    private static List<String> tiny(String... more) {
        return Runs.tiny(more);
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        all.addAll(List.of(more));
        return all;
    }

    static List<Double> logged(Path run, String key) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"type\":\"train\""))
                .map(l -> Double.parseDouble(l.replaceAll(".*\"" + key + "\":([^,}]*)[,}].*", "$1"))).toList();
    }

    @Test
    void gradientCheckpointingLogsTheSameLosses(@TempDir Path tmp) throws Exception {
        List<String> o = tiny("train.steps=6", "model.dropout=0.1");
        Runs.pretrain("gpt-stories.yaml", o, tmp.resolve("plain"));
        Runs.pretrain("gpt-stories.yaml", with(o, "train.gradient_checkpointing=true"), tmp.resolve("ckpt"));
        assertEquals(logged(tmp.resolve("plain"), "loss"), logged(tmp.resolve("ckpt"), "loss"), "recomputed blocks give the same steps");
    }

    @Test
    void adamw8bitFollowsAdamwWithAQuarterOfTheState(@TempDir Path tmp) throws Exception {
        List<String> o = tiny("train.steps=20");
        Runs.pretrain("gpt-stories.yaml", o, tmp.resolve("32"));
        Runs.pretrain("gpt-stories.yaml", with(o, "train.optimizer=adamw8bit"), tmp.resolve("8"));
        List<Double> full = logged(tmp.resolve("32"), "loss"), eight = logged(tmp.resolve("8"), "loss");
        double bytes32 = logged(tmp.resolve("32"), "optimizer_state_bytes").get(0), bytes8 = logged(tmp.resolve("8"), "optimizer_state_bytes").get(0);
        double worst = 0;
        for (int i = 0; i < full.size(); i++) worst = Math.max(worst, Math.abs(full.get(i) - eight.get(i)) / full.get(i));
        System.out.printf("pipeline adamw8bit: final loss %.4f vs %.4f, largest relative gap %.5f, state %.0f vs %.0f bytes (%.3f)%n",
                eight.get(19), full.get(19), worst, bytes8, bytes32, bytes8 / bytes32);
        assertTrue(worst < 0.02, "largest relative loss gap " + worst);
        assertTrue(full.get(19) < full.get(0) - 0.5, "the run learns: " + full);
        // the tiny model's norms and biases (< 4096 values) stay 32-bit, so the whole is a little over 0.254
        assertTrue(bytes8 < 0.3 * bytes32, bytes8 + " vs " + bytes32);
    }

    @Test
    void adamw8bitResumesFromACheckpointExactly(@TempDir Path tmp) throws Exception {
        List<String> o = tiny("train.optimizer=adamw8bit", "model.dropout=0.1", "train.steps=8");
        Runs.pretrain("gpt-stories.yaml", o, tmp.resolve("straight"));
        Runs.pretrain("gpt-stories.yaml", with(o, "train.checkpoint_every=4"), tmp.resolve("split-a"));
        Path resumed = tmp.resolve("split");
        Files.createDirectories(resumed.resolve("checkpoints/step-000004"));
        try (var s = Files.list(tmp.resolve("split-a/checkpoints/step-000004"))) {
            for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, resumed.resolve("checkpoints/step-000004").resolve(p.getFileName()));
        }
        Files.writeString(resumed.resolve("checkpoints/latest"), "step-000004\n");
        Runs.pretrain("gpt-stories.yaml", o, resumed);
        try (SafetensorsFile x = SafetensorsFile.open(tmp.resolve("straight/model/model.safetensors"));
             SafetensorsFile y = SafetensorsFile.open(resumed.resolve("model/model.safetensors"))) {
            for (String n : x.names()) assertArrayEquals(x.floats(n), y.floats(n), 0f, n);
        }
    }

    @Test
    void lomoTakesSgdsStepsWithClippingAndRefusesGradAccum(@TempDir Path tmp) throws Exception {
        Exception e = assertThrows(Exception.class, () -> Runs.pretrain("gpt-stories.yaml",
                tiny("train.optimizer=lomo", "train.grad_accum=2", "train.steps=2"), tmp.resolve("x")));
        assertTrue(e.getMessage().contains("grad_accum") && e.getMessage().contains("lomo"), e.getMessage());
        // grad_clip 1.0 (the config's): LOMO's norm pass, then the clipped update pass
        List<String> o = tiny("train.lr=0.5", "train.warmup=0", "train.steps=12", "model.dropout=0.1");
        Runs.pretrain("gpt-stories.yaml", with(o, "train.optimizer=sgd", "train.momentum=0"), tmp.resolve("sgd"));
        Runs.pretrain("gpt-stories.yaml", with(o, "train.optimizer=lomo", "train.gradient_checkpointing=true"), tmp.resolve("lomo"));
        List<Double> sgd = logged(tmp.resolve("sgd"), "loss"), lomo = logged(tmp.resolve("lomo"), "loss");
        assertTrue(lomo.get(11) < lomo.get(0) - 0.5, "LOMO learns: " + lomo);
        for (int i = 0; i < sgd.size(); i++) assertEquals(sgd.get(i), lomo.get(i), 1e-5, "loss at step " + (i + 1));
        List<Double> normsSgd = logged(tmp.resolve("sgd"), "grad_norm"), normsLomo = logged(tmp.resolve("lomo"), "grad_norm");
        assertTrue(normsSgd.get(0) > 1.0, "clipping engaged: " + normsSgd);
        for (int i = 0; i < normsSgd.size(); i++) assertEquals(normsSgd.get(i), normsLomo.get(i), 1e-4 * normsSgd.get(i), "grad_norm at step " + (i + 1));
        assertEquals(0.0, logged(tmp.resolve("lomo"), "optimizer_state_bytes").get(0));
        try (SafetensorsFile x = SafetensorsFile.open(tmp.resolve("sgd/model/model.safetensors"));
             SafetensorsFile y = SafetensorsFile.open(tmp.resolve("lomo/model/model.safetensors"))) {
            for (String n : x.names()) assertArrayEquals(x.floats(n), y.floats(n), 1e-6f, n);
        }
    }
}
