package dev.kiln.runtime.model;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A broken model directory is refused naming the file and the key (or tensor), never loaded half-right. */
class ModelStoreStrictnessTest {
    private static final NaiveBackend BACKEND = new NaiveBackend();

    private static Path saved(Path dir) throws IOException {
        ModelStore.save(dir, new Transformer(BACKEND, TransformerConfig.gpt2(40, 16, 1, 2, 8), 1), Map.of(), Map.of());
        return dir;
    }

    private static String refusal(Path dir, String from, String to) throws IOException {
        Path cfg = dir.resolve("config.json");
        String text = Files.readString(cfg);
        assertTrue(text.contains(from), text);
        Files.writeString(cfg, text.replace(from, to));
        return assertThrows(IOException.class, () -> ModelStore.load(dir, BACKEND)).getMessage();
    }

    @Test
    void configValuesOutOfRangeNameTheFileAndKey(@TempDir Path tmp) throws IOException {
        Path cfg = saved(tmp.resolve("a")).resolve("config.json");
        assertEquals(cfg + ": model: d_ff must be > 0, got -1", refusal(cfg.getParent(), "\"d_ff\": 64", "\"d_ff\": -1"));
        cfg = saved(tmp.resolve("b")).resolve("config.json");
        assertEquals(cfg + ": model: dropout must be in [0, 1), got 2.0", refusal(cfg.getParent(), "\"dropout\": 0.0", "\"dropout\": 2"));
        cfg = saved(tmp.resolve("c")).resolve("config.json");
        assertEquals(cfg + ": kiln_format 99 is not one this Kiln reads (1); a newer Kiln wrote it?",
                refusal(cfg.getParent(), "\"kiln_format\": 1", "\"kiln_format\": 99"));
    }

    @Test
    void aStringWhereTheModelObjectBelongsIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = saved(tmp);
        Files.writeString(dir.resolve("config.json"), "{\"kiln_format\": 1, \"model\": \"big\"}");
        assertEquals(dir.resolve("config.json") + ": key 'model' must be an object (the backbone's shape), got \"big\"",
                assertThrows(IOException.class, () -> ModelStore.load(dir, BACKEND)).getMessage());
    }

    /** A model path that names nothing, or a file, says which (both used to say "not a directory"). */
    @Test
    void aMissingModelDirectoryIsToldFromAFile(@TempDir Path tmp) throws IOException {
        Path nowhere = tmp.resolve("nowhere"), file = Files.writeString(tmp.resolve("model.txt"), "x");
        assertTrue(assertThrows(IOException.class, () -> ModelStore.requireDirectory(nowhere)).getMessage()
                .startsWith(nowhere + ": no such directory (expected a Kiln model directory"));
        assertTrue(assertThrows(IOException.class, () -> ModelStore.requireDirectory(file)).getMessage()
                .startsWith(file + ": not a directory (expected a Kiln model directory"));
        ModelStore.requireDirectory(tmp);
    }

    /** A config.json with neither Kiln's 'model' nor Hugging Face's 'model_type' (one a user stripped) names both keys. */
    @Test
    void aConfigOfNeitherKindNamesBothKeys(@TempDir Path tmp) throws IOException {
        Path dir = saved(tmp);
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 384, \"num_attention_heads\": 12}");
        String message = assertThrows(IOException.class, () -> ModelStore.load(dir, BACKEND)).getMessage();
        assertTrue(message.startsWith(dir.resolve("config.json") + ": neither a Kiln config (key 'model'")
                && message.contains("nor a Hugging Face one (key 'model_type'"), message);
    }

    /** transformers' "size mismatch": a [16, 48] tensor does not load where [48, 16] is expected, though the counts agree. */
    @Test
    void aTransposedTensorIsASizeMismatch(@TempDir Path tmp) throws IOException {
        Path dir = saved(tmp);
        Path weights = dir.resolve("model.safetensors");
        List<NamedTensor> tensors = new ArrayList<>();
        String swapped = null;
        try (SafetensorsFile f = SafetensorsFile.open(weights)) {
            for (String name : f.names()) {
                int[] shape = f.info(name).intShape();
                if (swapped == null && shape.length == 2 && shape[0] != shape[1]) {
                    swapped = name;
                    shape = new int[] {shape[1], shape[0]};
                }
                tensors.add(new NamedTensor(name, shape, f.floats(name)));
            }
        }
        assertNotNull(swapped);
        SafetensorsWriter.writeFloats(weights, tensors, Map.of());
        String message = assertThrows(IOException.class, () -> ModelStore.load(dir, BACKEND)).getMessage();
        assertTrue(message.startsWith(weights + ": size mismatch for '" + swapped + "': the file has shape ["), message);
    }
}
