package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.kiln.cli.ModelDirectories.kiln;
import static dev.kiln.cli.ModelDirectories.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln pretrain|finetune --replicas}: the same run as one model on the whole batch, written once, by replica 0. */
class ReplicasCliTest {
    @TempDir
    Path tmp;

    @Test
    void twoReplicasTrainAsOneModelOnTheWholeBatch() throws IOException {
        Path stories = text(tmp.resolve("stories.txt"));
        Path one = tmp.resolve("one"), two = tmp.resolve("two");
        ReportRuns.pretrain(tmp, "one", config(stories), one, "--no-sample");
        Cli r = ReportRuns.pretrain(tmp, "two", config(stories), two, "--no-sample", "--replicas", "2");
        assertTrue(r.err().contains("; 2 replicas)"), r.err());
        TreeMap<Long, Map<String, Object>> a = ReportRuns.records(one, "train"), b = ReportRuns.records(two, "train");
        assertEquals(a.keySet(), b.keySet(), "one train record a step, written once (by replica 0)");
        double[] lossA = ReportRuns.values(a, "loss"), lossB = ReportRuns.values(b, "loss");
        assertTrue(lossA[lossA.length - 1] < lossA[0] - 0.2, "the model should learn: " + java.util.Arrays.toString(lossA));
        for (int s = 0; s < lossA.length; s++)
            assertEquals(lossA[s], lossB[s], 1e-4 * lossA[s], "step " + (s + 1) + "'s loss: the whole batch's, summed over the replicas");
        assertArrayEquals(ReportRuns.values(a, "tokens"), ReportRuns.values(b, "tokens"), "the global batch's tokens, not a replica's");
        // the optimizer sharded over the replicas (ZeRO-1): replica 0 holds about half of AdamW's moments
        double whole = ReportRuns.values(a, "optimizer_state_bytes")[0], share = ReportRuns.values(b, "optimizer_state_bytes")[0];
        assertTrue(share > 0.3 * whole && share < 0.7 * whole, "replica 0's optimizer state: " + share + " bytes of " + whole);
        double[] evalA = ReportRuns.values(ReportRuns.records(one, "eval"), "loss"), evalB = ReportRuns.values(ReportRuns.records(two, "eval"), "loss");
        assertEquals(evalA[evalA.length - 1], evalB[evalB.length - 1], 1e-3 * evalA[0], "held-out loss after training");
        assertTrue(Files.isRegularFile(two.resolve("model").resolve("model.safetensors")), "replica 0 saved the model");
        double[] testA = ReportRuns.values(ReportRuns.records(one, "test"), "loss"), testB = ReportRuns.values(ReportRuns.records(two, "test"), "loss");
        assertEquals(1, testB.length, "replica 0 wrote the test split's metrics, with replica 1's share of the batches");
        assertEquals(testA[0], testB[0], 1e-3 * testA[0], "test loss after training");
    }

    /**
     * Fine-tuning a Hugging Face GPT-2 directory: the same train losses, step by step, on two replicas as on one model;
     * fully with AdamW, and LoRA adapters with 8-bit AdamW over micro-batches of 2 (the sharded optimizer owns adapters
     * only, the frozen base takes no part in the sum).
     */
    @Test
    void finetuneWithTwoReplicasTrainsAsOneModel() throws IOException {
        Path from = ModelDirectories.hfGpt2(tmp.resolve("hf-gpt2"));
        Path stories = text(tmp.resolve("stories.txt"));
        Map<String, Object> lora = new LinkedHashMap<>(ModelDirectories.train(4));
        lora.put("optimizer", "adamw8bit");
        lora.put("grad_accum", 2);
        for (var method : List.of(Map.entry("full", ModelDirectories.train(4)), Map.entry("lora", lora))) {
            Object tuner = method.getKey().equals("full") ? "full" : Map.of("name", "lora", "r", 4, "alpha", 8);
            Path cfg = ModelDirectories.config(tmp.resolve(method.getKey() + ".json"), Map.of("finetune", Map.of("from", from.toString(), "method", tuner),
                    "objective", "clm", "model", Map.of("dropout", 0.0), "data", Map.of("train", stories.toString()), "train", method.getValue()));
            Path one = tmp.resolve(method.getKey() + "-one"), two = tmp.resolve(method.getKey() + "-two");
            for (Path out : List.of(one, two)) {
                Cli r = out == one ? kiln("finetune", "--config", cfg.toString(), "--out", out.toString(), "--no-sample")
                        : kiln("finetune", "--config", cfg.toString(), "--out", out.toString(), "--no-sample", "--replicas", "2");
                assertEquals(0, r.code(), r.err());
            }
            double[] a = ReportRuns.values(ReportRuns.records(one, "train"), "loss"), b = ReportRuns.values(ReportRuns.records(two, "train"), "loss");
            assertEquals(4, a.length);
            assertTrue(a[3] < a[0], method.getKey() + ": the loss should fall: " + java.util.Arrays.toString(a));
            for (int s = 0; s < a.length; s++) assertEquals(a[s], b[s], 1e-4 * a[s], method.getKey() + ": step " + (s + 1) + "'s loss");
        }
    }

    @Test
    void replicasAreTheCpuBackendsAndNotSparksWorkers() throws IOException {
        Path cfg = ModelDirectories.config(tmp.resolve("c.json"), config(text(tmp.resolve("stories.txt"))));
        Cli zero = kiln("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("z").toString(), "--replicas", "0");
        assertNotEquals(0, zero.code());
        assertTrue(zero.err().contains("--replicas must be at least 1, got 0"), zero.err());
        Cli spark = kiln("pretrain", "--config", cfg.toString(), "--out", tmp.resolve("s").toString(), "--replicas", "2", "--spark", "local[2]");
        assertNotEquals(0, spark.code());
        assertTrue(spark.err().contains("--replicas trains in this JVM, --spark on Spark workers; pick one"), spark.err());
        Path naiveCfg = cfg;
        Cli naive = Cli.run("--plugins", ModelDirectories.PLUGINS.toString(), "--backend", "naive", "pretrain", "--config", naiveCfg.toString(),
                "--out", tmp.resolve("n").toString(), "--replicas", "2");
        assertNotEquals(0, naive.code());
        assertTrue(naive.err().contains("--replicas runs cpu-backend replicas in this JVM, each with its share of the cores as 'threads';"
                + " backend 'naive': unknown key 'threads'"), naive.err());
    }

    /**
     * ReportRuns' tiny byte-level GPT without dropout (each replica would draw other rows' masks), batch 4, 8 steps, the
     * training text as its test split too.
     */
    private static Map<String, Object> config(Path stories) {
        Map<String, Object> cfg = new LinkedHashMap<>(ReportRuns.config(stories, 8, 8, 3e-3, false));
        cfg.put("data", Map.of("train", stories.toString(), "test", stories.toString()));
        cfg.put("model", Map.of("preset", "gpt2", "d_model", 32, "layers", 1, "heads", 4, "max_seq", 64, "dropout", 0.0));
        return cfg;
    }
}
