package dev.kiln.cli;

import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What generate / eval / export say when they load a model directory: a Hugging Face file's unused and
 * missing tensors as transformers words them, on stderr, once; and the window eval scores in is the
 * positions the model can embed (max_seq less position_offset).
 */
class ModelLoadingCliTest {
    private static final String UNUSED = "Some weights of the model checkpoint at ", MISSING = "and are newly initialized: [transformer.ln_f.bias]";

    @TempDir
    Path tmp;

    @Test
    void generateEvalAndExportPrintTheLoadWarningsOnce() throws IOException {
        Path dir = mismatched(hfGpt2(tmp.resolve("hf")));
        Path data = text(tmp.resolve("stories.txt"));
        Cli generate = kiln("generate", "--model", dir.toString(), "--prompt", "the cat", "--max-new-tokens", "2", "--greedy");
        Cli eval = kiln("eval", "--model", dir.toString(), "--data", data.toString());
        Cli export = kiln("export", "--model", dir.toString(), "--out", tmp.resolve("again").toString());
        for (Cli r : new Cli[] {generate, eval, export}) {
            assertEquals(0, r.code(), r.err());
            assertEquals(1, count(r.err(), UNUSED + dir + " were not used when initializing GPT2LMHeadModel: [score.weight]"), r.err());
            assertEquals(1, count(r.err(), MISSING), r.err());
            assertFalse(r.out().contains("Some weights"), "warnings go to stderr: " + r.out());
        }
        assertTrue(export.out().contains("exported " + dir + " as GPT2LMHeadModel"), export.out());
        try (SafetensorsFile again = SafetensorsFile.open(tmp.resolve("again/model.safetensors"))) {
            assertFalse(again.contains("score.weight"), "an unused tensor is not exported");
            assertTrue(again.contains("transformer.ln_f.bias"), "the backbone is exported whole");
        }
    }

    @Test
    void aFileThatMatchesLoadsWithoutWarnings() throws IOException {
        Path dir = hfGpt2(tmp.resolve("hf"));
        Cli generate = kiln("generate", "--model", dir.toString(), "--prompt", "the cat", "--max-new-tokens", "2", "--greedy");
        assertEquals(0, generate.code(), generate.err());
        assertFalse(generate.err().contains("Some weights"), generate.err());
    }

    /** position_offset 4 of max_seq 12 leaves 8 positions: eval scores in windows of 8 (12 ran past the position table). */
    @Test
    void evalWindowsAreTheUsablePositions() throws IOException {
        Path dir = tmp.resolve("offset");
        TransformerConfig cfg = TransformerConfig.gpt2(BYTES.vocabSize(), 16, 1, 2, 12).toBuilder().positionOffset(4).build();
        ModelStore.save(dir, new Transformer(BACKEND, cfg, 3), Map.of(), Map.of());
        TokenizerSpec.standard().save(BYTES, dir);
        Path data = tmp.resolve("text.txt");
        Files.writeString(data, "the cat sat on the mat and the dog ran");   // 38 bytes: 37 predicted, 5 windows of 8
        Cli eval = kiln("eval", "--model", dir.toString(), "--data", data.toString());
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("5 windows of up to 8)"), eval.out());
        assertTrue(eval.out().contains("scored tokens: 37"), eval.out());
    }

    /** A model whose weights hold NaN scores NaN: eval says so and fails, as generate does, instead of printing "perplexity: nan". */
    @Test
    void evalOfADamagedModelIsAnError() throws IOException {
        Path dir = tmp.resolve("nan");
        Transformer model = new Transformer(BACKEND, TransformerConfig.gpt2(BYTES.vocabSize(), 16, 1, 2, 12), 3);
        var weight = model.parameters().get(0);
        float[] nan = new float[weight.toArray().length];
        java.util.Arrays.fill(nan, Float.NaN);
        weight.copyFrom(nan);
        ModelStore.save(dir, model, Map.of(), Map.of());
        TokenizerSpec.standard().save(BYTES, dir);
        Path data = tmp.resolve("nan.txt");
        Files.writeString(data, "the cat sat on the mat");
        Cli eval = kiln("eval", "--model", dir.toString(), "--data", data.toString());
        assertEquals(1, eval.code(), eval.out());
        assertTrue(eval.err().contains("mean NLL of NaN: its weights hold NaN or Inf"), eval.err());
        assertFalse(eval.out().contains("perplexity"), eval.out());
    }

    @Test
    void evalOfABinaryFileNamesTheByteThatIsNotUtf8() throws IOException {
        Path data = tmp.resolve("binary.bin");
        Files.write(data, new byte[] {'o', 'k', '\n', (byte) 0xC3, (byte) 0x28});
        Cli eval = kiln("eval", "--model", hfGpt2(tmp.resolve("hf-bin")).toString(), "--data", data.toString());
        assertEquals(1, eval.code());
        assertTrue(eval.err().contains(data + ":2: not valid UTF-8: byte 0xC3 at byte offset 3"), eval.err());
    }

    /** The directory's weights with one tensor GPT2LMHeadModel has no place for and one of its own removed. */
    private static Path mismatched(Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) if (!n.equals("transformer.ln_f.bias")) tensors.put(n, TensorData.f32(f.info(n).intShape(), f.floats(n)));
        }
        tensors.put("score.weight", TensorData.f32(new int[] {2, 32}, new float[64]));
        SafetensorsWriter.write(file, tensors, Map.of("format", "pt"));
        return dir;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }
}
