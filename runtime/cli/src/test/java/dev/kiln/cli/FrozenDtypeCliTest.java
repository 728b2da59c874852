package dev.kiln.cli;

import dev.kiln.api.io.HalfFloats;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Transformer;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.model.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code model.frozen_dtype: bf16} in a fine-tune: LoRA trains over the bf16 base, the saved model's untargeted
 * linears hold exactly the bf16-rounded base weights; a method that trains the base is refused naming the key,
 * and the model section takes no other key but dropout.
 */
class FrozenDtypeCliTest {
    @TempDir Path tmp;

    private Map<String, Object> finetune(Path from, Object method, Object model) throws IOException {
        return Map.of("finetune", Map.of("from", from.toString(), "method", method), "model", model, "objective", "clm",
                "data", Map.of("train", text(tmp.resolve("stories.txt")).toString()), "train", train(2));
    }

    @Test
    void loraTrainsOverABf16BaseAndSavesTheRoundedBase() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        Path cfg = config(tmp.resolve("lora.json"), finetune(from,
                Map.of("name", "lora", "r", 2, "target_modules", List.of("attn.qkv")), Map.of("frozen_dtype", "bf16")));
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", cfg.toString(), "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        String said = r.out() + r.err();
        assertTrue(said.contains("model.frozen_dtype: ") && said.contains("frozen linear weights stored as bf16"), said);
        Transformer base = HfCheckpoints.load(from, BACKEND).model(), saved = ModelStore.load(run.resolve("model"), BACKEND).model();
        for (String name : List.of("blocks.0.attn.out", "blocks.1.mlp.up", "blocks.1.mlp.down")) {
            float[] w = ((Linear) base.namedModules().get(name)).weight().toArray();
            float[] got = ((Linear) saved.namedModules().get(name)).weight().toArray();
            for (int i = 0; i < w.length; i++)
                assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(w[i])), got[i], 0f, name + "[" + i + "] is the bf16 rounding");
        }
    }

    @Test
    void aMethodThatTrainsTheBaseIsRefusedNamingTheKey() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        Cli r = kiln("finetune", "--config", config(tmp.resolve("full.json"), finetune(from, "full", Map.of("frozen_dtype", "bf16"))).toString(),
                "--out", tmp.resolve("run").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("model.frozen_dtype") && r.err().contains("is trainable") && r.err().contains("finetune.method: full"), r.err());
    }

    @Test
    void dropoutMayBeSetForTheFineTuneAndTheSavedModelSaysSo() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        assertNotEquals(0.25f, HfCheckpoints.load(from, BACKEND).model().config().dropout(), "the base has another rate");
        Path run = tmp.resolve("run");
        Cli r = kiln("finetune", "--config", config(tmp.resolve("nodrop.json"), finetune(from, "full", Map.of("dropout", 0.25))).toString(),
                "--out", run.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(0.25f, ModelStore.load(run.resolve("model"), BACKEND).model().config().dropout());
        r = kiln("finetune", "--config", config(tmp.resolve("bad-drop.json"), finetune(from, "full", Map.of("dropout", 1.5))).toString(),
                "--out", tmp.resolve("run2").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("dropout") && r.err().contains("[0, 1)"), r.err());
    }

    @Test
    void theModelSectionTakesOnlyFrozenDtypeAndDropout() throws IOException {
        Path from = hfGpt2(tmp.resolve("hf-gpt2"));
        Cli r = kiln("finetune", "--config", config(tmp.resolve("bad.json"), finetune(from, "lora", Map.of("d_model", 64))).toString(),
                "--out", tmp.resolve("run").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("only [dropout, frozen_dtype]") && r.err().contains("d_model"), r.err());
        r = kiln("finetune", "--config", config(tmp.resolve("fp8.json"), finetune(from, "lora", Map.of("frozen_dtype", "fp8"))).toString(),
                "--out", tmp.resolve("run2").toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("frozen_dtype") && r.err().contains("fp32, bf16"), r.err());
    }
}
