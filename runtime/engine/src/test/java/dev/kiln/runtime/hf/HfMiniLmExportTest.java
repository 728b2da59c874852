package dev.kiln.runtime.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.TensorInfo;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.kiln.runtime.hf.HfMiniLmTest.MODEL;
import static dev.kiln.runtime.hf.HfMiniLmTest.sharedModel;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Interop with a real file: all-MiniLM-L6-v2 (a Hub BertModel, {@code ../shared/models/}), loaded
 * and exported again as BertModel through {@code kiln export}'s entry point, matches the original
 * files: the same tensors (names, shapes, dtypes, bytes), every config.json key that describes the
 * model with an equal value, and a tokenizer.json that encodes as the original does. Skipped when the
 * folder is missing, except under CI ({@code CI=true}), as {@link HfMiniLmTest}.
 */
class HfMiniLmExportTest {
    /** config.json keys that record how the file was made or trained, not the model. */
    private static final Set<String> BOOKKEEPING = Set.of("_name_or_path", "transformers_version", "gradient_checkpointing", "use_cache");

    private static final List<String> SENTENCES = List.of("A man is playing a guitar.", "Héllo, WORLD!  tabs\tand 42 numbers",
            "unbelievably long-winded sentence-transformers' embeddings", "中文 and emoji 🙂 [MASK] stay as they were");

    @TempDir
    Path tmp;

    @Test
    void exportAsBertModelReproducesTheOriginalFiles() throws IOException {
        Path dir = sharedModel(MODEL), out = tmp.resolve("hf");
        ExportSource source = ExportSource.read(dir, out, new CpuBackend(2));
        assertEquals("BertModel", source.architecture());
        assertTrue(source.warnings().size() == 1 && source.warnings().get(0).contains("newly initialized: [pooler.dense.bias, pooler.dense.weight]"),
                "the file has no pooler: " + source.warnings());
        HfExport.Result r = HfExport.export(source, dir, out, new HfExport.Options("BertModel", HfExport.Options.DEFAULT_MAX_SHARD_BYTES));
        assertEquals("BertModel", r.architecture());

        sameTensors(dir.resolve("model.safetensors"), out.resolve("model.safetensors"));
        sameModelConfig(HfFixtures.JSON.readTree(dir.resolve("config.json").toFile()), HfFixtures.JSON.readTree(out.resolve("config.json").toFile()));
        sameEncoding(TokenizerFiles.load(dir), TokenizerFiles.load(out));
        sameTokenizerJson(HfFixtures.JSON.readTree(dir.resolve("tokenizer.json").toFile()), HfFixtures.JSON.readTree(out.resolve("tokenizer.json").toFile()));
        JsonNode tc = HfFixtures.JSON.readTree(out.resolve("tokenizer_config.json").toFile());
        assertEquals(512, tc.get("model_max_length").asInt());
        assertTrue(tc.get("do_lower_case") == null || tc.get("do_lower_case").asBoolean(), tc.toString());
    }

    private static void sameTensors(Path original, Path exported) throws IOException {
        try (SafetensorsFile a = SafetensorsFile.open(original); SafetensorsFile b = SafetensorsFile.open(exported)) {
            assertEquals(new TreeSet<>(a.names()), new TreeSet<>(b.names()), "tensor names");
            for (String n : a.names()) {
                TensorInfo x = a.info(n), y = b.info(n);
                assertEquals(x.dtype(), y.dtype(), n + " dtype");
                assertArrayEquals(x.intShape(), y.intShape(), n + " shape");
                assertArrayEquals(a.bytes(n), b.bytes(n), n + " values");
            }
            assertEquals(101, a.names().size());
        }
    }

    /** Every key of the original but the bookkeeping ones, present in the export with an equal value (numbers as float). */
    private static void sameModelConfig(JsonNode original, JsonNode exported) {
        List<String> problems = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = original.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (BOOKKEEPING.contains(e.getKey())) continue;
            JsonNode mine = exported.get(e.getKey());
            boolean equal = mine != null && (e.getValue().isNumber() && mine.isNumber()
                    ? (float) e.getValue().doubleValue() == (float) mine.doubleValue() : e.getValue().equals(mine));
            if (!equal) problems.add(e.getKey() + ": original " + e.getValue() + ", export " + mine);
        }
        assertEquals(List.of(), problems, "config.json keys that differ");
        for (String key : List.of("hidden_size", "num_attention_heads", "intermediate_size", "layer_norm_eps", "max_position_embeddings",
                "type_vocab_size", "vocab_size", "hidden_act", "model_type", "architectures", "pad_token_id"))
            assertTrue(original.has(key), key + " is one of the keys compared");
    }

    private static void sameEncoding(Tokenizer original, Tokenizer exported) {
        assertEquals(original.vocabSize(), exported.vocabSize());
        assertEquals(original.specialTokens(), exported.specialTokens());
        for (String s : SENTENCES) {
            int[] ids = original.encode(s);
            assertTrue(ids.length > 3, s);
            assertArrayEquals(ids, exported.encode(s), s);
        }
    }

    /** What transformers' fast tokenizer is built from: the model (vocab, unknown token, prefix), normalizer, pre-tokenizer, special tokens. */
    private static void sameTokenizerJson(JsonNode original, JsonNode exported) {
        for (String key : List.of("type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"))
            assertEquals(original.get("model").get(key), exported.get("model").get(key), "model." + key);
        assertEquals(normalizer(original), normalizer(exported), "normalizer");
        assertEquals(original.get("pre_tokenizer"), exported.get("pre_tokenizer"), "pre_tokenizer");
        assertEquals(original.get("post_processor"), exported.get("post_processor"), "post_processor");
        assertEquals(original.get("decoder"), exported.get("decoder"), "decoder");
        assertEquals(tokens(original), tokens(exported), "added_tokens (id, content, special)");
    }

    /** The normalizer with BertNormalizer's strip_accents null spelled out: it then follows lowercase (tokenizers' rule). */
    private static JsonNode normalizer(JsonNode tokenizer) {
        com.fasterxml.jackson.databind.node.ObjectNode n = tokenizer.get("normalizer").deepCopy();
        if (n.path("strip_accents").isNull()) n.set("strip_accents", n.get("lowercase"));
        return n;
    }

    private static Set<String> tokens(JsonNode tokenizer) {
        Set<String> out = new TreeSet<>();
        for (JsonNode t : tokenizer.get("added_tokens")) out.add(t.get("id") + " " + t.get("content") + " " + t.get("special"));
        return out;
    }
}
