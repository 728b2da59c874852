package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kiln export} of a Hugging Face directory: written again as its own class with the same
 * tensors; heads loading had to initialize are left out (not exported as if trained); the
 * tokenizer's model_max_length is the positions an input can use (RoBERTa: max_position_embeddings − 2).
 */
class HfReExportTest {
    private final NaiveBackend be = new NaiveBackend();
    private final Tokenizer bytes = TokenizerSpec.standard().create("byte");

    @TempDir
    Path tmp;

    @Test
    void aHuggingFaceDirectoryExportsAsItsOwnClassWithTheSameTensors() throws IOException {
        Path dir = withTokenizer(HfFixtures.copy("bert", tmp.resolve("bert"), (n, t) -> t));
        HfExport.Result r = HfExport.export(dir, tmp.resolve("out"), HfExport.Options.defaults(), be);
        assertEquals("BertForPreTraining", r.architecture(), "not the class the heads would choose by default, but the file's");
        assertEquals(names(dir), names(r.dir()));
        HfModel back = HfCheckpoints.load(r.dir(), be);
        assertTrue(back.report().isExact(), back.warnings().toString());
        HfRoundTripTest.assertSameTensors(HfCheckpoints.load(dir, be).model().namedParameters(), back.model().namedParameters());
    }

    @Test
    void headsLoadingInitializedAreLeftOutAndReported() throws IOException {
        Path dir = withTokenizer(HfFixtures.copy("bert", tmp.resolve("bert"), (n, t) -> n.startsWith("bert.pooler.") ? null : t));
        HfFixtures.setConfig(dir, "architectures", List.of("BertModel"));
        ExportSource source = ExportSource.read(dir, tmp.resolve("out"), be);
        assertEquals("BertModel", source.architecture());
        assertEquals(2, source.warnings().size(), source.warnings().toString());
        assertTrue(source.warnings().get(0).contains("were not used when initializing BertModel: [cls.predictions.bias"), source.warnings().get(0));
        assertTrue(source.warnings().get(1).contains("newly initialized: [bert.pooler.dense.bias, bert.pooler.dense.weight]"), source.warnings().get(1));
        assertFalse(source.heads().keySet().stream().anyMatch(h -> h.startsWith("nsp.pooler.")), source.heads().keySet().toString());

        HfExport.Result r = HfExport.export(source, dir, tmp.resolve("out"), HfExport.Options.defaults());
        Set<String> written = names(r.dir());
        assertTrue(written.stream().noneMatch(n -> n.contains("pooler") || n.startsWith("cls.")), written.toString());
        assertTrue(written.contains("encoder.layer.1.output.LayerNorm.bias"), written.toString());
        assertEquals(List.of("pooler.dense.bias", "pooler.dense.weight"), HfCheckpoints.load(r.dir(), be).report().newlyInitialized(),
                "transformers would say the same of the export");
    }

    @Test
    void robertasTokenizerMaxLengthLeavesOutThePaddingOffset() throws IOException {
        Path dir = withTokenizer(HfFixtures.copy("roberta", tmp.resolve("roberta"), (n, t) -> t));
        HfExport.Result r = HfExport.export(dir, tmp.resolve("out"), HfExport.Options.defaults(), be);
        assertEquals(34, ((Number) HfFixtures.json(r.dir().resolve("config.json")).get("max_position_embeddings")).intValue());
        assertEquals(1, ((Number) HfFixtures.json(r.dir().resolve("config.json")).get("pad_token_id")).intValue(),
                "RoBERTa's pad_token_id comes from its positions, not the tokenizer");
        assertEquals(32, ((Number) HfFixtures.json(r.dir().resolve("tokenizer_config.json")).get("model_max_length")).intValue());
    }

    private Path withTokenizer(Path dir) throws IOException {
        TokenizerSpec.standard().save(bytes, dir);
        return dir;
    }

    private static Set<String> names(Path dir) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("model.safetensors"))) {
            return new TreeSet<>(f.names());
        }
    }
}
