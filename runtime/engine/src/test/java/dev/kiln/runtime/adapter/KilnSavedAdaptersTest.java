package dev.kiln.runtime.adapter;

import static dev.kiln.runtime.adapter.AdapterFixtures.logits;
import static dev.kiln.runtime.adapter.AdapterFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.io.DType;
import dev.kiln.api.io.HalfFloats;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An adapter Kiln trained and exported loads back through {@link Adapters} (dispatched by its
 * peft_type) and gives the in-memory adapter's outputs; {@link FineTuner#configureFrom} continues
 * it with the same outputs and only the adapter trainable. Each method, Kiln's and HF module names.
 */
class KilnSavedAdaptersTest {
    static final TransformerConfig GPT = TransformerConfig.gpt2(64, 16, 2, 2, 32);
    static final TransformerConfig LLAMA = TransformerConfig.llama(64, 16, 2, 4, 2, 32, 32);
    static final int[] IDS = {3, 14, 15, 9, 26, 5};
    @TempDir Path dir;

    static Stream<Arguments> methods() {
        return Stream.of(
                Arguments.of("lora", GPT, Map.of("r", 2, "target_modules", List.of("all-linear"))),
                Arguments.of("lora", GPT, Map.of("r", 2, "target_modules", List.of("attn.qkv", "mlp.down"), "peft_names", "gpt2")),
                Arguments.of("lora", LLAMA, Map.of("r", 2, "target_modules", List.of("attn.qkv"), "peft_names", "llama")),
                Arguments.of("lora", GPT, Map.of("r", 2, "target_modules", List.of("attn.qkv", "attn.out"), "peft_names", "roberta")),
                Arguments.of("ia3", GPT, Map.of("init_ia3_weights", false)),
                Arguments.of("ia3", GPT, Map.of("init_ia3_weights", false, "peft_names", "gpt2")),
                Arguments.of("ia3", LLAMA, Map.of("init_ia3_weights", false, "peft_names", "llama")),
                Arguments.of("ia3", GPT, Map.of("init_ia3_weights", false, "peft_names", "roberta")),
                Arguments.of("prompt-tuning", GPT, Map.of("num_virtual_tokens", 3, "prompt_tuning_init", "random")),
                Arguments.of("prefix-tuning", GPT, Map.of("num_virtual_tokens", 3, "init", "random")),
                Arguments.of("prefix-tuning", LLAMA, Map.of("num_virtual_tokens", 2, "init", "random")));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("methods")
    void savedAdapterLoadsBackWithTheInMemoryOutputs(String method, TransformerConfig shape, Map<String, Object> settings) throws IOException {
        Map<String, FineTunerFactory> plugins = AdapterFixtures.plugins();
        Transformer model = new Transformer(new NaiveBackend(), shape, 1);
        FineTuner tuner = tuner(plugins, method, shape, settings);
        tuner.configure(model, null);
        Random rng = new Random(5);
        for (Tensor p : model.parameters())
            if (p.requiresGrad()) {                                     // stand-in for training: every adapter value non-trivial
                float[] v = p.toArray();
                for (int i = 0; i < v.length; i++) v[i] = method.equals("ia3") ? 0.5f + rng.nextFloat() : (float) (rng.nextGaussian() * 0.3);
                p.copyFrom(v);
            }
        float[] trained = logits(model, IDS);
        float[] base = logits(new Transformer(new NaiveBackend(), shape, 1), IDS);
        assertTrue(maxAbsDiff(trained, base) > 1e-3, "the adapter changes the outputs");
        tuner.export(model, dir);
        assertTrue(maxAbsDiff(trained, logits(model, IDS)) < 1e-5, "export (merging LoRA / IA3) keeps the function");
        JsonObject cfg = Json.parseObject(Files.readString(dir.resolve("adapter/adapter_config.json")), "adapter_config.json");
        assertTrue(cfg.keys().containsAll(List.of("peft_type", "task_type", "base_model_name_or_path", "inference_mode", "revision")),
                "PEFT's common keys: " + cfg.keys());

        Transformer fresh = new Transformer(new NaiveBackend(), shape, 1);
        Adapters.apply(plugins, fresh, dir, false);                    // the run directory: its adapter/ is used
        assertTrue(maxAbsDiff(trained, logits(fresh, IDS)) < 1e-5, method + " loaded: " + maxAbsDiff(trained, logits(fresh, IDS)));
        assertEquals(0, fresh.trainableParameterCount(), "loaded in inference mode");

        Transformer continued = new Transformer(new NaiveBackend(), shape, 1);
        FineTuner again = tuner(plugins, method, shape, settings);
        again.configureFrom(Adapters.resolve(dir), continued, null);
        assertTrue(maxAbsDiff(trained, logits(continued, IDS)) < 1e-5, method + " continued: " + maxAbsDiff(trained, logits(continued, IDS)));
        assertEquals(adapterSize(again, continued), continued.trainableParameterCount(), "only the adapter trains");
        assertTrue(continued.trainableParameterCount() > 0 && continued.trainableParameterCount() < continued.parameterCount() / 2,
                "the adapter, not the base: " + continued.trainableParameterCount() + " of " + continued.parameterCount());
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("methods")
    void halfPrecisionSavesHoldTheRoundedValues(String method, TransformerConfig shape, Map<String, Object> settings) throws IOException {
        Map<String, FineTunerFactory> plugins = AdapterFixtures.plugins();
        for (String dtype : List.of("bf16", "f16")) {
            Map<String, Object> with = new java.util.HashMap<>(settings);
            with.put("save_dtype", dtype);
            Transformer model = new Transformer(new NaiveBackend(), shape, 1);
            FineTuner tuner = tuner(plugins, method, shape, with);
            tuner.configure(model, null);
            Map<String, float[]> trained = new java.util.LinkedHashMap<>();
            Random rng = new Random(9);
            for (var e : tuner.trainableState(model).entrySet()) {
                float[] v = e.getValue().toArray();
                for (int i = 0; i < v.length; i++) v[i] = (float) (1 + rng.nextGaussian());
                e.getValue().copyFrom(v);
                trained.put(e.getKey(), v);
            }
            Path out = dir.resolve(method + "-" + dtype + "-" + settings.hashCode());
            tuner.export(model, out);
            try (SafetensorsFile f = SafetensorsFile.open(out.resolve("adapter/adapter_model.safetensors"))) {
                for (String name : f.names()) assertEquals(DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT)), f.info(name).dtype(), name);
            }
            Transformer continued = new Transformer(new NaiveBackend(), shape, 1);
            FineTuner again = tuner(plugins, method, shape, with);
            again.configureFrom(Adapters.resolve(out), continued, null);
            Map<String, Tensor> loaded = again.trainableState(continued);
            assertEquals(trained.keySet(), loaded.keySet());
            for (var e : trained.entrySet()) {
                float[] want = e.getValue().clone();
                for (int i = 0; i < want.length; i++)
                    want[i] = dtype.equals("bf16") ? HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(want[i])) : HalfFloats.f16ToFloat(HalfFloats.floatToF16(want[i]));
                assertArrayEquals(want, loaded.get(e.getKey()).toArray(), e.getKey() + " as " + dtype);
            }
        }
    }

    private static long adapterSize(FineTuner t, Transformer m) {
        long n = 0;
        for (Tensor p : t.trainableState(m).values()) n += p.size();
        return n;
    }

    private static FineTuner tuner(Map<String, FineTunerFactory> plugins, String method, TransformerConfig shape, Map<String, Object> settings) {
        FineTunerFactory f = plugins.get(method);
        Config c = new Config("finetune.method", settings);
        return f.create(c, new ObjectiveContext(null, new NaiveBackend(), shape, 7));
    }
}
