package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A corpus larger than the JVM's heap: {@code kiln prepare} and training from the prepared shards
 * both work under -Xmx256m on 300 MB of text, in child JVMs; training on the raw file under the same
 * heap runs out of memory and says so in one line (heap size, what it was doing, KILN_JAVA_OPTS).
 */
class LargerThanHeapTest {
    private static final long CORPUS_BYTES = 300L << 20;
    private static final String HEAP = "-Xmx256m";

    @Test
    void aCorpusLargerThanTheHeapIsPreparedAndTrainedOn(@TempDir Path tmp) throws Exception {
        Path corpus = tmp.resolve("big.txt");
        writeCorpus(corpus, CORPUS_BYTES);
        Path config = tmp.resolve("big.yaml");
        Files.writeString(config, String.join("\n",
                "seed: 3", "tokenizer: {type: byte}",
                "model: {preset: gpt2, d_model: 32, layers: 1, heads: 2, max_seq: 32}",
                "data: {train: big.txt, validation_fraction: 0.001}", "objective: clm",
                "train: {steps: 3, batch_size: 4, seq_len: 32, lr: 0.001, eval_every: 3, eval_batches: 2, checkpoint_every: 0, log_every: 1}", ""));
        Path prepared = tmp.resolve("prepared");

        Child prep = kiln(tmp, "prepare", "--config", config.toString(), "--out", prepared.toString());
        assertEquals(0, prep.code, prep.output);
        assertTrue(prep.output.contains("prepared " + prepared), prep.output);
        long shardBytes;
        try (var files = Files.list(prepared)) {
            shardBytes = files.filter(f -> f.getFileName().toString().matches("train-\\d+\\.bin")).mapToLong(f -> f.toFile().length()).sum();
        }
        assertTrue(shardBytes > 2 * CORPUS_BYTES * 9 / 10, "the byte tokens of ~300 MB in uint16 shards: " + shardBytes);

        Child train = kiln(tmp, "pretrain", "--config", config.toString(), "--out", tmp.resolve("run").toString(), "--no-sample",
                "data.train=" + prepared);
        assertEquals(0, train.code, train.output);
        assertTrue(train.output.contains("trained 3 steps"), train.output);

        Child raw = kiln(tmp, "pretrain", "--config", config.toString(), "--out", tmp.resolve("raw").toString(), "--no-sample");
        assertEquals(1, raw.code, raw.output);
        List<String> errors = raw.output.lines().filter(l -> l.contains("error")).toList();
        assertEquals(1, errors.size(), raw.output);
        assertTrue(errors.get(0).matches(".*out of memory .*the heap is at most 2\\d\\d MiB\\) while reading the data.*kiln prepare.*KILN_JAVA_OPTS=-Xmx1g.*"), errors.get(0));
        assertFalse(raw.output.contains("\tat "), "no stack trace:\n" + raw.output);
    }

    private record Child(int code, String output) {}

    /** Runs the CLI in a child JVM with a 256 MiB heap and the test plugins. */
    private static Child kiln(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = ChildKiln.command(HEAP, List.of("--backend", "cpu"), args);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child JVM did not finish");
        return new Child(p.exitValue(), out);
    }

    /** Paragraphs of random words from a small vocabulary, documents split by two blank lines. */
    private static void writeCorpus(Path file, long bytes) throws IOException {
        String[] words = "the a cat dog sat ran on under over table garden river quickly slowly red green blue one two three"
                .split(" ");
        Random r = new Random(1);
        StringBuilder sb = new StringBuilder(1 << 16);
        long written = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            while (written < bytes) {
                sb.setLength(0);
                int sentences = 3 + r.nextInt(20);
                for (int s = 0; s < sentences; s++) {
                    int n = 4 + r.nextInt(10);
                    for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : " ").append(words[r.nextInt(words.length)]);
                    sb.append(s % 5 == 4 ? ".\n" : ". ");
                }
                sb.append("\n\n\n");
                w.append(sb);
                written += sb.length();
            }
        }
    }
}
