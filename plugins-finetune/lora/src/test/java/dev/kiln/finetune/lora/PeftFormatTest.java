package dev.kiln.finetune.lora;

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
import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.lora.LoraFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

class PeftFormatTest {
    @TempDir
    Path dir;

    @Test
    void saveThenLoadIntoAFreshBaseReproducesTheOutputs() throws IOException {
        Transformer m = new Transformer(new NaiveBackend(), LLAMA, 1);
        LoraFineTuner t = lora(Map.of("r", 4, "alpha", 8, "use_rslora", true, "target_modules", List.of("attn.qkv", "mlp.down")));
        t.configure(m, null);
        steps(m, 3);
        float[] trained = logits(m);
        t.save(m, dir);

        Map<String, NamedTensor> file = SafetensorsFile.readFloats(dir.resolve(PeftFormat.WEIGHTS));
        assertEquals(List.of("base_model.model.blocks.0.attn.qkv.lora_A.weight", "base_model.model.blocks.0.attn.qkv.lora_B.weight",
                "base_model.model.blocks.0.mlp.down.lora_A.weight", "base_model.model.blocks.0.mlp.down.lora_B.weight",
                "base_model.model.blocks.1.attn.qkv.lora_A.weight", "base_model.model.blocks.1.attn.qkv.lora_B.weight",
                "base_model.model.blocks.1.mlp.down.lora_A.weight", "base_model.model.blocks.1.mlp.down.lora_B.weight"), List.copyOf(file.keySet()));
        assertArrayEquals(new int[] {32, 4}, file.get("base_model.model.blocks.0.attn.qkv.lora_B.weight").shape(), "qkv out = (4 + 2·2)·4");
        long adapterFloats = t.trainableState(m).values().stream().mapToLong(x -> x.size()).sum();
        assertTrue(Files.size(dir.resolve(PeftFormat.WEIGHTS)) < 4 * adapterFloats + 2048, "only the adapter is saved");
        String json = Files.readString(dir.resolve(PeftFormat.CONFIG));
        assertTrue(json.contains("\"peft_type\": \"LORA\"") && json.contains("\"r\": 4") && json.contains("\"lora_alpha\": 8")
                && json.contains("\"use_rslora\": true") && json.contains("[\"attn.qkv\", \"mlp.down\"]"), json);

        Transformer fresh = new Transformer(new NaiveBackend(), LLAMA, 1);
        LoraConfig loaded = PeftFormat.load(fresh, dir, "restored");
        assertEquals(new LoraConfig(4, 8, 0, true, List.of("attn.qkv", "mlp.down"), "restored"), loaded);
        assertEquals("restored", Lora.activeAdapter(fresh));
        assertArrayEquals(trained, logits(fresh), "same base + loaded adapter = the trained model");
        assertEquals(0, fresh.trainableParameterCount(), "loaded in inference mode");
        assertThrows(IllegalStateException.class, () -> PeftFormat.load(fresh, dir, "restored"));

        // adapter_config.json edited to another rank: the refusal names the weights file and the config
        Files.writeString(dir.resolve(PeftFormat.CONFIG), json.replace("\"r\": 4", "\"r\": 8"));
        IOException e = assertThrows(IOException.class, () -> PeftFormat.load(new Transformer(new NaiveBackend(), LLAMA, 1), dir, "x"));
        assertTrue(e.getMessage().startsWith(dir.resolve(PeftFormat.WEIGHTS) + ": 'base_model.model.blocks.0.attn.qkv.lora_A.weight' has shape [4, ")
                && e.getMessage().contains("adapter_config.json need [8, "), e.getMessage());
    }

