package dev.kiln.spark;

import dev.kiln.api.io.Json;
import dev.kiln.runtime.parallel.DataParallel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole pipeline (byte tokenizer, GPT, clm) on two Spark workers writes the run directory a plain
 * {@code kiln pretrain} writes, with the same losses; rank 0's metrics carry every worker's throughput.
 */
class SparkPipelineTest extends LocalSparkTest {
    @Override
    String master() { return "local[2]"; }

    static Map<String, Object> config(Path text) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("seed", 7);
        c.put("tokenizer", Map.of("type", "byte"));
        c.put("model", Map.of("preset", "gpt2", "d_model", 32, "layers", 1, "heads", 2, "max_seq", 16, "dropout", 0.0));
        c.put("data", Map.of("train", text.toString(), "document_separator", "none"));
        c.put("objective", "clm");
        c.put("train", Map.of("steps", 12, "batch_size", 4, "seq_len", 16, "lr", 0.003, "eval_every", 0, "log_every", 1,
                "checkpoint_every", 6));
        return c;
    }

    static Path corpus(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        String[] words = {"kiln", "fires", "clay", "slowly", "and", "the", "pots", "cool", "overnight", "before", "glazing"};
        for (int i = 0; i < 400; i++) sb.append(words[(i * 7 + i / 11) % words.length]).append(i % 13 == 12 ? ".\n" : " ");
        Path p = dir.resolve("corpus.txt");
        Files.writeString(p, sb);
        return p;
    }

    static List<Map<String, Object>> trainRecords(Path out) throws Exception {
        List<Map<String, Object>> records = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            @SuppressWarnings("unchecked") Map<String, Object> r = (Map<String, Object>) Json.parse(line, "metrics.jsonl");
            if ("train".equals(r.get("type"))) records.add(r);
        }
        return records;
    }

    @Test
    void twoWorkersWriteTheRunAPlainPretrainWrites(@TempDir Path dir) throws Exception {
        Path text = corpus(dir);
        Path plainOut = dir.resolve("plain"), sparkOut = dir.resolve("spark");
        assertNull(DataParallel.current());
        SparkTraining.train(new SparkTraining.Request("pretrain", config(text), dir.toString(), plainOut.toString(), List.of(), "cpu"), 0);
        List<SparkTraining.WorkerSummary> workers = SparkTraining.run(sc, 2,
                new SparkTraining.Request("pretrain", config(text), dir.toString(), sparkOut.toString(), List.of(), "cpu"));
        assertEquals(2, workers.size());
        assertTrue(workers.get(1).allReduceSeconds() > 0 && workers.get(1).bytesReduced() > 0, "worker 1 reduced nothing: " + workers.get(1));
        assertTrue(Files.exists(sparkOut.resolve("model")), "rank 0 saves the model");
        List<Map<String, Object>> plain = trainRecords(plainOut), spark = trainRecords(sparkOut);
        assertEquals(12, spark.size(), "one train record per step, from rank 0 only");
        for (int s = 0; s < plain.size(); s++) {
            double want = ((Number) plain.get(s).get("loss")).doubleValue(), got = ((Number) spark.get(s).get("loss")).doubleValue();
            assertEquals(want, got, 1e-4 * want, "loss at step " + (s + 1));
            assertEquals(plain.get(s).get("tokens"), spark.get(s).get("tokens"), "global tokens at step " + (s + 1));
        }
        @SuppressWarnings("unchecked") List<Map<String, Object>> perWorker = (List<Map<String, Object>>) spark.get(5).get("workers");
        assertEquals(2, perWorker.size());
        for (Map<String, Object> w : perWorker) assertTrue(((Number) w.get("tokens_per_s")).doubleValue() > 0, "throughput of " + w);
    }

    /**
     * mlm's workers make only their rows of each batch (each row's chunk and masks from a stream of its own), and
     * the run still writes a plain run's losses: the loss is a mean over masked tokens, and the workers' gradients
     * are summed weighted by the masked tokens each one holds.
     */
    @Test
    void mlmWorkersBuildingOnlyTheirRowsTrainAsOne(@TempDir Path dir) throws Exception {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("seed", 5);
        c.put("tokenizer", Map.of("type", "byte"));
        c.put("model", Map.of("preset", "bert", "d_model", 32, "layers", 1, "heads", 2, "max_seq", 16, "dropout", 0.0));
        c.put("data", Map.of("train", corpus(dir).toString()));
        c.put("objective", Map.of("name", "mlm", "pack", true));
        c.put("train", Map.of("steps", 10, "batch_size", 4, "seq_len", 16, "lr", 0.003, "eval_every", 0, "log_every", 1,
                "checkpoint_every", 0));
        Path plainOut = dir.resolve("mlm-plain"), sparkOut = dir.resolve("mlm-spark");
        SparkTraining.train(new SparkTraining.Request("pretrain", c, dir.toString(), plainOut.toString(), List.of(), "cpu"), 0);
        SparkTraining.run(sc, 2, new SparkTraining.Request("pretrain", c, dir.toString(), sparkOut.toString(), List.of(), "cpu"));
        assertSameLosses(plainOut, sparkOut, 10, "mlm loss");
    }

    @Test
    void finetuningRunsTheSameWay(@TempDir Path dir) throws Exception {
        Path text = corpus(dir), base = dir.resolve("base");
        SparkTraining.train(new SparkTraining.Request("pretrain", config(text), dir.toString(), base.toString(), List.of(), "cpu"), 0);
        Map<String, Object> ft = new LinkedHashMap<>();
        ft.put("seed", 11);
        ft.put("finetune", Map.of("from", base.resolve("model").toString(), "method", Map.of("name", "full", "freeze_layers", 0),
                "signal", "clm"));
        ft.put("data", Map.of("train", text.toString(), "document_separator", "none"));
        ft.put("train", Map.of("steps", 8, "batch_size", 4, "seq_len", 16, "lr", 0.001, "eval_every", 0, "log_every", 1));
        Path plainOut = dir.resolve("ft-plain"), sparkOut = dir.resolve("ft-spark");
        SparkTraining.train(new SparkTraining.Request("finetune", ft, dir.toString(), plainOut.toString(), List.of(), "cpu"), 0);
        SparkTraining.run(sc, 2, new SparkTraining.Request("finetune", ft, dir.toString(), sparkOut.toString(), List.of(), "cpu"));
        assertSameLosses(plainOut, sparkOut, 8, "fine-tuning loss");
    }

    /**
     * KTO's reference point z is a mean over the KL rows of the whole global batch: each worker holds half of them,
     * so the workers sum theirs ({@code StepWorkers}, as TRL gathers z across processes) and the run writes a plain
     * run's losses and z.
     */
    @Test
    void ktoWorkersShareTheReferencePointOfTheWholeBatch(@TempDir Path dir) throws Exception {
        Path text = corpus(dir), base = dir.resolve("kto-base"), data = dir.resolve("unpaired.jsonl");
        SparkTraining.train(new SparkTraining.Request("pretrain", config(text), dir.toString(), base.toString(), List.of(), "cpu"), 0);
        String[] words = {"kiln", "fires", "clay", "pots", "cool", "glaze"};
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 48; i++)
            rows.append("{\"prompt\": \"").append(words[i % 6]).append(" \", \"completion\": \"").append(words[(i * 5 + 1) % 6])
                    .append("\", \"label\": ").append(i % 3 != 0).append("}\n");
        Files.writeString(data, rows);
        Map<String, Object> ft = new LinkedHashMap<>();
        ft.put("seed", 3);
        ft.put("finetune", Map.of("from", base.resolve("model").toString(), "method", Map.of("name", "full", "freeze_layers", 0),
                "signal", Map.of("name", "kto", "beta", 0.1)));
        ft.put("data", Map.of("train", data.toString(), "validation_fraction", 0.2));
        // evaluations run on worker 0 alone: their z must not wait for the other worker
        ft.put("train", Map.of("steps", 8, "batch_size", 4, "seq_len", 16, "lr", 0.01, "eval_every", 4, "eval_batches", 2, "log_every", 1));
        Path plainOut = dir.resolve("kto-plain"), sparkOut = dir.resolve("kto-spark");
        SparkTraining.train(new SparkTraining.Request("finetune", ft, dir.toString(), plainOut.toString(), List.of(), "cpu"), 0);
        SparkTraining.run(sc, 2, new SparkTraining.Request("finetune", ft, dir.toString(), sparkOut.toString(), List.of(), "cpu"));
        assertSameLosses(plainOut, sparkOut, 8, "kto loss");
        List<Map<String, Object>> plain = trainRecords(plainOut), spark = trainRecords(sparkOut);
        double lastZ = ((Number) plain.get(7).get("kl")).doubleValue();
        assertTrue(lastZ > 0, "z moved off 0 (the clamp), so the workers' shares of it matter: " + lastZ);
        for (int s = 0; s < 8; s++)
            assertEquals(((Number) plain.get(s).get("kl")).doubleValue(), ((Number) spark.get(s).get("kl")).doubleValue(), 1e-4, "z at step " + (s + 1));
    }

    /** Rank 0 logged one train record per step, each loss within 1e-4 of the plain run's. */
    static void assertSameLosses(Path plainOut, Path sparkOut, int steps, String what) throws Exception {
        List<Map<String, Object>> plain = trainRecords(plainOut), spark = trainRecords(sparkOut);
        assertEquals(steps, spark.size());
        for (int s = 0; s < plain.size(); s++) {
            double want = ((Number) plain.get(s).get("loss")).doubleValue(), got = ((Number) spark.get(s).get("loss")).doubleValue();
            assertEquals(want, got, 1e-4 * Math.max(Math.abs(want), 1e-2), what + " at step " + (s + 1));   // losses near 0 (PPO) or below
        }
    }

    @Test
    void aMissingPluginFolderIsNamed(@TempDir Path dir) throws Exception {
        Path text = corpus(dir);
        SparkTraining.Request r = new SparkTraining.Request("pretrain", config(text), dir.toString(), dir.resolve("o").toString(),
                List.of(dir.resolve("no-such-plugins").toString()), "cpu");
        Exception e = assertThrows(Exception.class, () -> SparkTraining.run(sc, 2, r));
        assertTrue(String.valueOf(e.getMessage()).contains("plugin folder") && e.getMessage().contains("no-such-plugins"), e.getMessage());
    }
}
