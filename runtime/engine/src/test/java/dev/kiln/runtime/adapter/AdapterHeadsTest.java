package dev.kiln.runtime.adapter;

import static dev.kiln.runtime.adapter.AdapterFixtures.floats;
import static dev.kiln.runtime.adapter.AdapterFixtures.ints;
import static dev.kiln.runtime.adapter.AdapterFixtures.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.io.DType;
import dev.kiln.api.io.HalfFloats;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.hf.HfModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task heads in adapter directories (PEFT's modules_to_save): PEFT's fixture loads, Kiln's round trip, refusals name the module. */
class AdapterHeadsTest {
    static final NaiveBackend BACKEND = new NaiveBackend();
    @TempDir Path tmp;

    @Test
    void aPeftSequenceClassifierAdapterRestoresItsHeadAndGivesPeftsLogits() throws IOException {
        Path dir = AdapterFixtures.resource("peft/bert-lora-cls");
        HfModel hf = HfCheckpoints.load(AdapterFixtures.resource("hf/bert"), BACKEND);
        Map<String, Tensor> heads = sftHead(3, hf.model().config().dModel());
        Adapters.apply(AdapterFixtures.plugins(), hf.model(), heads, dir, true);
        Map<String, Object> expected = AdapterFixtures.expected(dir);
        List<?> inputs = (List<?>) expected.get("inputs"), types = (List<?>) expected.get("token_type_ids"), logits = (List<?>) expected.get("logits");
        for (int s = 0; s < inputs.size(); s++) {
            float[] want = floats(logits.get(s)), got = classify(hf.model(), heads, ints(inputs.get(s)), ints(types.get(s)));
            assertTrue(maxAbsDiff(want, got) < 1e-4, "bert-lora-cls input " + s + ": " + maxAbsDiff(want, got));
        }
    }

    @Test
    void aSavedHeadTheModelLacksOrOfAnotherShapeIsRefusedNamingTheModule() throws IOException {
        Path dir = AdapterFixtures.resource("peft/bert-lora-cls");
        Transformer model = HfCheckpoints.load(AdapterFixtures.resource("hf/bert"), BACKEND).model();
        IOException none = assertThrows(IOException.class, () -> Adapters.apply(AdapterFixtures.plugins(), model, dir, true));
        assertTrue(none.getMessage().contains("module 'bert.pooler.dense' (modules_to_save) is not in this model")
                || none.getMessage().contains("module 'classifier' (modules_to_save) is not in this model"), none.getMessage());
        IOException shape = assertThrows(IOException.class, () -> Adapters.apply(AdapterFixtures.plugins(), model, sftHead(2, 32), dir, true));
        assertTrue(shape.getMessage().contains("module 'classifier' (modules_to_save)") && shape.getMessage().contains("has shape [3")
                && shape.getMessage().contains("has [2"), shape.getMessage());
        assertTrue(model.namedParameters().keySet().stream().noneMatch(k -> k.contains("lora")), "refused before the model changed");
    }

    @Test
    void kilnHeadsRoundTripUnderKilnNamesAndThePromptLearningPrefix() throws IOException {
        TransformerConfig shape = TransformerConfig.gpt2(64, 16, 2, 2, 32);
        Transformer model = new Transformer(BACKEND, shape, 1);
        FineTuner tuner = AdapterFixtures.plugins().get("prompt-tuning").create(new Config("finetune.method",
                Map.of("num_virtual_tokens", 2, "prompt_tuning_init", "random", "save_dtype", "bf16")), new ObjectiveContext(null, BACKEND, shape, 7));
        tuner.configure(model, null);
        tuner.export(model, tmp);
        Map<String, Tensor> trained = new LinkedHashMap<>();
        trained.put("sft.classifier.weight", Tensor.of(BACKEND, new float[] {0.1f, -0.2f, 0.3f, 0.7f, 1.5f, -2.5f}, 2, 3));
        trained.put("sft.classifier.bias", Tensor.of(BACKEND, new float[] {0.25f, -1.1f}, 2));
        Path adapter = tmp.resolve("adapter");
        assertEquals(List.of("sft.classifier"), AdapterHeads.save(adapter, trained));
        JsonObject cfg = Json.parseObject(Files.readString(adapter.resolve(Adapters.CONFIG)), "adapter_config.json");
        assertEquals(List.of("sft.classifier"), cfg.strings("modules_to_save"));
        assertEquals("PROMPT_TUNING", cfg.string("peft_type"), "the other keys stay");
        try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve(Adapters.WEIGHTS))) {
            assertEquals(DType.BF16, f.info("base_model.sft.classifier.weight").dtype(), "the adapter's own dtype");
            assertTrue(f.contains("prompt_embeddings"), f.names().toString());
        }
        Transformer fresh = new Transformer(BACKEND, shape, 1);
        Map<String, Tensor> heads = Map.of("sft.classifier.weight", Tensor.of(BACKEND, new float[6], 2, 3), "sft.classifier.bias", Tensor.of(BACKEND, new float[2], 2));
        Adapters.apply(AdapterFixtures.plugins(), fresh, heads, adapter, false);
        for (var e : trained.entrySet()) {
            float[] want = e.getValue().toArray();
            for (int i = 0; i < want.length; i++) want[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(want[i]));
            assertArrayEquals(want, heads.get(e.getKey()).toArray(), e.getKey());
        }
        assertNotNull(fresh.softPrompt(), "the prompt is attached too");
    }

    /** A fresh sft head as pooler: bert has it (pooler [C, C], classifier [labels, C]), zeros. */
    private static Map<String, Tensor> sftHead(int labels, int c) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("sft.pooler.weight", Tensor.of(BACKEND, new float[c * c], c, c));
        m.put("sft.pooler.bias", Tensor.of(BACKEND, new float[c], c));
        m.put("sft.classifier.weight", Tensor.of(BACKEND, new float[labels * c], labels, c));
        m.put("sft.classifier.bias", Tensor.of(BACKEND, new float[labels], labels));
        return m;
    }

    /** [CLS] → pooler dense → tanh → classifier, as BertForSequenceClassification. */
    private static float[] classify(Transformer model, Map<String, Tensor> heads, int[] ids, int[] types) {
        float[] h;
        model.train(false);
        try (var g = GradMode.noGrad()) {
            h = model.forward(ModelInput.of(new IntTensor(ids, 1, ids.length)).withTokenTypes(new IntTensor(types, 1, types.length))).toArray();
        }
        int c = model.config().dModel();
        float[] pw = heads.get("sft.pooler.weight").toArray(), pb = heads.get("sft.pooler.bias").toArray();
        float[] cw = heads.get("sft.classifier.weight").toArray(), cb = heads.get("sft.classifier.bias").toArray();
        float[] pooled = new float[c], out = new float[cb.length];
        for (int o = 0; o < c; o++) {
            double s = pb[o];
            for (int i = 0; i < c; i++) s += pw[o * c + i] * h[i];
            pooled[o] = (float) Math.tanh(s);
        }
        for (int k = 0; k < out.length; k++) {
            double s = cb[k];
            for (int i = 0; i < c; i++) s += cw[k * c + i] * pooled[i];
            out[k] = (float) s;
        }
        return out;
    }
}
