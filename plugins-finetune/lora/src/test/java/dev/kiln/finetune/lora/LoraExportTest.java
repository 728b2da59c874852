package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.finetune.lora.LoraFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

/** FineTuner.export (adapter to dir/adapter, then merge and detach) and importing PEFT's separate q/k/v adapters. */
class LoraExportTest {
    @TempDir
    Path dir;

    @Test
    void exportWritesTheAdapterThenLeavesAPlainModelComputingTheSame() throws IOException {
        for (String names : List.of("kiln", "llama")) {
            Path out = dir.resolve(names);
            Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
            lora(Map.of("adapter_name", "other", "r", 2)).configure(m, null);         // a second, inactive adapter: detached too
            LoraFineTuner t = lora(Map.of("target_modules", "all-linear", "r", 4, "alpha", 8, "peft_names", names));
            t.configure(m, null);
            steps(m, 5);
            float[] unmerged = logits(m);

            t.export(m, out);
            assertTrue(Files.exists(out.resolve("adapter").resolve(PeftFormat.WEIGHTS)) && Files.exists(out.resolve("adapter").resolve(PeftFormat.CONFIG)));
            assertEquals(new Transformer(new NaiveBackend(), LLAMA, 1).namedParameters().keySet(), m.namedParameters().keySet(),
                    names + ": no lora tensors left; the parameters are a plain model's");
            for (var e : m.namedModules().entrySet())
                if (e.getValue() instanceof Linear l) assertTrue(l.adapters().isEmpty(), e.getKey() + " still has adapters");
            float diff = maxDiff(unmerged, logits(m));
            assertTrue(diff < 1e-5, names + ": merged model vs unmerged adapter logits differ by " + diff);

            Transformer fresh = new Transformer(new NaiveBackend(), LLAMA, 1);
            LoraFineTuner.load(fresh, out);                                           // finds out/adapter
            float reloaded = maxDiff(unmerged, logits(fresh));
            assertTrue(reloaded < 1e-6, names + ": fresh base + exported adapter vs the trained model: " + reloaded);
        }
    }

    @Test
    void exportRefusesWhenAnotherAdapterIsMerged() throws IOException {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        lora(Map.of("adapter_name", "a")).configure(m, null);
        steps(m, 1);
        Lora.merge(m);
        LoraFineTuner b = new LoraFineTuner(new LoraConfig(2, 4, 0, false, List.of("attn.qkv"), "b"));
        for (LoraLayer l : Lora.attach(m, b.config()).values()) assertFalse(l.merged());
        assertThrows(IllegalStateException.class, () -> b.export(m, dir));
    }

    /** A LLaMA q/k/v adapter as PEFT trains it: three A's that differ, v with its own rank and k with its own alpha. */
    @Test
    void importOfDifferingQkvAdaptersStacksThemAndReproducesTheOutputs() throws IOException {
        int r = 2, rv = 3, c = 16, q = 16, kv = 8;                                   // LLAMA: Hq = 4, Hkv = 2, D = 4
        double alpha = 4, alphaK = 8;
        double[] scaling = {alpha / r, alphaK / r, alpha / rv};
        int[] rows = {q, kv, kv}, ranks = {r, r, rv}, start = {0, q, q + kv};
        String[] proj = {"q_proj", "k_proj", "v_proj"};
        Random rng = new Random(11);
        Map<String, TensorData> file = new LinkedHashMap<>();
        Transformer reference = new Transformer(new NaiveBackend(), LLAMA, 1);     // W_qkv += s_j·B_j·A_j by hand
        for (int layer = 0; layer < 2; layer++) {
            Tensor w = ((Linear) reference.namedModules().get("blocks." + layer + ".attn.qkv")).weight();
            float[] wv = w.toArray();
            for (int j = 0; j < 3; j++) {
                float[] a = random(rng, ranks[j] * c), b = random(rng, rows[j] * ranks[j]);
                String key = "base_model.model.model.layers." + layer + ".self_attn." + proj[j];
                file.put(key + ".lora_A.weight", TensorData.f32(new int[] {ranks[j], c}, a));
                file.put(key + ".lora_B.weight", TensorData.f32(new int[] {rows[j], ranks[j]}, b));
                for (int o = 0; o < rows[j]; o++)
                    for (int i = 0; i < c; i++) {
                        double d = 0;
                        for (int k = 0; k < ranks[j]; k++) d += b[o * ranks[j] + k] * a[k * c + i];
                        wv[(start[j] + o) * c + i] += (float) (scaling[j] * d);
                    }
            }
            w.copyFrom(wv);
        }
        Path peft = dir.resolve("peft");
        Files.createDirectories(peft);
        SafetensorsWriter.write(peft.resolve(PeftFormat.WEIGHTS), file, SafetensorsWriter.PT_METADATA);
        Files.writeString(peft.resolve(PeftFormat.CONFIG), """
                {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 2, "lora_alpha": 4, "lora_dropout": 0.05,
                 "target_modules": ["q_proj", "k_proj", "v_proj"], "rank_pattern": {"v_proj": 3}, "alpha_pattern": {"k_proj": 8},
                 "bias": "none", "use_rslora": false, "use_dora": false}""", StandardCharsets.UTF_8);

        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        LoraConfig cfg = PeftFormat.load(m, peft, "imported");
        assertEquals(List.of("blocks.0.attn.qkv", "blocks.1.attn.qkv"), cfg.targetModules());
        LoraLayer fused = Lora.layers(m, "imported").get("blocks.0.attn.qkv");
        assertEquals(r + r + rv, fused.rank(), "A's differ: stacked, rank r_q + r_k + r_v");
        float[] expected = logits(reference), got = logits(m);
        assertTrue(maxDiff(expected, got) < 1e-4, "stacked import vs hand-merged weights: " + maxDiff(expected, got));

        // Written back in LLaMA's names: each projection gets its own block of A back (zero columns of B dropped).
        Path again = dir.resolve("again");
        PeftFormat.save(m, cfg, PeftNames.LLAMA, again);
        Map<String, NamedTensor> back = SafetensorsFile.readFloats(again.resolve(PeftFormat.WEIGHTS));
        assertEquals(file.keySet(), back.keySet());
        String v = "base_model.model.model.layers.1.self_attn.v_proj";
        assertArrayEquals(SafetensorsFile.readFloats(peft.resolve(PeftFormat.WEIGHTS)).get(v + ".lora_A.weight").data(), back.get(v + ".lora_A.weight").data());
        assertArrayEquals(new int[] {kv, rv}, back.get(v + ".lora_B.weight").shape());
        String json = Files.readString(again.resolve(PeftFormat.CONFIG));
        assertTrue(json.contains("\"model.layers.0.self_attn.v_proj\": 3") && json.contains("\"target_modules\": [\"q_proj\", \"k_proj\", \"v_proj\"]"), json);
        Transformer reloaded = new Transformer(new NaiveBackend(), LLAMA, 1);
        PeftFormat.load(reloaded, again, "x");
        assertTrue(maxDiff(got, logits(reloaded)) < 1e-5, "re-exported adapter: " + maxDiff(got, logits(reloaded)));
    }

