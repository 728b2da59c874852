package dev.kiln.runtime.hf;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.quant.Quantized4Bit;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.TensorData;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Kiln model directory (or a Hugging Face one, written again: {@link ExportSource}) exported as one
 * transformers' {@code AutoModel*.from_pretrained} loads:
 * config.json ({@code architectures}, {@code model_type}, {@code torch_dtype}; labels for a
 * classifier; a {@value ExportDirectory#MARKER} key saying where it came from), safetensors with
 * Hugging Face's names (sharded above {@link Options#maxShardBytes}, see {@link ShardedWeights}),
 * the tokenizer files ({@link HfTokenizerFiles}) and, for a causal LM, generation_config.json.
 * Heads the class does not hold (e.g. a mean-pooled classifier) go to {@value #HEAD_FILE} under
 * their Kiln names, listed in config.json under {@code kiln.heads}. The directory is replaced as a
 * whole ({@link ExportDirectory}).
 */
public final class HfExport {
    public static final String FORMAT = "hf";
    public static final String HEAD_FILE = "kiln_head.safetensors";
    public static final String GENERATION_CONFIG = "generation_config.json";

    /**
     * @param architecture  the transformers class, or null for the model's default
     * @param maxShardBytes above this the weights are sharded (transformers' max_shard_size, default 5GB)
     */
    public record Options(String architecture, long maxShardBytes, Quantize quantize) {
        public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

        public Options {
            if (maxShardBytes < 1) throw new IllegalArgumentException("max shard size must be at least 1 byte, got " + maxShardBytes);
        }

        public Options(String architecture, long maxShardBytes) { this(architecture, maxShardBytes, null); }

        public static Options defaults() {
            return new Options(null, DEFAULT_MAX_SHARD_BYTES);
        }

        public Options withQuantize(Quantize q) { return new Options(architecture, maxShardBytes, q); }
    }

    /**
     * {@code --quantize nf4|fp4 [--double-quant] [--blocksize N]}: the backbone's linear weights written in
     * bitsandbytes' 4-bit layout (what transformers saves for a model loaded with load_in_4bit), plus
     * config.json's quantization_config; embeddings, the LM head and norms stay float.
     */
    public record Quantize(String type, boolean doubleQuant, int blocksize) {
        public Quantize {
            FourBitType.parse(type);
            Quantized4Bit.checkBlocksize(blocksize);
        }

        Bnb4bit.Spec spec() { return new Bnb4bit.Spec(FourBitType.parse(type), doubleQuant, blocksize); }
    }

    /** What was written. */
    public record Result(Path dir, String architecture, List<String> files, List<String> separateHeads) {}

    private HfExport() {}

    /** Fails, naming {@code out}, unless it is absent, empty or an earlier export (what an export may replace). */
    public static void checkOutput(Path out) throws IOException {
        ExportDirectory.checkReplaceable(out);
    }

    /** Exports the model directory {@code modelDir} (Kiln's, or Hugging Face's: see {@link ExportSource}) into {@code out}. */
    public static Result export(Path modelDir, Path out, Options options, Backend backend) throws IOException {
        return export(ExportSource.read(modelDir, out, backend), modelDir, out, options);
    }

    /** Exports a model directory read with {@link ExportSource#read}; a Hugging Face one as its own class unless options name one. */
    public static Result export(ExportSource source, Path from, Path out, Options options) throws IOException {
        Options o = options.architecture() == null && source.architecture() != null
                ? new Options(source.architecture(), options.maxShardBytes(), options.quantize()) : options;
        return write(source.model(), source.heads(), source.sft(), source.tokenizer(), from, out, o);
    }

    /**
     * Exports a model with its heads (Kiln names without {@code heads.}, e.g. {@code mlm.bias}).
     *
     * @param sft the {@code sft} objective's metadata (task, labels), or an empty map
     */
    public static Result write(Transformer model, Map<String, Tensor> heads, Map<String, Object> sft, Tokenizer tokenizer,
                               Path from, Path out, Options options) throws IOException {
        HfCheckpoints hf = HfCheckpoints.standard();
        ExportPlan plan = ExportPlan.choose(hf, model.config(), heads.keySet(), options.architecture());
        Map<String, Tensor> extras = new LinkedHashMap<>();
        plan.extras().forEach((kiln, layoutName) -> extras.put(layoutName, heads.get(kiln)));
        Bnb4bit.Spec quantize = options.quantize() == null ? null : options.quantize().spec();
        if (quantize != null && plan.task() != null)
            throw new HfCheckpointException("--quantize: " + plan.architecture() + " (a sequence classifier) is not exported in 4 bits; export the base model");
        Map<String, TensorData> tensors = HfWeights.save(model, extras, plan.layout(), plan.layoutArch(), quantize);
        Map<String, Object> config = plan.layout().toHf(model.config(), plan.layoutArch());
        if (quantize != null) config.put(Bnb4bit.CONFIG_KEY, Bnb4bit.quantizationConfig(quantize));
        if (plan.task() != null) {
            tensors = plan.task().tensors(tensors, heads.get(SequenceClassification.CLASSIFIER_WEIGHT),
                    heads.get(SequenceClassification.CLASSIFIER_BIAS));
            boolean regression = "regression".equals(sft.get("task"));
            config = plan.task().config(config, labelNames(sft, heads.get(SequenceClassification.CLASSIFIER_WEIGHT).dim(0)), regression);
        }
        Map<String, Tensor> separate = new LinkedHashMap<>(heads);
        separate.keySet().removeAll(plan.used());
        // the tokenizer's [PAD] (transformers' embeddings take it as padding_idx; BertConfig would assume 0); RoBERTa's layout has its own
        if (tokenizer.special(Tokenizer.PAD).isPresent()) config.putIfAbsent("pad_token_id", tokenizer.special(Tokenizer.PAD).getAsInt());
        Map<String, Object> generation = model.config().causal() ? HfTokenizerFiles.generationConfig(tokenizer) : Map.of();
        config.putAll(generation);
        config.put(ExportDirectory.MARKER, kilnSection(from, separate, sft));
        Map<String, TensorData> weights = tensors;
        Map<String, Object> configJson = config;
        List<String> files = new ArrayList<>();
        ExportDirectory.replace(out, dir -> {
            for (Path p : ShardedWeights.write(dir, weights, options.maxShardBytes())) files.add(p.getFileName().toString());
            if (!separate.isEmpty()) {
                Map<String, TensorData> h = new LinkedHashMap<>();
                separate.forEach((name, t) -> h.put(name, TensorData.f32(t.dims(), t.toArray())));
                SafetensorsWriter.write(dir.resolve(HEAD_FILE), h, Map.of("format", "kiln"));
                files.add(HEAD_FILE);
            }
            Files.writeString(dir.resolve(HfCheckpoints.CONFIG), ModelStore.configText(configJson) + "\n");
            files.add(HfCheckpoints.CONFIG);
            HfTokenizerFiles.write(tokenizer, dir, model.config().usablePositions());   // RoBERTa: 512 of 514 positions
            files.addAll(List.of(TokenizerSpec.FILE, HfTokenizerFiles.CONFIG, HfTokenizerFiles.SPECIAL_TOKENS));
            if (!generation.isEmpty()) {
                Files.writeString(dir.resolve(GENERATION_CONFIG), ModelStore.configText(generation) + "\n");
                files.add(GENERATION_CONFIG);
            }
        });
        return new Result(out, plan.architecture(), files, List.copyOf(new TreeSet<>(separate.keySet())));
    }

    /** config.json's {@code kiln} section: the source, and the heads kept apart with how to use them. */
    private static Map<String, Object> kilnSection(Path from, Map<String, Tensor> separate, Map<String, Object> sft) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("exported_from", from == null ? null : from.toString());
        if (!separate.isEmpty()) {
            k.put("head_file", HEAD_FILE);
            k.put("heads", List.copyOf(new TreeSet<>(separate.keySet())));
            if (!sft.isEmpty()) k.put("sft", sft);
            k.put("note", "task heads transformers has no class for, under Kiln's names: load " + HEAD_FILE
                    + " beside the base model; the sft head pools the last hidden states as 'sft.pooler' says (first token,"
                    + " mean over non-padding or last non-padding token), then classifier.weight · pooled + classifier.bias");
        }
        return k;
    }

    private static List<String> labelNames(Map<String, Object> sft, int count) {
        List<String> out = new ArrayList<>();
        Object labels = sft.get("labels");
        for (int i = 0; i < count; i++)
            out.add(labels instanceof List<?> l && i < l.size() ? String.valueOf(l.get(i)) : "LABEL_" + i);
        return out;
    }

}
