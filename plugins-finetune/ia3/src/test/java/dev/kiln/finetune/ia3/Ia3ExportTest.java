package dev.kiln.finetune.ia3;

import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.ia3.Ia3FineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

class Ia3ExportTest {
    @TempDir
    Path dir;

    @Test
    void exportWritesPeftFilesThenMergesAndDetachesAndLoadReproducesTheOutputs() throws IOException {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        Map<String, float[]> baseWeights = snapshot(m.namedParameters());
        Ia3FineTuner t = ia3(Map.of("target_modules", List.of("attn.qkv", "attn.out", "mlp.down")));
        t.configure(m, null);
        steps(m, 3);
        float[] trained = logits(m);
        Map<String, float[]> vectors = snapshot(t.trainableState(m));
        t.export(m, dir);

        Path adapter = dir.resolve("adapter");
        Map<String, NamedTensor> file = SafetensorsFile.readFloats(adapter.resolve(PeftIa3Format.WEIGHTS));
        assertEquals(java.util.Set.of("base_model.model.blocks.0.attn.qkv.ia3_l", "base_model.model.blocks.0.attn.out.ia3_l",
                "base_model.model.blocks.0.mlp.down.ia3_l", "base_model.model.blocks.1.attn.qkv.ia3_l",
                "base_model.model.blocks.1.attn.out.ia3_l", "base_model.model.blocks.1.mlp.down.ia3_l"), file.keySet());
        NamedTensor qkv = file.get("base_model.model.blocks.0.attn.qkv.ia3_l");
        assertArrayEquals(new int[] {32, 1}, qkv.shape(), "PEFT's [out, 1], full fused width (4 + 2·2)·4");
        for (int i = 0; i < 16; i++) assertEquals(1f, qkv.data()[i], "query rows are stored as 1");
        float[] kv = vectors.get("blocks.0.attn.qkv.ia3_default.ia3_l");
        for (int i = 0; i < 16; i++) assertEquals(kv[i], qkv.data()[16 + i]);
        assertArrayEquals(new int[] {16, 1}, file.get("base_model.model.blocks.0.attn.out.ia3_l").shape());
        assertArrayEquals(new int[] {1, 32}, file.get("base_model.model.blocks.0.mlp.down.ia3_l").shape(), "feed-forward: PEFT's [1, in]");
        assertArrayEquals(vectors.get("blocks.1.mlp.down.ia3_default.ia3_l"), file.get("base_model.model.blocks.1.mlp.down.ia3_l").data());

        String json = Files.readString(adapter.resolve(PeftIa3Format.CONFIG));
        assertTrue(json.contains("\"peft_type\": \"IA3\"") && json.contains("\"target_modules\": [\"attn.qkv\", \"attn.out\", \"mlp.down\"]")
                && json.contains("\"feedforward_modules\": [\"mlp.down\"]") && json.contains("\"init_ia3_weights\": true"), json);

        assertEquals(baseWeights.keySet(), m.namedParameters().keySet(), "after export the model is a plain Kiln model (adapters detached)");
        assertTrue(Ia3.adapterNames(m).isEmpty());
        assertTrue(maxDiff(trained, logits(m)) < 1e-5, "the merged model computes the adapted one");

        Transformer fresh = new Transformer(new NaiveBackend(), LLAMA, 1);
        Ia3Config loaded = Ia3FineTuner.load(fresh, adapter);
        assertEquals(t.config(), loaded);
        assertArrayEquals(trained, logits(fresh), "same base + loaded adapter = the trained model");
        assertEquals(0, fresh.trainableParameterCount(), "loaded in inference mode");
        assertThrows(IllegalStateException.class, () -> Ia3FineTuner.load(fresh, adapter), "the name 'default' is taken");

        Transformer viaModelDir = new Transformer(new NaiveBackend(), LLAMA, 1);
        Ia3FineTuner.load(viaModelDir, dir, "restored");
        assertArrayEquals(trained, logits(viaModelDir), "the export directory finds its adapter/ folder");
    }

