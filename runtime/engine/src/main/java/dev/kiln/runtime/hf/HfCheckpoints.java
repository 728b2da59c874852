package dev.kiln.runtime.hf;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Block;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.ShardedSafetensors;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.TensorSource;
import dev.kiln.runtime.io.JsonValues;
import dev.kiln.runtime.model.ModelStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Hugging Face model directories ({@code config.json} + {@code model.safetensors} or a sharded
 * {@code model.safetensors.index.json}) to and from Kiln's backbone. {@link #standard()} knows
 * GPT-2, BERT, RoBERTa, LLaMA, Mistral, Qwen2 and Qwen3 ({@link #architectures()}); {@link #with} adds
 * a layout. Loading reports what transformers would warn about in {@link HfModel#warnings()}.
 *
 * <pre>
 * HfModel m = HfCheckpoints.load(Path.of("llama-tiny"), backend);
 * HfCheckpoints.save(m.model(), Path.of("out"), "LlamaForCausalLM");
 * </pre>
 */
public final class HfCheckpoints {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private final List<HfLayout> layouts;

    private HfCheckpoints(List<HfLayout> layouts) {
        this.layouts = List.copyOf(layouts);
    }

    public static HfCheckpoints standard() {
        return new HfCheckpoints(List.of(new Gpt2Layout(), new BertLikeLayout(EncoderFamily.BERT), new BertLikeLayout(EncoderFamily.ROBERTA),
                new LlamaLikeLayout(LlamaFamily.LLAMA), new LlamaLikeLayout(LlamaFamily.MISTRAL), new LlamaLikeLayout(LlamaFamily.QWEN2),
                new LlamaLikeLayout(LlamaFamily.QWEN3)));
    }

    /** A copy that also knows {@code layout}; an error when one of its architectures is taken. */
    public HfCheckpoints with(HfLayout layout) {
        for (String a : layout.architectures())
            if (find(a) != null) throw new IllegalArgumentException("architecture '" + a + "' is already supported");
        List<HfLayout> l = new ArrayList<>(layouts);
        l.add(layout);
        return new HfCheckpoints(l);
    }

    /** Every architecture name that can be loaded and saved. */
    public TreeSet<String> architectures() {
        TreeSet<String> s = new TreeSet<>();
        for (HfLayout l : layouts) s.addAll(l.architectures());
        s.addAll(SequenceClassification.architectures());
        return s;
    }

    /** Every model_type that can be loaded, in the order the layouts were added. */
    public List<String> modelTypes() {
        return layouts.stream().map(HfLayout::modelType).toList();
    }

    List<HfLayout> layouts() {
        return layouts;
    }

    /** Loads {@code dir} with the standard layouts. */
    public static HfModel load(Path dir, Backend backend) throws IOException {
        return standard().read(dir, backend, null);
    }

    /**
     * Loads {@code dir} with the standard layouts, handing each block to {@code eachBlock} (null: none) as
     * soon as its weights are in, before the next block exists: a hook that stores the block compressed
     * (4-bit QLoRA base) keeps the float weights of only one block alive at a time.
     */
    public static HfModel load(Path dir, Backend backend, Consumer<Block> eachBlock) throws IOException {
        return standard().read(dir, backend, eachBlock);
    }

    /** {@code dir}'s config.json as a map (as {@link HfModel#config()} gives it), reading no weights. */
    public static Map<String, Object> configValues(Path dir) throws IOException {
        return hfConfig(dir).values();
    }

    /** The Kiln model configuration {@code dir}'s config.json ({@code values}, as {@link #configValues} read it) describes. */
    public static TransformerConfig config(Path dir, Map<String, Object> values) throws IOException {
        return standard().readConfigOnly(dir, values);
    }

    /** Saves the backbone as {@code architecture} (e.g. "GPT2LMHeadModel") with the standard layouts. */
    public static void save(Transformer model, Path dir, String architecture) throws IOException {
        standard().write(model, Map.of(), dir, architecture);
    }

    /** Saves the backbone plus extras (BERT's pooler / heads by Kiln name, see {@link HfModel#extras()}). */
    public static void save(Transformer model, Map<String, Tensor> extras, Path dir, String architecture) throws IOException {
        standard().write(model, extras, dir, architecture);
    }

    /**
     * Whether {@code dir} looks like a Hugging Face model directory: a config.json naming
     * {@code architectures} or {@code model_type} (a Kiln model directory's has a {@code model} section instead).
     */
    public static boolean isHfDirectory(Path dir) {
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) return false;
        try {
            return Json.read(cfg) instanceof Map<?, ?> json
                    && !json.containsKey("model") && (json.containsKey("architectures") || json.containsKey("model_type"));
        } catch (IOException e) {
            return false;
        }
    }

    public HfModel read(Path dir, Backend backend) throws IOException {
        return read(dir, backend, null);
    }

    /** As {@link #load(Path, Backend, Consumer)} with these layouts. */
    public HfModel read(Path dir, Backend backend, Consumer<Block> eachBlock) throws IOException {
        HfConfig config = hfConfig(dir);
        SequenceClassification task = SequenceClassification.named(config.architectures());
        if (task != null) return task.read(this, dir, config, backend, eachBlock);
        String arch = architecture(config);
        try (TensorSource src = open(dir)) {
            return readBackbone(dir, config, arch, src, backend, eachBlock);
        }
    }

    TransformerConfig readConfigOnly(Path dir, Map<String, Object> values) throws IOException {
        HfConfig config = new HfConfig(dir.resolve(CONFIG).toString(), values);
        SequenceClassification task = SequenceClassification.named(config.architectures());
        String arch = task != null ? task.baseArchitecture : architecture(config);
        return kilnConfig(dir, config, arch);
    }

    private static HfConfig hfConfig(Path dir) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfgFile))
            throw new HfCheckpointException(cfgFile + ": not found (is " + dir + " a Hugging Face model directory?)");
        return new HfConfig(cfgFile.toString(), readConfig(cfgFile));
    }

    private TransformerConfig kilnConfig(Path dir, HfConfig config, String arch) throws HfCheckpointException {
        try {
            return find(arch).toKiln(config, arch);
        } catch (IllegalArgumentException e) {
            throw new HfCheckpointException(dir.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
    }

    /** The directory's tensors; bitsandbytes 4-bit weights (transformers' load_in_4bit save) read as their dequantized floats. */
    static TensorSource open(Path dir) throws IOException {
        TensorSource src = TensorSource.open(dir);
        return Bnb4bitSource.applies(src) ? new Bnb4bitSource(src) : src;
    }

    /** The backbone (and the layout's extras) of {@code arch} from {@code src}. */
    HfModel readBackbone(Path dir, HfConfig config, String arch, TensorSource src, Backend backend, Consumer<Block> eachBlock)
            throws IOException {
        TransformerConfig tc = kilnConfig(dir, config, arch);
        HfLoad load = new HfLoad(src, weightsName(dir), dir.toString(), find(arch), arch, tc);
        int[] next = {0};
        Transformer model;
        try {
            model = new Transformer(backend, tc, 0, block -> {   // each block filled (and handed on) as it is built
                try {
                    load.fillBlock(next[0]++, block);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (eachBlock != null) eachBlock.accept(block);
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        HfWeights.Loaded loaded = load.finish(model, backend);
        return new HfModel(model, arch, loaded.extras(), config.values(), loaded.report());
    }

    public void write(Transformer model, Map<String, Tensor> extras, Path dir, String architecture) throws IOException {
        SequenceClassification task = SequenceClassification.named(List.of(architecture));
        HfLayout layout = find(task == null ? architecture : task.baseArchitecture);
        if (layout == null)
            throw new HfCheckpointException("cannot save as unknown architecture '" + architecture + "' (known: "
                    + String.join(", ", architectures()) + ")");
        Map<String, Object> config;
        Map<String, TensorData> tensors;
        if (task == null) {
            config = layout.toHf(model.config(), architecture);
            tensors = HfWeights.save(model, extras, layout, architecture);
        } else {
            config = task.config(layout.toHf(model.config(), task.baseArchitecture), task.defaultLabels(extras), false);
            tensors = task.tensors(HfWeights.save(model, task.baseExtras(extras), layout, task.baseArchitecture),
                    extras.get(SequenceClassification.CLASSIFIER_WEIGHT), extras.get(SequenceClassification.CLASSIFIER_BIAS));
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(ShardedSafetensors.DEFAULT_INDEX)); // a stale index would shadow the new file
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        AtomicFiles.writeString(dir.resolve(CONFIG), ModelStore.configText(config) + "\n");
    }

    /**
     * config.json as a mutable map, whole numbers as {@code Integer} where they fit; an error naming
     * the file (and the line and column) when it is not a JSON object.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> readConfig(Path cfgFile) throws IOException {
        Object json;
        try {
            json = Json.read(cfgFile);
        } catch (JsonException e) {
            HfCheckpointException named = new HfCheckpointException(cfgFile + ": not a JSON object: " + e.problem()
                    + " (line " + e.line() + ", column " + e.column() + ")");
            named.addSuppressed(e);                             // in stack traces, not repeated in one-line messages
            throw named;
        }
        if (!(json instanceof Map<?, ?>))
            throw new HfCheckpointException(cfgFile + ": not a JSON object: the top level is " + (json instanceof List<?> ? "a list" : Json.write(json)));
        return (Map<String, Object>) JsonValues.plain(json);
    }

    /** The first of config.json's {@code architectures} a layout knows, else the default for {@code model_type}. */
    private String architecture(HfConfig c) throws HfCheckpointException {
        List<String> listed = c.architectures();
        for (String a : listed) if (find(a) != null) return a;
        String known = String.join(", ", architectures());
        String type = c.getString("model_type", null);
        if (type != null && !modelTypes().contains(type))
            throw c.error("model_type", "is '" + type + "': unknown model type (supported: " + String.join(", ", modelTypes()) + ")");
        if (!listed.isEmpty()) throw c.error("architectures", "is " + listed + ": unknown architecture (known: " + known + ")");
        if (type == null) throw c.error("architectures", "is missing, and so is 'model_type' (known architectures: " + known + ")");
        for (HfLayout l : layouts) if (l.modelType().equals(type)) return l.architectures().get(0);
        throw c.error("model_type", "is '" + type + "': unknown model type (supported: " + String.join(", ", modelTypes()) + ")");
    }

    /** The layout that reads and writes {@code architecture}, or null. */
    HfLayout find(String architecture) {
        for (HfLayout l : layouts) if (l.architectures().contains(architecture)) return l;
        return null;
    }

    private static String weightsName(Path dir) {
        Path index = dir.resolve(ShardedSafetensors.DEFAULT_INDEX);
        return (Files.isRegularFile(index) ? index : dir.resolve(WEIGHTS)).toString();
    }
}
