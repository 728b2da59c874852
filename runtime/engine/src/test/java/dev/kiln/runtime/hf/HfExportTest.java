package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.TensorSource;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** A Kiln model directory exported in Hugging Face's layout loads back with the same outputs. */
class HfExportTest {
    private final NaiveBackend be = new NaiveBackend();
    private final Tokenizer tokenizer = TokenizerSpec.standard().create("byte");
    private final int vocab = tokenizer.vocabSize();
    private final int[] ids = {5, 17, 99, 3, 42, 7, 250, 11};

    @TempDir
    Path tmp;

    @Test
    void aGpt2ExportsAsGpt2LMHeadModelWithTheSameLogits() throws IOException {
        Transformer model = new Transformer(be, TransformerConfig.gpt2(vocab, 32, 2, 4, 64), 3);
        HfExport.Result r = HfExport.export(kilnDir("gpt2", model, Map.of(), Map.of()), tmp.resolve("out"), HfExport.Options.defaults(), be);
        assertEquals("GPT2LMHeadModel", r.architecture());
        HfModel back = HfCheckpoints.load(r.dir(), be);
        assertEquals("GPT2LMHeadModel", back.architecture());
        assertClose(logits(model), logits(back.model()), 1e-5f);
        Map<String, Object> config = json(r.dir().resolve("config.json"));
        assertEquals("gpt2", config.get("model_type"));
        assertEquals("float32", config.get("torch_dtype"));
        Map<String, Object> generation = json(r.dir().resolve("generation_config.json"));
        assertEquals(tokenizer.requireSpecial(Tokenizer.EOS), generation.get("eos_token_id"));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors"))
            assertTrue(Files.isRegularFile(r.dir().resolve(f)), f);
        assertEquals(Tokenizer.EOS, json(r.dir().resolve("tokenizer_config.json")).get("eos_token"));
        assertArrayEquals(tokenizer.encode("héllo"), TokenizerSpec.standard().load(r.dir()).encode("héllo"));
    }

    @Test
    void aLlamaWithGroupedQueriesExportsAsLlamaForCausalLM() throws IOException {
        Transformer model = new Transformer(be, TransformerConfig.llama(vocab, 32, 2, 4, 2, 48, 64), 4);
        HfExport.Result r = HfExport.export(kilnDir("llama", model, Map.of(), Map.of()), tmp.resolve("out"), HfExport.Options.defaults(), be);
        assertEquals("LlamaForCausalLM", r.architecture());
        assertClose(logits(model), logits(HfCheckpoints.load(r.dir(), be).model()), 1e-5f);
    }

    @Test
    void aBertWithAnMlmHeadExportsAsBertForMaskedLM() throws IOException {
        Transformer model = new Transformer(be, TransformerConfig.bert(vocab, 32, 2, 4, 64), 5);
        Random rnd = new Random(1);
        Map<String, Tensor> heads = Map.of("mlm.dense.weight", random(rnd, 32, 32), "mlm.dense.bias", random(rnd, 32),
                "mlm.norm.weight", random(rnd, 32), "mlm.norm.bias", random(rnd, 32), "mlm.bias", random(rnd, vocab));
        HfExport.Result r = HfExport.export(kilnDir("bert", model, heads, Map.of()), tmp.resolve("out"), HfExport.Options.defaults(), be);
        assertEquals("BertForMaskedLM", r.architecture());
        HfModel back = HfCheckpoints.load(r.dir(), be);
        assertClose(hidden(model).toArray(), hidden(back.model()).toArray(), 1e-5f);
        for (var e : heads.entrySet()) assertArrayEquals(e.getValue().toArray(), back.extras().get(e.getKey()).toArray(), e.getKey());
        assertFalse(Files.exists(r.dir().resolve("generation_config.json")), "an encoder has no generation config");
        assertTrue(r.separateHeads().isEmpty());
    }

