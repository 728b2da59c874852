package dev.kiln.samples;

import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.runtime.data.prepared.PreparedManifest;
import dev.kiln.runtime.pipeline.CorpusPreparation;
import dev.kiln.runtime.pipeline.Pipeline;
import dev.kiln.runtime.pipeline.PipelineResult;
import dev.kiln.runtime.train.TrainingListener;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sample pipelines trained from a prepared corpus (`kiln prepare`, then data.train naming the
 * directory): every text objective trains from the shards (held-out loss falls well below the untrained model's), and a run resumed mid-epoch from a
 * checkpoint ends with the same weights as an uninterrupted one.
 */
class PreparedCorpusPipelineTest {
    /** Small shards, so batches read across shard files. */
    private static final long SHARD_TOKENS = 16_384;

    static Path prepare(String config, Path out) throws Exception {
        PreparedManifest m = CorpusPreparation.run(Runs.config(config, List.of()), Runs.CONFIGS, out, SHARD_TOKENS, 2, null);
        assertTrue(m.splits().get("train").tokens() > 10 * SHARD_TOKENS, "several shards");
        assertTrue(m.splits().get("validation").documents() > 0, "a validation split by documents");
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"gpt-stories.yaml, loss", "bert-mlm-nsp.yaml, mlm.loss", "dae-bart.yaml, loss", "simcse-unsup.yaml, loss"})
    void everyTextObjectiveTrainsFromShards(String config, String metric, @TempDir Path tmp) throws Exception {
        Path prepared = prepare(config, tmp.resolve("prepared"));
        Path plugins = tmp.resolve("plugins");
        for (String id : List.of("mlm", "nsp", "dae", "contrastive")) {
            Path jar = Path.of("target/dropin/kiln-objective-" + id + ".jar");
            assertTrue(Files.isRegularFile(jar), "build the plugin jars first (mvn verify does): " + jar.toAbsolutePath());
            Files.createDirectories(plugins.resolve(id));
            Files.copy(jar, plugins.resolve(id).resolve(jar.getFileName()));
        }
        List<String> overrides = Runs.tiny("train.steps=40", "train.eval_every=40", "train.lr=0.003", "data.train=" + prepared);
        PipelineResult r = Runs.injector(plugins).getInstance(Pipeline.class)
                .pretrain(Runs.config(config, overrides), Runs.CONFIGS, tmp.resolve("run"), TrainingListener.NONE);
        double before = r.initialEval().get(metric), after = r.finalEval().get(metric);
        assertTrue(after < before - 0.1, config + ": held-out " + metric + " " + before + " → " + after);
        assertEquals(40, r.steps());
    }

    @Test
    void resumingMidEpochFromShardsGivesTheSameWeights(@TempDir Path tmp) throws Exception {
        Path prepared = prepare("gpt-stories.yaml", tmp.resolve("prepared"));
        List<String> common = List.of("model.dropout=0.1", "train.warmup=3", "data.train=" + prepared);
        Runs.pretrain("gpt-stories.yaml", with(common, "train.steps=10"), tmp.resolve("straight"));
        Runs.pretrain("gpt-stories.yaml", with(common, "train.steps=10", "train.checkpoint_every=5"), tmp.resolve("split-a"));
        Path resumed = tmp.resolve("split");
        Files.createDirectories(resumed.resolve("checkpoints"));
        copyTree(tmp.resolve("split-a/checkpoints/step-000005"), resumed.resolve("checkpoints/step-000005"));
        Files.writeString(resumed.resolve("checkpoints/latest"), "step-000005\n");
        String state = Files.readString(resumed.resolve("checkpoints/step-000005/trainer.json"));
        assertTrue(state.contains("\"batch_in_epoch\": 5") || state.contains("\"batch_in_epoch\":5"), "mid-epoch: " + state);
        PipelineResult r = Runs.pretrain("gpt-stories.yaml", with(common, "train.steps=10"), resumed);
        assertEquals(5, r.stepsRun(), "resumed at step 5");
        try (SafetensorsFile x = SafetensorsFile.open(tmp.resolve("straight/model/model.safetensors"));
             SafetensorsFile y = SafetensorsFile.open(resumed.resolve("model/model.safetensors"))) {
            for (String n : x.names()) assertArrayEquals(x.floats(n), y.floats(n), 1e-6f, n);
        }
    }

    private static List<String> with(List<String> common, String... more) {
        List<String> all = new ArrayList<>(common);
        all.addAll(List.of(more));
        return Runs.tiny(all.toArray(new String[0]));
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t); else Files.copy(p, t);
            }
        }
    }
}
