package dev.kiln.cli;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.hf.HfModel;
import dev.kiln.runtime.model.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Adapters trained from a Hugging Face base save PEFT's names by default (target_modules, keys) and
 * the trained classifier head as modules_to_save; {@code kiln export --merge-adapter} merges such an
 * adapter, head included, into the Hub base and gives the run's own merged model.
 */
class ExportMergeAdapterCliTest {
    static final int[][] INPUTS = {{'a', ' ', 'g', 'o', 'o', 'd'}, {'b', 'a', 'd', ' ', 'f', 'i', 'l', 'm'}, {'x', 'y'}};
    @TempDir Path tmp;

    @Test
    void aLoraClassifierAdapterCarriesItsHeadAndMergesIntoTheHubBase() throws IOException {
        Path from = hfBert(tmp.resolve("hf-cls"), true);
        Path cfg = config(tmp.resolve("lora.json"), Map.of(
                "finetune", Map.of("from", from.toString(), "method", Map.of("name", "lora", "r", 2, "alpha", 4), "signal", "sft"),
                "data", Map.of("train", sentiment(tmp.resolve("train.tsv")).toString(), "rename", Map.of("sentence", "text")), "train", fastTrain()));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());

        Map<String, Object> adapter = json(run.resolve("adapter/adapter_config.json"));
        assertEquals(Set.of("query", "key", "value"), new HashSet<>((List<?>) adapter.get("target_modules")), "BERT's names by default: " + adapter);
        assertEquals(Set.of("classifier", "bert.pooler.dense"), new HashSet<>((List<?>) adapter.get("modules_to_save")), adapter.toString());
        assertEquals("SEQ_CLS", adapter.get("task_type"));
        try (SafetensorsFile f = SafetensorsFile.open(run.resolve("adapter/adapter_model.safetensors"))) {
            assertTrue(f.names().containsAll(List.of("base_model.model.classifier.weight", "base_model.model.classifier.bias",
                    "base_model.model.bert.pooler.dense.weight", "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight",
                    "base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight")), f.names().toString());
        }

        Path exported = tmp.resolve("merged");
        Cli e = kiln("export", "--model", from.toString(), "--merge-adapter", run.resolve("adapter").toString(), "--out", exported.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("as BertForSequenceClassification"), e.out());
        assertEquals(Map.of("0", "neg", "1", "pos"), json(exported.resolve("config.json")).get("id2label"), "the base's labels");

        HfModel merged = HfCheckpoints.load(exported, BACKEND), base = HfCheckpoints.load(from, BACKEND);
        ModelStore.Loaded trained = ModelStore.load(run.resolve("model"), BACKEND);
        for (int[] ids : INPUTS) {
            float[] want = classify(trained.model(), floats(trained.heads()), ids), got = classify(merged.model(), copy(merged.extras()), ids);
            assertTrue(maxAbsDiff(want, got) < 1e-5, "merged export vs the run's model: " + maxAbsDiff(want, got));
            assertTrue(maxAbsDiff(want, classify(base.model(), copy(base.extras()), ids)) > 1e-3, "training changed the predictions");
        }

        Path again = config(tmp.resolve("again.json"), Map.of(          // finetune.adapter continues it, head restored
                "finetune", Map.of("from", from.toString(), "method", Map.of("name", "lora", "r", 2, "alpha", 4), "signal", "sft",
                        "adapter", run.resolve("adapter").toString()),
                "data", Map.of("train", tmp.resolve("train.tsv").toString(), "rename", Map.of("sentence", "text")), "train", fastTrain()));
        Cli continued = kiln("finetune", "--config", again.toString(), "--out", tmp.resolve("run2").toString());
        assertEquals(0, continued.code(), continued.err());
        assertEquals(validation(run, "after"), validation(tmp.resolve("run2"), "before"), 1e-5,
                "the continued run starts where the first ended: its adapter and its classifier");
        assertNotEquals(validation(run, "before"), validation(tmp.resolve("run2"), "before"), 1e-3);

