package dev.kiln.runtime.adapter;

import static dev.kiln.runtime.adapter.AdapterFixtures.floats;
import static dev.kiln.runtime.adapter.AdapterFixtures.ints;
import static dev.kiln.runtime.adapter.AdapterFixtures.logits;
import static dev.kiln.runtime.adapter.AdapterFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.finetune.LoadedAdapter;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.runtime.hf.HfCheckpoints;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Adapters in PEFT's exact layout ({@code src/test/resources/peft/make_peft_fixtures.py}) on the
 * tiny Hugging Face checkpoints give the outputs PEFT + transformers give (the script's numpy
 * reference) within 1e-4, applied through {@link Adapters} as {@code kiln generate --adapter} does.
 */
class PeftFixturesTest {
    static final float TOLERANCE = 1e-4f;
    @TempDir Path tmp;

    static Stream<Arguments> fixtures() {
        return Stream.of(Arguments.of("gpt2", "gpt2-lora", "LORA"), Arguments.of("gpt2", "gpt2-lora-embedding", "LORA"),
                Arguments.of("gpt2", "gpt2-ia3", "IA3"),
                Arguments.of("gpt2", "gpt2-prompt", "PROMPT_TUNING"), Arguments.of("gpt2", "gpt2-prefix", "PREFIX_TUNING"),
                Arguments.of("llama", "llama-lora-bf16", "LORA"), Arguments.of("llama", "llama-ia3", "IA3"),
                Arguments.of("llama", "llama-prefix", "PREFIX_TUNING"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("fixtures")
    void aPeftAdapterGivesPeftsOutputs(String base, String adapter, String peftType) throws IOException {
        Path dir = AdapterFixtures.resource("peft/" + adapter);
        Transformer model = HfCheckpoints.load(AdapterFixtures.resource("hf/" + base), new NaiveBackend()).model();
        Transformer plain = HfCheckpoints.load(AdapterFixtures.resource("hf/" + base), new NaiveBackend()).model();
        LoadedAdapter loaded = Adapters.apply(AdapterFixtures.plugins(), model, dir, false);
        assertEquals(peftType, loaded.peftType());
        Map<String, Object> expected = AdapterFixtures.expected(dir);
        List<?> inputs = (List<?>) expected.get("inputs"), outputs = (List<?>) expected.get("logits");
        for (int s = 0; s < inputs.size(); s++) {
            int[] ids = ints(inputs.get(s));
            float[] want = floats(outputs.get(s)), got = logits(model, ids);
            assertTrue(maxAbsDiff(want, got) < TOLERANCE, adapter + " input " + s + ": max |diff| " + maxAbsDiff(want, got));
            assertTrue(maxAbsDiff(want, logits(plain, ids)) > 100 * TOLERANCE, adapter + ": the adapter must change the outputs");
        }
        boolean merged = loaded.mergeAndUnload();
        assertEquals(peftType.equals("LORA") || peftType.equals("IA3"), merged, "LoRA and IA3 fold into the weights; prompts and prefixes stay");
        int[] ids = ints(inputs.get(0));
        float[] want = floats(outputs.get(0));
        if (adapter.contains("embedding"))       // merged into GPT-2's tied wte, the adapter reaches the LM head too, in PEFT as here
            assertTrue(maxAbsDiff(want, logits(model, ids)) > 100 * TOLERANCE, "a merged embedding adapter changes the tied head");
        else
            assertTrue(maxAbsDiff(want, logits(model, ids)) < TOLERANCE, adapter + " after mergeAndUnload: " + maxAbsDiff(want, logits(model, ids)));
    }

    @Test
    void bertLoraWithADifferentAPerProjectionGivesPeftsHiddenStates() throws IOException {
        Path dir = AdapterFixtures.resource("peft/bert-lora");
        Transformer model = HfCheckpoints.load(AdapterFixtures.resource("hf/bert"), new NaiveBackend()).model();
        Adapters.apply(AdapterFixtures.plugins(), model, dir, false);
        Map<String, Object> expected = AdapterFixtures.expected(dir);
        List<?> inputs = (List<?>) expected.get("inputs"), types = (List<?>) expected.get("token_type_ids"), hidden = (List<?>) expected.get("hidden");
        Transformer plain = HfCheckpoints.load(AdapterFixtures.resource("hf/bert"), new NaiveBackend()).model();
        for (int s = 0; s < inputs.size(); s++) {
            int[] ids = ints(inputs.get(s)), tt = ints(types.get(s));
            float[] want = floats(hidden.get(s)), got = hidden(model, ids, tt);
            assertTrue(maxAbsDiff(want, got) < TOLERANCE, "bert-lora input " + s + ": max |diff| " + maxAbsDiff(want, got));
            assertTrue(maxAbsDiff(want, hidden(plain, ids, tt)) > 100 * TOLERANCE, "the adapter must change the hidden states");
        }
    }

    private static float[] hidden(Transformer model, int[] ids, int[] types) {
        model.train(false);
        try (var g = GradMode.noGrad()) {
            return model.forward(ModelInput.of(new IntTensor(ids, 1, ids.length)).withTokenTypes(new IntTensor(types, 1, types.length))).toArray();
        }
    }

    @Test
    void keysThatChangeTheFunctionAreRefusedByName() throws IOException {
        for (String key : List.of("use_dora", "lora_bias")) {
            Path dir = copy("gpt2-lora", key);
            Path cfg = dir.resolve(Adapters.CONFIG);
            Files.writeString(cfg, Files.readString(cfg).replace("\"" + key + "\": false", "\"" + key + "\": true"));
            Transformer model = HfCheckpoints.load(AdapterFixtures.resource("hf/gpt2"), new NaiveBackend()).model();
            IOException e = assertThrows(IOException.class, () -> Adapters.apply(AdapterFixtures.plugins(), model, dir, false));
            assertTrue(e.getMessage().contains("\"" + key + "\"") && e.getMessage().contains(cfg.toString()), e.getMessage());
        }
    }

    @Test
    void keysThatDoNotChangeTheFunctionAreIgnored() throws IOException {
        Path dir = copy("gpt2-lora", "extra");
        Path cfg = dir.resolve(Adapters.CONFIG);
        Files.writeString(cfg, Files.readString(cfg).replace("\"revision\": null", "\"revision\": \"main\", \"eva_config\": null, \"some_future_key\": 3"));
        Transformer model = HfCheckpoints.load(AdapterFixtures.resource("hf/gpt2"), new NaiveBackend()).model();
        Adapters.apply(AdapterFixtures.plugins(), model, dir, false);
        int[] ids = ints(((List<?>) AdapterFixtures.expected(dir).get("inputs")).get(1));
        float[] want = floats(((List<?>) AdapterFixtures.expected(dir).get("logits")).get(1));
        assertTrue(maxAbsDiff(want, logits(model, ids)) < TOLERANCE);
    }

    @Test
    void anUnknownPeftTypeNamesTheTypeAndTheLoadedOnes() throws IOException {
        Path dir = copy("gpt2-lora", "vera");
        Path cfg = dir.resolve(Adapters.CONFIG);
        Files.writeString(cfg, Files.readString(cfg).replace("\"peft_type\": \"LORA\"", "\"peft_type\": \"VERA\""));
        IOException e = assertThrows(IOException.class, () -> Adapters.factoryFor(dir, AdapterFixtures.plugins()));
        assertTrue(e.getMessage().contains("VERA") && e.getMessage().contains("LORA") && e.getMessage().contains("PREFIX_TUNING")
                && e.getMessage().contains(cfg.toString()), e.getMessage());
    }

    private Path copy(String fixture, String as) throws IOException {
        Path from = AdapterFixtures.resource("peft/" + fixture), to = tmp.resolve(as);
        Files.createDirectories(to);
        for (String f : List.of(Adapters.CONFIG, "adapter_model.safetensors", "expected.json")) Files.copy(from.resolve(f), to.resolve(f));
        return to;
    }
}