    @Test
    void anSftClassifierWithBertsPoolerExportsAsBertForSequenceClassification() throws IOException {
        Transformer model = new Transformer(be, TransformerConfig.bert(vocab, 32, 2, 4, 64), 6);
        Map<String, Tensor> heads = classifierHeads(new Random(2), true);
        Map<String, Object> info = Map.of("objectives", Map.of("sft", Map.of("task", "classification", "pooler", "bert",
                "num_labels", 3, "labels", List.of("neg", "neutral", "pos"))));
        HfExport.Result r = HfExport.export(kilnDir("cls", model, heads, info), tmp.resolve("out"), HfExport.Options.defaults(), be);
        assertEquals("BertForSequenceClassification", r.architecture());
        Map<String, Object> config = json(r.dir().resolve("config.json"));
        assertEquals(List.of("BertForSequenceClassification"), config.get("architectures"));
        assertEquals(Map.of("0", "neg", "1", "neutral", "2", "pos"), config.get("id2label"));
        assertEquals(Map.of("neg", 0, "neutral", 1, "pos", 2), config.get("label2id"));
        try (TensorSource src = TensorSource.open(r.dir())) {
            assertTrue(src.contains("bert.pooler.dense.weight") && src.contains("classifier.weight")
                    && src.contains("bert.embeddings.word_embeddings.weight"), src.names().toString());
        }
        HfModel back = HfCheckpoints.load(r.dir(), be);
        assertEquals("BertForSequenceClassification", back.architecture());
        float[] expected = classify(model, heads), actual = classify(back.model(), back.extras());
        assertClose(expected, actual, 1e-5f);
        assertEquals(argmax(expected), argmax(actual));

        HfCheckpoints.save(back.model(), back.extras(), tmp.resolve("again"), back.architecture());
        try (TensorSource a = TensorSource.open(r.dir()); TensorSource b = TensorSource.open(tmp.resolve("again"))) {
            assertEquals(a.names(), b.names());
            for (String n : a.names()) assertArrayEquals(a.floats(n), b.floats(n), n);
        }
        assertEquals("BertForSequenceClassification", HfCheckpoints.load(tmp.resolve("again"), be).architecture());
    }

    @Test
    void aClassifierWhoseLabelsOrHeadDoNotMatchIsAnErrorNamingTheKeyOrTensor() throws IOException {
        Transformer model = new Transformer(be, TransformerConfig.bert(vocab, 32, 1, 4, 64), 12);
        Path dir = tmp.resolve("cls");
        HfCheckpoints.save(model, classifierHeads(new Random(6), true), dir, "BertForSequenceClassification");
        assertEquals(Map.of("0", "LABEL_0", "1", "LABEL_1", "2", "LABEL_2"), json(dir.resolve("config.json")).get("id2label"));
        HfFixtures.setConfig(dir, "id2label", Map.of("0", "neg", "1", "pos"));
        HfFixtures.setConfig(dir, "num_labels", null);
        IOException labels = assertThrows(IOException.class, () -> HfCheckpoints.load(dir, be));
        assertTrue(labels.getMessage().contains("config.json: key 'id2label' says 2 labels but classifier.weight has 3 rows"), labels.getMessage());

        Path noHead = HfFixtures.copy("bert", tmp.resolve("no-head"), (n, t) -> t);
        HfFixtures.setConfig(noHead, "architectures", List.of("BertForSequenceClassification"));
        IOException missing = assertThrows(IOException.class, () -> HfCheckpoints.load(noHead, be));
        assertTrue(missing.getMessage().contains("BertForSequenceClassification needs tensor 'classifier."), missing.getMessage());
    }

