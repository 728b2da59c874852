package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.lora.LoraFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

/** The tensor names PEFT writes for GPT-2, BERT and LLaMA, and round trips through each. */
class PeftNamesTest {
    static final TransformerConfig BERT = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 16);

    @TempDir
    Path dir;

    static LoraFineTuner lora(String names, Object targets) {
        return LoraFineTunerTest.lora(Map.of("r", 2, "alpha", 4, "target_modules", targets, "peft_names", names));
    }

    /** Configures and trains an adapter on {@code m}, saves it, and returns the file's tensors. */
    Map<String, NamedTensor> trainAndSave(LoraFineTuner t, Transformer m) throws IOException {
        t.configure(m, null);
        steps(m, 3);
        t.save(m, dir);
        return SafetensorsFile.readFloats(dir.resolve(PeftFormat.WEIGHTS));
    }

    static List<String> keys(String prefix, int layers, String... modules) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < layers; i++)
            for (String m : modules) {
                out.add("base_model.model." + prefix + i + "." + m + ".lora_A.weight");
                out.add("base_model.model." + prefix + i + "." + m + ".lora_B.weight");
            }
        return out;
    }

    String config() throws IOException { return Files.readString(dir.resolve(PeftFormat.CONFIG)); }

    @Test
    void gpt2NamesAreTheFusedConv1DModules() throws IOException {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        Map<String, NamedTensor> file = trainAndSave(lora("gpt2", "all-linear"), m);
        assertEquals(keys("transformer.h.", 2, "attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"), List.copyOf(file.keySet()));
        assertArrayEquals(new int[] {48, 2}, file.get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape(), "c_attn: 3·C rows, q k v");
        assertArrayEquals(Lora.layers(m, "default").get("blocks.1.mlp.down").loraB().toArray(),
                file.get("base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight").data());
        String json = config();
        assertTrue(json.contains("\"target_modules\": [\"c_attn\", \"c_proj\", \"c_fc\"]") && json.contains("\"fan_in_fan_out\": true"), json);

        trainAndSave(lora("gpt2", "attn.out"), new Transformer(new NaiveBackend(), GPT, 1));
        assertTrue(config().contains("\"target_modules\": [\"attn.c_proj\"]"), "c_proj alone would also adapt mlp.c_proj: " + config());
    }

    @Test
    void bertNamesSplitTheFusedQkvIntoThreeAdaptersSharingA() throws IOException {
        Transformer m = new Transformer(new NaiveBackend(), BERT, 1);
        Map<String, NamedTensor> file = trainAndSave(lora("bert", "all-linear"), m);
        assertEquals(keys("bert.encoder.layer.", 2, "attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense", "intermediate.dense", "output.dense").stream().sorted().toList(), sorted(file.keySet()), "the reference safetensors order: by name");
        LoraLayer qkv = Lora.layers(m, "default").get("blocks.0.attn.qkv");
        float[] b = qkv.loraB().toArray();
        String[] names = {"query", "key", "value"};
        for (int j = 0; j < 3; j++) {
            String s = "base_model.model.bert.encoder.layer.0.attention.self." + names[j];
            assertArrayEquals(qkv.loraA().toArray(), file.get(s + ".lora_A.weight").data(), names[j] + " shares the fused A");
            assertArrayEquals(new int[] {16, 2}, file.get(s + ".lora_B.weight").shape());
            assertArrayEquals(Arrays.copyOfRange(b, j * 16 * 2, (j + 1) * 16 * 2), file.get(s + ".lora_B.weight").data(), names[j] + "'s rows of B");
        }
        assertTrue(config().contains("\"target_modules\": [\"query\", \"key\", \"value\", \"output.dense\", \"intermediate.dense\"]")
                && config().contains("\"fan_in_fan_out\": false"), config());

        trainAndSave(lora("bert", "mlp.down"), new Transformer(new NaiveBackend(), BERT, 1));
        assertTrue(config().contains("\"target_modules\": [\"0.output.dense\", \"1.output.dense\"]"),
                "output.dense alone would also adapt attention.output.dense: " + config());
    }

    @Test
    void llamaNamesGiveGroupedQueryRowsToEachProjection() throws IOException {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);          // Hq = 4, Hkv = 2, D = 4
        Map<String, NamedTensor> file = trainAndSave(lora("llama", "all-linear"), m);
        assertEquals(keys("model.layers.", 2, "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                "mlp.up_proj", "mlp.gate_proj", "mlp.down_proj").stream().sorted().toList(), sorted(file.keySet()), "the reference safetensors order: by name");
        String a = "base_model.model.model.layers.1.self_attn.";
        assertArrayEquals(new int[] {16, 2}, file.get(a + "q_proj.lora_B.weight").shape());
        assertArrayEquals(new int[] {8, 2}, file.get(a + "k_proj.lora_B.weight").shape());
        assertArrayEquals(new int[] {8, 2}, file.get(a + "v_proj.lora_B.weight").shape());
        assertArrayEquals(new int[] {2, 16}, file.get(a + "v_proj.lora_A.weight").shape());
        assertTrue(config().contains("\"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"up_proj\", \"gate_proj\", \"down_proj\"]"), config());
    }

    @Test
    void everyNamingRoundTripsOntoAFreshBase() throws IOException {
        record Case(String names, TransformerConfig shape) {}
        for (Case c : List.of(new Case("kiln", LLAMA), new Case("gpt2", GPT), new Case("bert", BERT), new Case("llama", LLAMA))) {
            Path d = dir.resolve(c.names());
            Transformer m = new Transformer(new NaiveBackend(), c.shape(), 1);
            LoraFineTuner t = LoraFineTunerTest.lora(Map.of("r", 3, "alpha", 5, "use_rslora", true, "target_modules", "all-linear", "peft_names", c.names()));
            t.configure(m, null);
            steps(m, 3);
            float[] trained = logits(m);
            t.save(m, d);
            Transformer fresh = new Transformer(new NaiveBackend(), c.shape(), 1);
            LoraConfig loaded = LoraFineTuner.load(fresh, d, "restored");
            assertArrayEquals(trained, logits(fresh), c.names() + ": same base + loaded adapter = the trained model");
            assertEquals(Lora.layers(m, "default").keySet(), Lora.layers(fresh, "restored").keySet(), c.names());
            for (LoraLayer l : Lora.layers(fresh, "restored").values()) assertEquals(3, l.rank(), c.names() + ": one shared A, rank r");
            assertEquals(3, loaded.r());
            assertEquals(t.config().scaling(), loaded.scaling(), 1e-12);
            assertEquals(0, fresh.trainableParameterCount(), "loaded in inference mode");
        }
    }

    @Test
    void aNamingWithoutTheTargetedModuleFailsAtConfigure() {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        long before = m.trainableParameterCount();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lora("gpt2", "mlp.gate").configure(m, null));
        assertTrue(e.getMessage().contains("peft_names gpt2") && e.getMessage().contains("blocks.0.mlp.gate"), e.getMessage());
        assertEquals(before, m.trainableParameterCount(), "the model is untouched");
        assertEquals(PeftNames.KILN, LoraFineTunerTest.lora(Map.of()).peftNames());
        ConfigException bad = assertThrows(ConfigException.class, () -> LoraFineTunerTest.lora(Map.of("peft_names", "t5")));
        assertTrue(bad.getMessage().contains("peft_names") && bad.getMessage().contains("llama"), bad.getMessage());
    }

    @Test
    void locateAcceptsTheBareBaseModelNamesToo() {
        assertEquals(new PeftNames.Location("blocks.3.attn.qkv", 1), PeftNames.BERT.locate("encoder.layer.3.attention.self.key"));
        assertEquals(new PeftNames.Location("blocks.3.attn.qkv", 2), PeftNames.BERT.locate("bert.encoder.layer.3.attention.self.value"));
        assertEquals(new PeftNames.Location("blocks.0.mlp.down", 0), PeftNames.LLAMA.locate("layers.0.mlp.down_proj"));
        assertEquals(new PeftNames.Location("blocks.12.attn.out", 0), PeftNames.GPT2.locate("transformer.h.12.attn.c_proj"));
        assertNull(PeftNames.GPT2.locate("transformer.h.0.attn.q_proj"));
        assertNull(PeftNames.LLAMA.locate("lm_head"));
    }

    @Test
    void aHuggingFaceBaseFamilyIsTheDefaultAndPeftNamesOverridesIt() {
        assertEquals(PeftNames.LLAMA, PeftNames.forModelType("mistral"));
        assertEquals(PeftNames.LLAMA, PeftNames.forModelType("qwen2"));
        assertEquals(PeftNames.LLAMA, PeftNames.forModelType("qwen3"));
        assertEquals(PeftNames.ROBERTA, PeftNames.forModelType("roberta"));
        assertEquals(PeftNames.GPT2, PeftNames.forModelType("gpt2"));
        assertEquals(PeftNames.KILN, PeftNames.forModelType("t5"));
        assertEquals(PeftNames.KILN, PeftNames.forModelType(null));
        ObjectiveContext ctx = new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), GPT, 1);
        LoraFineTunerFactory f = new LoraFineTunerFactory();
        assertEquals(PeftNames.LLAMA, ((LoraFineTuner) f.create(new Config("lora", Map.of()), ctx, PeftNames.LLAMA)).peftNames());
        assertEquals(PeftNames.KILN, ((LoraFineTuner) f.create(new Config("lora", Map.of("peft_names", "kiln")), ctx, PeftNames.LLAMA)).peftNames());
    }

    @Test
    void robertaNamesAreBertsUnderRoberta() {
        assertEquals(List.of(new PeftNames.Part("roberta.encoder.layer.1.attention.self.query", 0, 16),
                        new PeftNames.Part("roberta.encoder.layer.1.attention.self.key", 16, 32),
                        new PeftNames.Part("roberta.encoder.layer.1.attention.self.value", 32, 48)),
                PeftNames.ROBERTA.parts("blocks.1.attn.qkv", 48, BERT));
        assertEquals(new PeftNames.Location("blocks.1.mlp.down", 0), PeftNames.ROBERTA.locate("roberta.encoder.layer.1.output.dense"));
        assertNull(PeftNames.BERT.locate("roberta.encoder.layer.1.output.dense"), "a RoBERTa file is not read as BERT's");
        assertEquals("roberta.embeddings.word_embeddings", PeftNames.ROBERTA.embeddingModule());
    }

    private static List<String> sorted(java.util.Collection<String> keys) { return keys.stream().sorted().toList(); }
}
