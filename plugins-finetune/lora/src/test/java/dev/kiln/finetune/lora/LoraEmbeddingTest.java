package dev.kiln.finetune.lora;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.lora.LoraFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

/** LoRA on the token embeddings (PEFT's lora.Embedding): targeting, training, merging, PEFT files. */
class LoraEmbeddingTest {
    @TempDir
    Path dir;

    static LoraFineTuner embeddingLora(String names) {
        return lora(Map.of("r", 2, "alpha", 4, "target_modules", List.of("embed.tokens", "attn.qkv"), "peft_names", names));
    }

    /** Eval-mode hidden states [B, T, C] for the fixed input (not logits: a tied LM head changes with a merge). */
    static float[] hidden(Transformer m) {
        m.train(false);
        try (var g = GradMode.noGrad()) {
            return m.forward(ModelInput.of(ids())).toArray();
        } finally {
            m.train(true);
        }
    }

    @Test
    void onlyAPatternNamingTheEmbeddingsTargetsThem() {
        Transformer all = new Transformer(new NaiveBackend(), GPT, 1);
        lora(Map.of("target_modules", "all-linear")).configure(all, null);
        assertNull(Lora.embedding(all, null), "all-linear leaves the embeddings alone, as in PEFT");

        Transformer only = new Transformer(new NaiveBackend(), GPT, 1);
        lora(Map.of("r", 4, "target_modules", "embed.tokens")).configure(only, null);
        LoraEmbedding e = Lora.embedding(only, "default");
        assertNotNull(e);
        assertTrue(Lora.layers(only, "default").isEmpty(), "no Linear matched, and that is no error when the embeddings are targeted");
        assertArrayEquals(new int[] {GPT.vocab(), 4}, e.loraA().shape().dims());
        assertArrayEquals(new int[] {GPT.dModel(), 4}, e.loraB().shape().dims());
        assertTrue(only.namedParameters().containsKey("embed.tokens.lora_default.lora_embedding_A"), only.namedParameters().keySet().toString());
    }

    @Test
    void aFreshAdapterChangesNothingAndTrainingLeavesTheBaseBitIdentical() {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        float[] before = hidden(m);
        Map<String, float[]> base = snapshot(m.namedParameters());
        LoraFineTuner t = embeddingLora("kiln");
        t.configure(m, null);
        assertArrayEquals(before, hidden(m), "A starts at zero");
        float[] a0 = Lora.embedding(m, "default").loraA().toArray();
        steps(m, 3);
        base.forEach((name, v) -> assertArrayEquals(v, m.namedParameters().get(name).toArray(), name + " is frozen"));
        assertTrue(maxDiff(a0, Lora.embedding(m, "default").loraA().toArray()) > 0, "the embedding adapter trained");
        assertTrue(t.trainableState(m).containsKey("embed.tokens.lora_default.lora_embedding_A"), t.trainableState(m).keySet().toString());
        assertTrue(maxDiff(before, hidden(m)) > 1e-4, "and changed the outputs");
    }

    @Test
    void mergeMatchesTheAdapterAndUnmergeRestoresTheEmbeddings() {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        float[] embeddings = m.tokenEmbeddings().toArray();
        embeddingLora("kiln").configure(m, null);
        steps(m, 3);
        float[] adapted = hidden(m);
        Lora.merge(m);
        assertTrue(maxDiff(embeddings, m.tokenEmbeddings().toArray()) > 1e-4, "merging wrote into the embeddings");
        assertTrue(maxDiff(adapted, hidden(m)) < 1e-4, "merged = unmerged, off by " + maxDiff(adapted, hidden(m)));
        Lora.unmerge(m);
        assertTrue(maxDiff(embeddings, m.tokenEmbeddings().toArray()) < 1e-5, "unmerge restores the embeddings");
        assertTrue(maxDiff(adapted, hidden(m)) < 1e-5, "the adapter runs separately again (embeddings restored up to rounding)");

        Lora.mergeAndUnload(m, "default");
        assertTrue(m.tokenAdapters().isEmpty() && m.namedParameters().keySet().stream().noneMatch(k -> k.contains("lora")), "merge_and_unload detaches it");
        assertTrue(maxDiff(adapted, hidden(m)) < 1e-4, "and keeps its effect");
    }

    @Test
    void peftFilesUseLoraEmbeddingNamesAndShapesAndLoadBack() throws IOException {
        for (String names : List.of("kiln", "gpt2")) {
            Path d = dir.resolve(names);
            Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
            LoraFineTuner t = embeddingLora(names);
            t.configure(m, null);
            steps(m, 3);
            float[] trained = logits(m);
            t.save(m, d);
            Map<String, NamedTensor> file = SafetensorsFile.readFloats(d.resolve(PeftFormat.WEIGHTS));
            String module = names.equals("kiln") ? "embed.tokens" : "transformer.wte";
            NamedTensor a = file.get("base_model.model." + module + ".lora_embedding_A");
            assertNotNull(a, names + ": " + file.keySet());
            assertArrayEquals(new int[] {2, GPT.vocab()}, a.shape(), "PEFT's lora_embedding_A is [r, V]");
            Tensor ours = Lora.embedding(m, "default").loraA();
            assertEquals(ours.toArray()[7 * 2 + 1], a.data()[GPT.vocab() + 7], "row 1, token 7: the transpose of Kiln's [V, r]");
            assertArrayEquals(new int[] {GPT.dModel(), 2}, file.get("base_model.model." + module + ".lora_embedding_B").shape());
            if (names.equals("gpt2"))
                assertTrue(Files.readString(d.resolve(PeftFormat.CONFIG)).contains("\"target_modules\": [\"c_attn\", \"wte\"]"),
                        Files.readString(d.resolve(PeftFormat.CONFIG)));

            Transformer fresh = new Transformer(new NaiveBackend(), GPT, 1);
            LoraConfig loaded = LoraFineTuner.load(fresh, d, "restored");
            assertArrayEquals(trained, logits(fresh), names + ": same base + loaded adapter = the trained model");
            assertTrue(loaded.targetsEmbedding(), names + ": " + loaded.targetModules());
        }
    }
}