        Path bare = hfBert(tmp.resolve("hf-bare"), false);              // a BertModel: no classifier for the saved head to go to
        Cli refused = kiln("export", "--model", bare.toString(), "--merge-adapter", run.toString(), "--out", tmp.resolve("bare-out").toString());
        assertNotEquals(0, refused.code());
        assertTrue(refused.err().contains("(modules_to_save) is not in this model") && refused.err().contains("module '"), refused.err());
        assertFalse(Files.exists(tmp.resolve("bare-out")));
    }

    @Test
    void aGpt2AdapterHasGpt2NamesAndExportsMergedThroughTheAdapterAlias() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        Path cfg = config(tmp.resolve("lora.json"), Map.of("finetune", Map.of("from", from.toString(),
                "method", Map.of("name", "lora", "r", 2, "target_modules", List.of("attn.qkv", "mlp.down"))),
                "objective", "clm", "data", Map.of("train", text(tmp.resolve("stories.txt")).toString()), "train", fastTrain()));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> adapter = json(run.resolve("adapter/adapter_config.json"));
        assertEquals(List.of("c_attn", "mlp.c_proj"), adapter.get("target_modules"));
        assertEquals(true, adapter.get("fan_in_fan_out"));
        assertNull(adapter.get("modules_to_save"), "a causal LM's head is the tied embeddings: nothing to save beside the adapter");

        Path exported = tmp.resolve("merged");
        Cli e = kiln("export", "--model", from.toString(), "--adapter", run.toString(), "--out", exported.toString());
        assertEquals(0, e.code(), e.err());
        Transformer merged = HfCheckpoints.load(exported, BACKEND).model(), base = HfCheckpoints.load(from, BACKEND).model();
        Transformer trained = ModelStore.load(run.resolve("model"), BACKEND).model();
        float[] want = logits(trained, INPUTS[0]);
        assertTrue(maxAbsDiff(want, logits(merged, INPUTS[0])) < 1e-5, "merged export vs the run's model");
        assertTrue(maxAbsDiff(want, logits(base, INPUTS[0])) > 1e-3, "the adapter changed the model");
    }

    @Test
    void aPromptAdapterCannotMergeAndIsRefusedByName() throws IOException {
        Path from = hfBert(tmp.resolve("hf-cls"), true), prompt = Files.createDirectories(tmp.resolve("prompt"));
        Files.writeString(prompt.resolve("adapter_config.json"), "{\"peft_type\": \"PROMPT_TUNING\", \"task_type\": \"SEQ_CLS\","
                + " \"num_virtual_tokens\": 2, \"token_dim\": 32, \"num_transformer_submodules\": 1}");
        SafetensorsWriter.write(prompt.resolve("adapter_model.safetensors"), Map.of("prompt_embeddings", TensorData.f32(new int[] {2, 32}, new float[64])));
        Path out = tmp.resolve("out");
        Cli e = kiln("export", "--model", from.toString(), "--merge-adapter", prompt.toString(), "--out", out.toString());
        assertNotEquals(0, e.code());
        assertTrue(e.err().contains("PROMPT_TUNING") && e.err().contains(prompt.toString()) && e.err().contains("no weights to merge"), e.err());
        assertFalse(Files.exists(out), "nothing written");
    }

    private static Map<String, Object> fastTrain() {
        return Map.of("steps", 3, "batch_size", 4, "seq_len", 32, "lr", 0.02, "warmup", 0, "eval_every", 3,
                "checkpoint_every", 0, "log_every", 1, "eval_batches", 0);
    }

    /** BertForSequenceClassification's logits: [CLS] → pooler dense → tanh → classifier. */
    private static float[] classify(Transformer model, Map<String, float[]> heads, int[] ids) {
        float[] h;
        model.train(false);
        try (var g = GradMode.noGrad()) {
            h = model.forward(ModelInput.of(new IntTensor(ids, 1, ids.length))).toArray();
        }
        int c = model.config().dModel();
        float[] pw = heads.get("sft.pooler.weight"), pb = heads.get("sft.pooler.bias"), cw = heads.get("sft.classifier.weight"), cb = heads.get("sft.classifier.bias");
        float[] pooled = new float[c];
        for (int o = 0; o < c; o++) {
            double s = pb[o];
            for (int i = 0; i < c; i++) s += pw[o * c + i] * h[i];
            pooled[o] = (float) Math.tanh(s);
        }
        float[] out = new float[cb.length];
        for (int k = 0; k < out.length; k++) {
            double s = cb[k];
            for (int i = 0; i < c; i++) s += cw[k * c + i] * pooled[i];
            out[k] = (float) s;
        }
        return out;
    }

    private static float[] logits(Transformer model, int[] ids) {
        model.train(false);
        try (var g = GradMode.noGrad()) {
            return model.logits(model.forward(ModelInput.of(new IntTensor(ids, 1, ids.length)))).toArray();
        }
    }

    private static Map<String, float[]> floats(Map<String, dev.kiln.api.io.NamedTensor> heads) {
        Map<String, float[]> out = new java.util.HashMap<>();
        heads.forEach((k, v) -> out.put(k, v.data()));
        return out;
    }

    private static Map<String, float[]> copy(Map<String, dev.kiln.api.tensor.Tensor> heads) {
        Map<String, float[]> out = new java.util.HashMap<>();
        heads.forEach((k, v) -> out.put(k, v.toArray()));
        return out;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