    @Test
    void importOfEqualAsKeepsRankRAndMissingProjectionsAddNothing() throws IOException {
        Random rng = new Random(5);
        float[] a = random(rng, 2 * 16), bq = random(rng, 16 * 2), bv = random(rng, 8 * 2);
        Map<String, TensorData> file = new LinkedHashMap<>();
        String s = "base_model.model.layers.0.self_attn.";                           // a bare LlamaModel: no "model." prefix
        file.put(s + "q_proj.lora_A.weight", TensorData.f32(new int[] {2, 16}, a));
        file.put(s + "q_proj.lora_B.weight", TensorData.f32(new int[] {16, 2}, bq));
        file.put(s + "v_proj.lora_A.weight", TensorData.f32(new int[] {2, 16}, a.clone()));
        file.put(s + "v_proj.lora_B.weight", TensorData.f32(new int[] {8, 2}, bv));
        SafetensorsWriter.write(dir.resolve(PeftFormat.WEIGHTS), file, SafetensorsWriter.PT_METADATA);
        Files.writeString(dir.resolve(PeftFormat.CONFIG), "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 16, \"target_modules\": [\"q_proj\", \"v_proj\"]}");
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        PeftFormat.load(m, dir, "qv");
        LoraLayer l = Lora.layers(m, "qv").get("blocks.0.attn.qkv");
        assertEquals(2, l.rank());
        assertArrayEquals(a, l.loraA().toArray());
        float[] b = l.loraB().toArray();
        for (int i = 0; i < 16 * 2; i++) assertEquals(bq[i], b[i]);
        for (int i = 16 * 2; i < 24 * 2; i++) assertEquals(0f, b[i], "k rows: no k_proj adapter");
        for (int i = 0; i < 8 * 2; i++) assertEquals(bv[i], b[24 * 2 + i]);
        assertEquals(1, Lora.layers(m, "qv").size());
    }

    @Test
    void unknownTensorsAreRefusedNamingThem() throws IOException {
        SafetensorsWriter.write(dir.resolve(PeftFormat.WEIGHTS), Map.of(
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", TensorData.f32(new int[] {2, 16}, new float[32]),
                "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", TensorData.f32(new int[] {16, 2}, new float[32]),
                "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight", TensorData.f32(new int[] {2, 16}, new float[32])), SafetensorsWriter.PT_METADATA);
        Files.writeString(dir.resolve(PeftFormat.CONFIG), "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 16, \"target_modules\": [\"q_proj\"]}");
        IOException e = assertThrows(IOException.class, () -> PeftFormat.load(new Transformer(new NaiveBackend(), LLAMA, 1), dir, "x"));
        assertTrue(e.getMessage().contains("do not all name Linear modules"), e.getMessage());
    }

    static float[] random(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian() * 0.3f;
        return v;
    }
}
