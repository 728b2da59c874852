package dev.kiln.cli;

import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/** kiln export: options, what it writes, and errors that name the option, file or key. */
class ExportCommandTest {
    @TempDir
    Path tmp;

    private Path kilnModel() throws IOException {
        Path dir = tmp.resolve("model");
        ModelStore.save(dir, new Transformer(BACKEND, TransformerConfig.llama(BYTES.vocabSize(), 32, 2, 4, 2, 48, 64), 1), Map.of(), Map.of());
        TokenizerSpec.standard().save(BYTES, dir);
        return dir;
    }

    @Test
    void exportsWithAChosenArchitectureAndShardSize() throws IOException {
        Path out = tmp.resolve("hf");
        Cli r = kiln("export", "--model", kilnModel().toString(), "--out", out.toString(), "--architecture", "LlamaForCausalLM", "--max-shard-size", "30KB");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("as LlamaForCausalLM to " + out), r.out());
        assertTrue(r.out().matches("(?s).*model-\\{00001\\.\\.000(\\d\\d)\\}-of-000\\1\\.safetensors, model\\.safetensors\\.index\\.json.*"), r.out());
        assertEquals("LlamaForCausalLM", HfCheckpoints.load(out, BACKEND).architecture());
    }

    @Test
    void quantizeWritesBitsandbytes4bitWeightsThatLoadBack() throws IOException {
        Path out = tmp.resolve("hf4");
        Cli r = kiln("export", "--model", kilnModel().toString(), "--out", out.toString(), "--architecture", "LlamaForCausalLM",
                "--quantize", "nf4", "--double-quant", "--blocksize", "32");
        assertEquals(0, r.code(), r.err());
        try (var src = dev.kiln.api.io.TensorSource.open(out)) {
            assertTrue(src.names().stream().anyMatch(n -> n.endsWith(".weight.quant_state.bitsandbytes__nf4")), src.names().toString());
        }
        assertEquals("LlamaForCausalLM", HfCheckpoints.load(out, BACKEND).architecture());
        Cli bad = kiln("export", "--model", kilnModel().toString(), "--out", tmp.resolve("hf5").toString(), "--quantize", "nf4", "--blocksize", "48");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--blocksize"), bad.err());
        Cli alone = kiln("export", "--model", kilnModel().toString(), "--out", tmp.resolve("hf6").toString(), "--double-quant");
        assertEquals(1, alone.code());
        assertTrue(alone.err().contains("--double-quant"), alone.err());
    }

    @Test
    void badInputsAreErrorsNamingWhatIsWrong() throws IOException {
        Path model = kilnModel();
        Cli onnx = kiln("export", "--model", model.toString(), "--format", "onnx", "--out", tmp.resolve("a").toString());
        assertEquals(1, onnx.code());
        assertTrue(onnx.err().contains("--format: unknown format 'onnx' (known: hf)"), onnx.err());

        Cli missing = kiln("export", "--format", "hf", "--out", tmp.resolve("b").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--model"), missing.err());

        Cli arch = kiln("export", "--model", model.toString(), "--out", tmp.resolve("c").toString(), "--architecture", "LlamaForTokenClassification");
        assertEquals(1, arch.code());
        assertTrue(arch.err().contains("--architecture: unknown architecture 'LlamaForTokenClassification' (known: ")
                && arch.err().contains("LlamaForCausalLM"), arch.err());

        Cli size = kiln("export", "--model", model.toString(), "--out", tmp.resolve("d").toString(), "--max-shard-size", "lots");
        assertEquals(1, size.code());
        assertTrue(size.err().contains("--max-shard-size: 'lots' is not a size"), size.err());

        Cli notKiln = kiln("export", "--model", tmp.toString(), "--out", tmp.resolve("e").toString());
        assertEquals(1, notKiln.code());
        assertTrue(notKiln.err().contains(tmp.resolve("config.json") + ": not found"), notKiln.err());

        Path busy = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(busy.resolve("keep.txt"), "x");
        Cli refused = kiln("export", "--model", model.toString(), "--out", busy.toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains(busy + ": exists, is not empty and is not an earlier Kiln export"), refused.err());
        assertFalse(Files.exists(tmp.resolve("a")) || Files.exists(tmp.resolve("c")) || Files.exists(tmp.resolve("d")));
    }
}