    @Test
    void aMeanPooledHeadGoesToItsOwnFileBesideTheBaseModel() throws IOException {
        Transformer model = new Transformer(be, TransformerConfig.bert(vocab, 32, 1, 4, 64), 7);
        Map<String, Tensor> heads = classifierHeads(new Random(3), false);
        Map<String, Object> info = Map.of("objectives", Map.of("sft", Map.of("task", "classification", "pooler", "mean", "num_labels", 3)));
        HfExport.Result r = HfExport.export(kilnDir("mean", model, heads, info), tmp.resolve("out"), HfExport.Options.defaults(), be);
        assertEquals("BertModel", r.architecture());
        assertEquals(List.of("sft.classifier.bias", "sft.classifier.weight"), r.separateHeads());
        try (SafetensorsFile f = SafetensorsFile.open(r.dir().resolve(HfExport.HEAD_FILE))) {
            assertArrayEquals(heads.get("sft.classifier.weight").toArray(), f.floats("sft.classifier.weight"));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> kiln = (Map<String, Object>) json(r.dir().resolve("config.json")).get("kiln");
        assertEquals(HfExport.HEAD_FILE, kiln.get("head_file"));
        assertEquals(List.of("sft.classifier.bias", "sft.classifier.weight"), kiln.get("heads"));
        assertEquals("mean", ((Map<?, ?>) kiln.get("sft")).get("pooler"));
        assertClose(hidden(model).toArray(), hidden(HfCheckpoints.load(r.dir(), be).model()).toArray(), 1e-5f);
    }

    @Test
    void aSmallMaxShardSizeWritesSeveralShardsAndAnIndexThatLoadsBackExactly() throws IOException {
        Transformer model = new Transformer(be, TransformerConfig.llama(vocab, 32, 3, 4, 2, 48, 64), 8);
        HfExport.Result r = HfExport.export(kilnDir("llama", model, Map.of(), Map.of()), tmp.resolve("out"),
                new HfExport.Options(null, ByteSize.parse("40KB")), be);
        Map<String, Object> index = json(r.dir().resolve("model.safetensors.index.json"));
        @SuppressWarnings("unchecked")
        Map<String, String> weightMap = (Map<String, String>) index.get("weight_map");
        Set<String> shards = new TreeSet<>(weightMap.values());
        assertTrue(shards.size() >= 3, "shards: " + shards);
        assertTrue(shards.contains(String.format("model-00001-of-%05d.safetensors", shards.size())), shards.toString());
        assertFalse(Files.exists(r.dir().resolve("model.safetensors")));
        long total = 0;
        for (String shard : shards) {
            assertTrue(Files.size(r.dir().resolve(shard)) <= 40_000 + 4_096, shard + " is over the limit (plus its header)");
            try (SafetensorsFile f = SafetensorsFile.open(r.dir().resolve(shard))) {
                for (String n : f.names()) {
                    assertEquals(shard, weightMap.get(n), n);
                    total += f.info(n).byteLength();
                }
            }
        }
        assertEquals(total, ((Number) ((Map<?, ?>) index.get("metadata")).get("total_size")).longValue());
        Transformer back = HfCheckpoints.load(r.dir(), be).model();
        for (var e : model.namedParameters().entrySet())
            assertArrayEquals(e.getValue().toArray(), back.namedParameters().get(e.getKey()).toArray(), e.getKey());
    }

    @Test
    void anUnknownOrUnfittingArchitectureIsAnErrorNamingIt() throws IOException {
        Path dir = kilnDir("gpt2", new Transformer(be, TransformerConfig.gpt2(vocab, 16, 1, 2, 16), 9), Map.of(), Map.of());
        IOException unknown = assertThrows(IOException.class,
                () -> HfExport.export(dir, tmp.resolve("a"), new HfExport.Options("T5ForConditionalGeneration", 1000), be));
        assertTrue(unknown.getMessage().contains("unknown architecture 'T5ForConditionalGeneration'")
                && unknown.getMessage().contains("GPT2LMHeadModel"), unknown.getMessage());
        IOException unfit = assertThrows(IOException.class,
                () -> HfExport.export(dir, tmp.resolve("b"), new HfExport.Options("LlamaForCausalLM", 1000), be));
        assertTrue(unfit.getMessage().contains("LlamaForCausalLM cannot hold this model") && unfit.getMessage().contains("positions"),
                unfit.getMessage());
        IOException cls = assertThrows(IOException.class,
                () -> HfExport.export(dir, tmp.resolve("c"), new HfExport.Options("BertForSequenceClassification", 1000), be));
        assertTrue(cls.getMessage().contains("sft.pooler"), cls.getMessage());
        assertFalse(Files.exists(tmp.resolve("a")) || Files.exists(tmp.resolve("b")) || Files.exists(tmp.resolve("c")));
    }

    @Test
    void anOutputDirectoryWithOtherFilesIsRefusedAndAnEarlierExportIsReplacedWhole() throws IOException {
        Path dir = kilnDir("gpt2", new Transformer(be, TransformerConfig.gpt2(vocab, 16, 1, 2, 16), 10), Map.of(), Map.of());
        Path busy = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(busy.resolve("notes.txt"), "mine");
        IOException e = assertThrows(IOException.class, () -> HfExport.export(dir, busy, HfExport.Options.defaults(), be));
        assertTrue(e.getMessage().startsWith(busy.toString()) && e.getMessage().contains("not an earlier Kiln export"), e.getMessage());
        assertEquals(List.of("notes.txt"), list(busy));

        Path out = tmp.resolve("out");
        HfExport.export(dir, out, new HfExport.Options(null, 5_000), be);
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
        HfExport.export(dir, out, HfExport.Options.defaults(), be);
        assertFalse(Files.exists(out.resolve("model.safetensors.index.json")), "no shard of the earlier export is left: " + list(out));
        assertTrue(Files.exists(out.resolve("model.safetensors")));
        assertEquals(List.of("out"), list(tmp).stream().filter(n -> n.startsWith("out")).toList(), "no temporary directory is left");
    }

    private Path kilnDir(String name, Transformer model, Map<String, Tensor> heads, Map<String, Object> info) throws IOException {
        Path dir = tmp.resolve("kiln-" + name);
        ModelStore.save(dir, model, heads, info);
        TokenizerSpec.standard().save(tokenizer, dir);
        return dir;
    }

    private Map<String, Tensor> classifierHeads(Random rnd, boolean pooler) {
        Map<String, Tensor> heads = new LinkedHashMap<>();
        if (pooler) {
            heads.put("sft.pooler.weight", random(rnd, 32, 32));
            heads.put("sft.pooler.bias", random(rnd, 32));
        }
        heads.put("sft.classifier.weight", random(rnd, 3, 32));
        heads.put("sft.classifier.bias", random(rnd, 3));
        return heads;
    }

    private Tensor hidden(Transformer m) {
        m.train(false);
        return m.forward(ModelInput.of(new IntTensor(ids, 1, ids.length)));   // [1, T, C]
    }

    private float[] logits(Transformer m) {
        return m.logits(hidden(m)).toArray();
    }

    /** BertForSequenceClassification's forward: [CLS] hidden → pooler dense → tanh → classifier. */
    private float[] classify(Transformer m, Map<String, Tensor> heads) {
        float[] h = hidden(m).toArray();
        int c = m.config().dModel();
        float[] pooled = affine(heads.get("sft.pooler.weight").toArray(), heads.get("sft.pooler.bias").toArray(), h, c);
        for (int i = 0; i < c; i++) pooled[i] = (float) Math.tanh(pooled[i]);
        return affine(heads.get("sft.classifier.weight").toArray(), heads.get("sft.classifier.bias").toArray(), pooled, c);
    }

    /** w [out, in] · x[0:in] + b */
    private static float[] affine(float[] w, float[] b, float[] x, int in) {
        float[] y = b.clone();
        for (int o = 0; o < b.length; o++) for (int i = 0; i < in; i++) y[o] += w[o * in + i] * x[i];
        return y;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    private Tensor random(Random r, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 0.5f;
        return Tensor.of(be, v, dims);
    }

    private static void assertClose(float[] expected, float[] actual, float tol) {
        float diff = HfFixtures.maxAbsDiff(expected, actual);
        assertTrue(diff <= tol, "max |difference| " + diff + " > " + tol);
    }

    private static Map<String, Object> json(Path file) throws IOException {
        return HfFixtures.json(file);
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