    @Test
    void headerIsSafetensorsLayout() throws IOException {
        SafetensorsWriter.write(dir.resolve("x.safetensors"), Map.of("w", TensorData.f32(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})), SafetensorsWriter.PT_METADATA);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("x.safetensors"))).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, n % 8);
        assertEquals(8 + n + 24, b.capacity());
        String header = new String(b.array(), 8, (int) n, StandardCharsets.US_ASCII).trim();
        assertEquals("{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", header);
        assertEquals(1f, b.getFloat(8 + (int) n));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, SafetensorsFile.readFloats(dir.resolve("x.safetensors")).get("w").data());
    }

    @Test
    void readerRefusesIntegerDtypesAndBadOffsets() throws IOException {
        for (String entry : new String[] {"{\"w\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                                          "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}"}) {
            byte[] h = entry.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer b = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
            Files.write(dir.resolve("bad.safetensors"), b.array());
            IOException e = assertThrows(IOException.class, () -> SafetensorsFile.readFloats(dir.resolve("bad.safetensors")));
            assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        }
    }

    @Test
    void parsesAPeftWrittenConfig() throws IOException {
        String peft = """
                {
                  "alpha_pattern": {},
                  "base_model_name_or_path": "gpt2",
                  "bias": "none",
                  "fan_in_fan_out": true,
                  "lora_alpha": 32,
                  "lora_dropout": 0.05,
                  "peft_type": "LORA",
                  "r": 16,
                  "rank_pattern": {},
                  "target_modules": [
                    "c_attn",
                    "c_proj"
                  ],
                  "task_type": "CAUSAL_LM",
                  "use_rslora": false
                }""";
        PeftConfigJson.Parsed parsed = PeftConfigJson.read(peft, "x");
        assertEquals(new LoraConfig(16, 32, 0.05, false, List.of("c_attn", "c_proj"), "x"), parsed.config());
        assertEquals(2.0, parsed.scaling("transformer.h.3.attn.c_attn"), 1e-12);
        LoraConfig all = new LoraConfig(8, 16, 0, false, List.of("all-linear"), "default");
        assertEquals(all, PeftConfigJson.read(PeftConfigJson.write(all, all.targetModules(), false, Map.of(), Map.of()), "default").config());
        assertThrows(IOException.class, () -> PeftConfigJson.read("{\"peft_type\": \"IA3\", \"r\": 8}", "x"));
        IOException dora = assertThrows(IOException.class, () -> PeftConfigJson.read(peft.replace("\"r\": 16", "\"r\": 16, \"use_dora\": true"), "x"));
        assertTrue(dora.getMessage().contains("use_dora"), dora.getMessage());
        IOException typed = assertThrows(IOException.class, () -> PeftConfigJson.read(peft.replace("\"r\": 16", "\"r\": \"16\""), "/a/adapter_config.json", "x"));
        assertTrue(typed.getMessage().startsWith("/a/adapter_config.json") && typed.getMessage().contains("\"r\" must be a whole number"), typed.getMessage());
        IOException broken = assertThrows(IOException.class, () -> PeftConfigJson.read(peft.substring(0, 40), "/a/adapter_config.json", "x"));
        assertTrue(broken.getMessage().contains("/a/adapter_config.json"), broken.getMessage());
    }

    @Test
    void rankAndAlphaPatternsApplyPerModuleAsPeftMatchesThem() throws IOException {
        String json = """
                {"peft_type": "LORA", "r": 8, "lora_alpha": 16, "target_modules": ["q_proj", "v_proj"],
                 "rank_pattern": {"layers.1.self_attn.q_proj": 4, "v_proj": 2},
                 "alpha_pattern": {"v_proj": 3.5}, "use_rslora": false}""";
        PeftConfigJson.Parsed p = PeftConfigJson.read(json, "x");
        assertEquals(8, p.rank("model.layers.0.self_attn.q_proj"));
        assertEquals(4, p.rank("model.layers.1.self_attn.q_proj"));
        assertEquals(8, p.rank("model.layers.11.self_attn.q_proj"), "the key matches whole dotted components");
        assertEquals(2, p.rank("model.layers.0.self_attn.v_proj"));
        assertEquals(16.0 / 4, p.scaling("model.layers.1.self_attn.q_proj"), 1e-12);
        assertEquals(3.5 / 2, p.scaling("model.layers.0.self_attn.v_proj"), 1e-12);
        String written = PeftConfigJson.write(p.config(), List.of("q_proj"), true, Map.of("a.v_proj", 3), Map.of("a.v_proj", 1.5));
        assertTrue(written.contains("\"rank_pattern\": {\"a.v_proj\": 3}") && written.contains("\"alpha_pattern\": {\"a.v_proj\": 1.5}")
                && written.contains("\"fan_in_fan_out\": true"), written);
        PeftConfigJson.Parsed back = PeftConfigJson.read(written, "x");
        assertEquals(3, back.rank("a.v_proj"));
        assertEquals(0.5, back.scaling("a.v_proj"), 1e-12);
    }
}
