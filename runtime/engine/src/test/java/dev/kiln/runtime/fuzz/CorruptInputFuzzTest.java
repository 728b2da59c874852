package dev.kiln.runtime.fuzz;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.runtime.config.PipelineConfigLoader;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import dev.kiln.runtime.train.TrainSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A seeded mutation loop over the parsers that read what users and other tools hand Kiln:
 * safetensors, a model's config.json, tokenizer.json and a pipeline config. Every corrupted input
 * must either load or be refused with a message (an IOException, or an IllegalArgumentException /
 * ConfigException / UncheckedIOException that says what is wrong); never a NullPointerException,
 * ClassCastException, index or array-size error, an OutOfMemoryError from a size read off the
 * file, or a hang. Bounded (a fixed number of seeded mutations), so CI runs it every time; a
 * failure prints the seed and iteration that reproduce it.
 */
class CorruptInputFuzzTest {
    private static final int ITERATIONS = 300;
    private static final long SEED = 20261203;
    private static final NaiveBackend BACKEND = new NaiveBackend();

    @FunctionalInterface
    interface Parser {
        void parse(byte[] input) throws Exception;
    }

    private static void fuzz(String what, byte[] valid, boolean text, Parser parser) {
        Random rng = new Random(SEED ^ what.hashCode());
        int refused = 0;
        java.util.Set<String> kinds = new java.util.TreeSet<>();
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] input = text ? Mutations.text(new String(valid, StandardCharsets.UTF_8), rng).getBytes(StandardCharsets.UTF_8)
                    : Mutations.bytes(valid, rng);
            try {
                parser.parse(input);
            } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
                refused++;
                kinds.add(e.getClass().getSimpleName());
                if (e.getMessage() == null || e.getMessage().isBlank())
                    fail(what + " iteration " + i + " (seed " + SEED + "): " + e.getClass().getName() + " without a message");
            } catch (Throwable e) {
                AssertionError failure = new AssertionError(what + " iteration " + i + " (seed " + SEED + "): " + e
                        + (text ? "\ninput:\n" + new String(input, StandardCharsets.UTF_8) : ""), e);
                throw failure;
            }
        }
        System.out.println(what + ": " + refused + " of " + ITERATIONS + " corrupted inputs refused (" + kinds + "), the rest loaded");
        if (refused < ITERATIONS / 10) fail(what + ": only " + refused + " of " + ITERATIONS + " corruptions were refused: the mutations do not reach the parser");
    }

    @Test
    void safetensors(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        ModelStore.save(dir, new Transformer(BACKEND, TransformerConfig.gpt2(40, 16, 1, 2, 8), 1), Map.of(), Map.of());
        byte[] valid = Files.readAllBytes(dir.resolve("model.safetensors"));
        Path file = tmp.resolve("fuzz.safetensors");
        fuzz("safetensors", valid, false, input -> {
            Files.write(file, input);
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                for (String name : f.names()) f.floats(name);
            }
        });
    }

    @Test
    void modelConfigJson(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        ModelStore.save(dir, new Transformer(BACKEND, TransformerConfig.gpt2(40, 16, 1, 2, 8), 1), Map.of(), Map.of());
        byte[] valid = Files.readAllBytes(dir.resolve("config.json"));
        fuzz("config.json", valid, true, input -> {
            Files.write(dir.resolve("config.json"), input);
            ModelStore.load(dir, BACKEND);
        });
    }

    @Test
    void tokenizerJson(@TempDir Path tmp) throws IOException {
        byte[] valid = Files.readAllBytes(Path.of("src/test/resources/tokenizer/small-bpe/tokenizer.json"));
        Path file = tmp.resolve("tokenizer.json");
        TokenizerSpec spec = TokenizerSpec.standard(tmp);
        fuzz("tokenizer.json", valid, true, input -> {
            Files.write(file, input);
            spec.read(file).encode("The kiln's fire, 1234 times!");
        });
    }

    @Test
    void pipelineConfig() {
        String yaml = String.join("\n",
                "seed: 3",
                "tokenizer: {type: byte}",
                "model: {preset: gpt2, d_model: 64, layers: 2, heads: 2, max_seq: 32, dropout: 0.1}",
                "data: {train: corpus.txt, validation_fraction: 0.1}",
                "objective: clm",
                "train: {steps: 20, batch_size: 4, seq_len: 32, lr: 0.001, warmup: 2, eval_every: 10, beta2: 0.95, grad_accum: 2}", "");
        fuzz("pipeline config", yaml.getBytes(StandardCharsets.UTF_8), true, input -> {
            Map<String, Object> cfg = PipelineConfigLoader.parse(new String(input, StandardCharsets.UTF_8), PipelineConfigLoader.Format.YAML, "fuzz.yaml");
            Config root = new Config("pipeline", cfg);
            Config model = root.section("model");
            Map<String, Object> withVocab = new java.util.LinkedHashMap<>(model.raw());
            withVocab.putIfAbsent("vocab", 262);
            TransformerConfig.fromConfig(new Config("pipeline.model", withVocab));
            TrainSettings.fromConfig(root.section("train"));
        });
    }
}
