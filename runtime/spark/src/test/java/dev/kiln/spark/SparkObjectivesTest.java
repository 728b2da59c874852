package dev.kiln.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Spark workers train as one with the whole batch for the objectives and signals whose batches are not one
 * row per example, or whose loss takes statistics over the whole batch: the run writes a plain run's losses (and
 * the metrics named). The data sizes leave uneven last batches, and one batch of a single example, so a
 * worker holds a padding repeat that counts for nothing.
 */
class SparkObjectivesTest extends LocalSparkTest {
    static final String[] WORDS = {"kiln", "fires", "clay", "slowly", "and", "the", "pots", "cool", "overnight", "glazing", "wheel", "bowls"};

    @Override
    String master() { return "local[2]"; }

    static String words(int seed, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : " ").append(WORDS[(seed * 7 + i * (seed % 5 + 1)) % WORDS.length]);
        return sb.toString();
    }

    static Map<String, Object> pretrain(Object objective, String data, int steps, int batch) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("seed", 7);
        c.put("tokenizer", Map.of("type", "byte"));
        c.put("model", Map.of("preset", "bert", "d_model", 32, "layers", 1, "heads", 2, "max_seq", 32, "dropout", 0.0));
        c.put("data", data.endsWith(".txt") ? Map.of("train", data, "document_separator", "\n\n") : Map.of("train", data));
        c.put(objective instanceof List ? "objectives" : "objective", objective);
        c.put("train", Map.of("steps", steps, "batch_size", batch, "seq_len", 32, "lr", 0.003, "eval_every", 0, "log_every", 1,
                "checkpoint_every", 0));
        return c;
    }

    /** A plain run and a run on two workers of the same request; each step's loss and the named metrics agree. */
    void sameRun(Path dir, String name, String command, Map<String, Object> config, int steps, String... metrics) throws Exception {
        sameRun(sc, 2, dir, name, command, config, steps, metrics);
    }

    static void sameRun(JavaSparkContext sc, int workers, Path dir, String name, String command, Map<String, Object> config, int steps,
                        String... metrics) throws Exception {
        Path plain = dir.resolve(name + "-plain"), spark = dir.resolve(name + "-spark");
        SparkTraining.train(new SparkTraining.Request(command, config, dir.toString(), plain.toString(), List.of(), "cpu"), 0);
        SparkTraining.run(sc, workers, new SparkTraining.Request(command, config, dir.toString(), spark.toString(), List.of(), "cpu"));
        SparkPipelineTest.assertSameLosses(plain, spark, steps, name + " loss");
        List<Map<String, Object>> a = SparkPipelineTest.trainRecords(plain), b = SparkPipelineTest.trainRecords(spark);
        for (String m : metrics)
            for (int s = 0; s < steps; s++) {
                assertTrue(a.get(s).get(m) instanceof Number, "the plain run logs " + m + ": " + a.get(s));
                double want = ((Number) a.get(s).get(m)).doubleValue();
                assertEquals(want, ((Number) b.get(s).get(m)).doubleValue(), 1e-3 * Math.max(1, Math.abs(want)), m + " at step " + (s + 1));
            }
    }

    /** 13 anchor / positive pairs in batches of 4: 4, 4, 4, then 1 (worker 1 pads), and round again. */
    @Test
    void contrastiveNegativesSpanTheWholeGlobalBatch(@TempDir Path dir) throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 13; i++) {
            String a = words(i, 5);
            rows.append("{\"anchor\": \"").append(a).append("\", \"positive\": \"").append(words(i, 5).toUpperCase()).append("\"}\n");
        }
        Files.writeString(dir.resolve("pairs.jsonl"), rows);
        sameRun(dir, "contrastive", "pretrain", pretrain(Map.of("name", "contrastive", "loss", "infonce", "shuffle", false), "pairs.jsonl", 6, 4), 6, "accuracy");
    }

    /** mlm + nsp: each member's loss is weighted by its own global weight (masked tokens, sentence pairs). */
    @Test
    void aCompositeObjectiveWeighsEachMemberOverTheWholeBatch(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("docs.txt"), documents(40));
        sameRun(dir, "mlm+nsp", "pretrain", pretrain(List.of(Map.of("name", "mlm"), Map.of("name", "nsp")), "docs.txt", 6, 5), 6, "mlm.loss", "nsp.loss");
    }

    /** 23 paragraphs in batches of 4: the last batch of 3 splits 2 / 1. */
    @Test
    void denoisingWithAnUnevenLastBatch(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("docs.txt"), documents(23));
        sameRun(dir, "dae", "pretrain", pretrain(Map.of("name", "dae", "decoder_layers", 1, "shuffle", false), "docs.txt", 7, 4), 7);
    }

    /** Pairs are chosen row g and rejected row B + g: a worker keeps whole pairs (and their margins) with an odd batch. */
    @Test
    void preferencePairsStayWholeWithAnOddBatch(@TempDir Path dir) throws Exception {
        Path base = base(dir);
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 20; i++)
            rows.append("{\"prompt\": \"").append(WORDS[i % WORDS.length]).append(" \", \"chosen\": \"").append(WORDS[(i * 5 + 1) % 4])
                    .append("\", \"rejected\": \"").append(WORDS[4 + (i * 3) % 8]).append("\", \"margin\": ").append(i % 3).append("}\n");
        Files.writeString(dir.resolve("prefs.jsonl"), rows);
        sameRun(dir, "reward", "finetune", finetune(base, Map.of("name", "reward", "center_rewards_coefficient", 0.01), "prefs.jsonl", 3, 6), 6, "accuracy", "margin");
        // bco_pair's running mean is the whole batch's, and RPO's NLL the whole batch's token mean
        sameRun(dir, "dpo", "finetune", finetune(base, Map.of("name", "dpo", "beta", 2.0, "loss_type", List.of("bco_pair", "sigmoid"), "rpo_alpha", 1.0),
                "prefs.jsonl", 3, 6), 6, "rewards/margins", "nll_loss");
    }

    /** PPO: advantages whitened over every worker's tokens, one adaptive KL coefficient from the whole batch's KL. */
    @Test
    void ppoWhitensAndAdaptsItsKlCoefficientOverTheWholeBatch(@TempDir Path dir) throws Exception {
        Path base = base(dir);
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 24; i++) rows.append("{\"prompt\": \"").append(WORDS[i % WORDS.length]).append(" \"}\n");
        Files.writeString(dir.resolve("prompts.jsonl"), rows);
        sameRun(dir, "ppo", "finetune", finetune(base, Map.of("name", "ppo", "response_length", 6, "target_kl", 1.0, "horizon", 10, "num_ppo_epochs", 2, "whiten_rewards", true,
                "rewards", List.of(Map.of("name", "length", "target", 4))), "prompts.jsonl", 4, 6), 6, "objective/kl_coef", "objective/scores");
    }

    static String documents(int n) {
        StringBuilder sb = new StringBuilder();
        for (int d = 0; d < n; d++) {
            for (int s = 0; s < 3; s++) sb.append(words(d * 3 + s, 4 + (d + s) % 4)).append(". ");
            sb.append("\n\n");
        }
        return sb.toString();
    }

    /** A tiny causal LM to fine-tune, pretrained plainly. */
    static Path base(Path dir) throws Exception {
        Path text = SparkPipelineTest.corpus(dir), out = dir.resolve("base");
        SparkTraining.train(new SparkTraining.Request("pretrain", SparkPipelineTest.config(text), dir.toString(), out.toString(), List.of(), "cpu"), 0);
        return out.resolve("model");
    }

    static Map<String, Object> finetune(Path base, Map<String, Object> signal, String data, int batch, int steps) {
        Map<String, Object> ft = new LinkedHashMap<>();
        ft.put("seed", 3);
        ft.put("finetune", Map.of("from", base.toString(), "method", Map.of("name", "full", "freeze_layers", 0), "signal", signal));
        ft.put("data", Map.of("train", data));
        ft.put("train", Map.of("steps", steps, "batch_size", batch, "seq_len", 16, "lr", 0.003, "eval_every", 0, "log_every", 1));
        return ft;
    }
}
