package dev.kiln.runtime.hf;

import dev.kiln.api.io.Json;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
        sameModelConfig(HfFixtures.json(dir.resolve("config.json")), HfFixtures.json(out.resolve("config.json")));
        sameEncoding(TokenizerFiles.load(dir), TokenizerFiles.load(out));
        sameTokenizerJson(HfFixtures.json(dir.resolve("tokenizer.json")), HfFixtures.json(out.resolve("tokenizer.json")));
        Map<String, Object> tc = HfFixtures.json(out.resolve("tokenizer_config.json"));
        assertEquals(512, ((Number) tc.get("model_max_length")).intValue());
        assertTrue(!tc.containsKey("do_lower_case") || Boolean.TRUE.equals(tc.get("do_lower_case")), tc.toString());
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
    private static void sameModelConfig(Map<String, Object> original, Map<String, Object> exported) {
        List<String> problems = new ArrayList<>();
        for (var e : original.entrySet()) {
            if (BOOKKEEPING.contains(e.getKey())) continue;
            Object mine = exported.get(e.getKey());
            boolean equal = exported.containsKey(e.getKey()) && (e.getValue() instanceof Number a && mine instanceof Number b
                    ? (float) a.doubleValue() == (float) b.doubleValue() : Objects.equals(e.getValue(), mine));
            if (!equal) problems.add(e.getKey() + ": original " + Json.write(e.getValue()) + ", export "
                    + (exported.containsKey(e.getKey()) ? Json.write(mine) : "absent"));
        }
        assertEquals(List.of(), problems, "config.json keys that differ");
        for (String key : List.of("hidden_size", "num_attention_heads", "intermediate_size", "layer_norm_eps", "max_position_embeddings",
                "type_vocab_size", "vocab_size", "hidden_act", "model_type", "architectures", "pad_token_id"))
            assertTrue(original.containsKey(key), key + " is one of the keys compared");
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
    private static void sameTokenizerJson(Map<String, Object> original, Map<String, Object> exported) {
        for (String key : List.of("type", "unk_token", "continuing_subword_prefix", "max_input_chars_per_word", "vocab"))
            assertEquals(map(original, "model").get(key), map(exported, "model").get(key), "model." + key);
        assertEquals(normalizer(original), normalizer(exported), "normalizer");
        assertEquals(original.get("pre_tokenizer"), exported.get("pre_tokenizer"), "pre_tokenizer");
        assertEquals(original.get("post_processor"), exported.get("post_processor"), "post_processor");
        assertEquals(original.get("decoder"), exported.get("decoder"), "decoder");
        assertEquals(tokens(original), tokens(exported), "added_tokens (id, content, special)");
    }

    /** The normalizer with BertNormalizer's strip_accents null spelled out: it then follows lowercase (tokenizers' rule). */
    private static Map<String, Object> normalizer(Map<String, Object> tokenizer) {
        Map<String, Object> n = new LinkedHashMap<>(map(tokenizer, "normalizer"));
        if (n.containsKey("strip_accents") && n.get("strip_accents") == null) n.put("strip_accents", n.get("lowercase"));
        return n;
    }

    private static Set<String> tokens(Map<String, Object> tokenizer) {
        Set<String> out = new TreeSet<>();
        for (Object o : (List<?>) tokenizer.get("added_tokens")) {
            Map<?, ?> t = (Map<?, ?>) o;
            out.add(Json.write(t.get("id")) + " " + Json.write(t.get("content")) + " " + Json.write(t.get("special")));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> json, String key) {
        assertTrue(json.get(key) instanceof Map<?, ?>, key + " is an object");
        return (Map<String, Object>) json.get(key);
    }
}
