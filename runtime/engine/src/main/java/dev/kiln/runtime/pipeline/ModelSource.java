package dev.kiln.runtime.pipeline;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.nn.Block;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.hf.HfExport;
import dev.kiln.runtime.hf.HfModel;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model directory a pipeline starts from ({@code finetune.from}, {@code model.init_from}):
 * Kiln's (config.json with a {@code model} section) or Hugging Face's (config.json naming
 * {@code architectures} / {@code model_type}). The tokenizer comes from the same directory.
 * Heads are keyed as Kiln saves them without {@code heads.} ({@code mlm.bias}, {@code sft.classifier.weight}):
 * a Hugging Face checkpoint's pretraining heads and sequence-classification head arrive under those names.
 *
 * @param config the directory's config.json (Kiln's or Hugging Face's)
 * @param name   "the Kiln model" or "BertForSequenceClassification", for messages
 */
record ModelSource(Path dir, Transformer model, Tokenizer tokenizer, Map<String, NamedTensor> heads,
                   Map<String, Object> config, String name) {

    private static final String BERT_POOLER = "nsp.pooler.", SFT_POOLER = "sft.pooler.";

    /**
     * The module names of the Hugging Face family the directory holds ({@code model_type}: gpt2, bert,
     * roberta, llama, mistral, qwen2, qwen3), the default names of saved adapters; {@code KILN} for a
     * Kiln model directory or another family.
     */
    PeftNames peftNames() {
        return peftNames(config);
    }

    private static PeftNames peftNames(Map<String, Object> config) {
        return config.containsKey("model") ? PeftNames.KILN
                : PeftNames.forModelType(config.get("model_type") instanceof String s ? s : null);
    }

    /** What a pipeline needs of a model directory before its weights: the backbone's shape, tokenizer and config.json. */
    record Header(Path dir, TransformerConfig modelConfig, Tokenizer tokenizer, Map<String, Object> config) {
        PeftNames peftNames() { return ModelSource.peftNames(config); }
    }

    /** The directory's {@link Header}, reading no weights. */
    static Header header(Path dir) throws IOException {
        ModelStore.requireDirectory(dir);
        boolean hf = HfCheckpoints.isHfDirectory(dir);
        Map<String, Object> config = hf ? HfCheckpoints.configValues(dir) : ModelStore.config(dir);
        TransformerConfig shape = hf ? HfCheckpoints.config(dir, config) : ModelStore.modelConfig(dir.resolve(ModelStore.CONFIG), config);
        return new Header(dir, shape, tokenizer(dir, hf), config);
    }

    static ModelSource load(Path dir, Backend backend) throws IOException {
        ModelStore.requireDirectory(dir);
        return load(dir, backend, null, tokenizer(dir, HfCheckpoints.isHfDirectory(dir)));
    }

    /**
     * The weights of the directory {@code header} describes (its tokenizer reused), each block handed to
     * {@code eachBlock} (null: none) once its weights are in: while a Hugging Face checkpoint loads, before
     * the next block exists; a Kiln model directory is read whole first.
     */
    static ModelSource load(Header header, Backend backend, Consumer<Block> eachBlock) throws IOException {
        return load(header.dir(), backend, eachBlock, header.tokenizer());
    }

    private static Tokenizer tokenizer(Path dir, boolean hf) throws IOException {
        return hf ? TokenizerFiles.load(dir) : TokenizerSpec.standard().load(dir);
    }

    private static ModelSource load(Path dir, Backend backend, Consumer<Block> eachBlock, Tokenizer tokenizer) throws IOException {
        ModelSource s = read(dir, backend, eachBlock, tokenizer);
        if (s.tokenizer().vocabSize() > s.model().config().vocab())
            throw new IOException(dir + ": the tokenizer has " + s.tokenizer().vocabSize() + " ids but the model's vocab is "
                    + s.model().config().vocab());
        return s;
    }

    private static ModelSource read(Path dir, Backend backend, Consumer<Block> eachBlock, Tokenizer tokenizer) throws IOException {
        if (HfCheckpoints.isHfDirectory(dir)) {
            HfModel hf = HfCheckpoints.load(dir, backend, eachBlock);
            Map<String, NamedTensor> heads = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : hf.extras().entrySet())
                heads.put(e.getKey(), new NamedTensor(ModelStore.HEADS + e.getKey(), e.getValue().dims(), e.getValue().toArray()));
            readSeparateHeads(dir, heads);
            for (String part : new String[] {"weight", "bias"})     // BERT's pooler serves a classifier (pooler: bert) too, as in transformers
                if (heads.containsKey(BERT_POOLER + part)) heads.putIfAbsent(SFT_POOLER + part, heads.get(BERT_POOLER + part));
            return new ModelSource(dir, hf.model(), tokenizer, heads, hf.config(), hf.architecture());
        }
        ModelStore.Loaded loaded = ModelStore.load(dir, backend);
        if (eachBlock != null) loaded.model().blocks().forEach(eachBlock);
        return new ModelSource(dir, loaded.model(), tokenizer, loaded.heads(), loaded.config(), "the Kiln model");
    }

    /** The heads a Kiln export keeps beside the base model ({@value HfExport#HEAD_FILE}, Kiln names), when present. */
    private static void readSeparateHeads(Path dir, Map<String, NamedTensor> heads) throws IOException {
        Path file = dir.resolve(HfExport.HEAD_FILE);
        if (!Files.isRegularFile(file)) return;
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) {
                long[] shape = f.info(name).shape();
                int[] dims = new int[shape.length];
                for (int i = 0; i < dims.length; i++) dims[i] = Math.toIntExact(shape[i]);
                heads.put(name, new NamedTensor(ModelStore.HEADS + name, dims, f.floats(name)));
            }
        }
    }
}