    @Test
    void loadRefusesScaledQueryRowsAndLeavesTheModelAsItWas() throws IOException {
        Transformer m = new Transformer(new NaiveBackend(), GPT, 1);
        Ia3FineTuner t = ia3(Map.of("init_ia3_weights", false));
        t.configure(m, null);
        PeftIa3Format.save(m, t.config(), dir);
        Map<String, NamedTensor> file = new LinkedHashMap<>(SafetensorsFile.readFloats(dir.resolve(PeftIa3Format.WEIGHTS)));
        NamedTensor qkv = file.get("base_model.model.blocks.1.attn.qkv.ia3_l");
        qkv.data()[3] = 0.5f;
        SafetensorsWriter.writeFloats(dir.resolve(PeftIa3Format.WEIGHTS), file.values(), SafetensorsWriter.PT_METADATA);

        Transformer fresh = new Transformer(new NaiveBackend(), GPT, 1);
        IOException e = assertThrows(IOException.class, () -> Ia3FineTuner.load(fresh, dir));
        assertTrue(e.getMessage().contains("blocks.1.attn.qkv") && e.getMessage().contains("query"), e.getMessage());
        assertTrue(Ia3.adapterNames(fresh).isEmpty(), "a failed load detaches what it attached");
    }

    @Test
    void safetensorsHeaderLayout() throws IOException {
        SafetensorsWriter.write(dir.resolve("x.safetensors"), Map.of("a.ia3_l", TensorData.f32(new int[] {3, 1}, new float[] {1, 2, 3})), SafetensorsWriter.PT_METADATA);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("x.safetensors"))).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, n % 8);
        assertEquals(8 + n + 12, b.capacity());
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},\"a.ia3_l\":{\"dtype\":\"F32\",\"shape\":[3,1],\"data_offsets\":[0,12]}}",
                new String(b.array(), 8, (int) n, StandardCharsets.US_ASCII).trim());
        assertEquals(1f, b.getFloat(8 + (int) n));
        assertArrayEquals(new float[] {1, 2, 3}, SafetensorsFile.readFloats(dir.resolve("x.safetensors")).get("a.ia3_l").data());

        byte[] h = "{\"w\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve("bf16.safetensors"), ByteBuffer.allocate(8 + h.length + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h)
                .putShort((short) 0x3f80).putShort((short) 0xc040).array());
        assertArrayEquals(new float[] {1, -3}, SafetensorsFile.readFloats(dir.resolve("bf16.safetensors")).get("w").data(), "BF16 widened exactly");
        byte[] i = "{\"w\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.US_ASCII);
        Files.write(dir.resolve("bad.safetensors"), ByteBuffer.allocate(8 + i.length + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(i.length).put(i).array());
        IOException e = assertThrows(IOException.class, () -> SafetensorsFile.readFloats(dir.resolve("bad.safetensors")));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("I32") && e.getMessage().contains("bad.safetensors"), e.getMessage());
    }

    @Test
    void parsesAPeftWrittenConfig() throws IOException {
        String peft = """
                {
                  "auto_mapping": null,
                  "base_model_name_or_path": "t5-small",
                  "exclude_modules": null,
                  "fan_in_fan_out": false,
                  "feedforward_modules": [
                    "wo"
                  ],
                  "inference_mode": true,
                  "init_ia3_weights": true,
                  "modules_to_save": null,
                  "peft_type": "IA3",
                  "revision": null,
                  "target_modules": [
                    "k",
                    "v",
                    "wo"
                  ],
                  "task_type": "SEQ_2_SEQ_LM"
                }""";
        assertEquals(new Ia3Config(List.of("k", "v", "wo"), List.of("wo"), true, "x"), PeftIa3Format.parseConfig(peft, "x"));
        Ia3Config all = new Ia3Config(List.of("all-linear"), List.of("mlp.down"), false, "default");
        assertEquals(all, PeftIa3Format.parseConfig(PeftIa3Format.configJson(all), "default"));
        assertThrows(IOException.class, () -> PeftIa3Format.parseConfig("{\"peft_type\": \"LORA\", \"target_modules\": [\"q\"]}", "x"));
        IOException notSubset = assertThrows(IOException.class,
                () -> PeftIa3Format.parseConfig("{\"target_modules\": [\"k\"], \"feedforward_modules\": [\"wo\"]}", "x"));
        assertTrue(notSubset.getMessage().contains("feedforward_modules"), notSubset.getMessage());
        IOException typed = assertThrows(IOException.class,
                () -> PeftIa3Format.parseConfig("{\"target_modules\": [\"k\"], \"init_ia3_weights\": \"yes\"}", "/a/adapter_config.json", "x"));
        assertTrue(typed.getMessage().startsWith("/a/adapter_config.json") && typed.getMessage().contains("\"init_ia3_weights\" must be true or false"),
                typed.getMessage());
    }
}
