package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.ModulesToSave;
import dev.kiln.api.finetune.PeftNames;
import dev.kiln.api.io.TensorData;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.DType;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Saves and loads one adapter alone in PEFT's layout: {@code adapter_config.json} and
 * {@code adapter_model.safetensors} with tensors {@code base_model.model.<module>.lora_A.weight}
 * ([r, in]) and {@code .lora_B.weight} ([out, r]), and for the token embeddings
 * {@code base_model.model.<embeddings>.lora_embedding_A} ([r, V]) and {@code .lora_embedding_B}
 * ([C, r]); no adapter name in the keys. Module names are Kiln's or a Hugging Face architecture's ({@link PeftNames}).
 *
 * <p>Kiln's fused qkv adapter (A: [r, C], B: [(Hq+2Hkv)·D, r]) is, in BERT's / LLaMA's names,
 * exactly three adapters sharing A: q's B is B's q rows, and so on. Loading three separate ones
 * back is exact too: with equal A's the fused A is that A; otherwise the A's are stacked
 * ([A_q; A_k; A_v], rank r_q + r_k + r_v) and B is block-diagonal. A layer whose rank is not the
 * config's {@code r} (a stacked one) is written with the all-zero columns of each part's B
 * dropped, and with PEFT's {@code rank_pattern} / {@code alpha_pattern} where it still differs.
 */
public final class PeftFormat {
    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    static final String PREFIX = "base_model.model.", A = ".lora_A.weight", B = ".lora_B.weight";
    static final String EMBEDDING_A = ".lora_embedding_A", EMBEDDING_B = ".lora_embedding_B";

    private PeftFormat() {}

    /** {@link #save(Transformer, LoraConfig, PeftNames, Path)} with Kiln's module names. */
    public static void save(Transformer model, LoraConfig cfg, Path dir) throws IOException { save(model, cfg, PeftNames.KILN, dir); }

    public static void save(Transformer model, LoraConfig cfg, PeftNames names, Path dir) throws IOException { save(model, cfg, names, dir, DType.F32); }

    /** @param dtype how the tensors are stored: F32, or BF16 / F16 (rounded to nearest) */
    public static void save(Transformer model, LoraConfig cfg, PeftNames names, Path dir, DType dtype) throws IOException {
        Map<String, LoraLayer> layers = Lora.layers(model, cfg.adapterName());
        LoraEmbedding embedding = Lora.embedding(model, cfg.adapterName());
        if (layers.isEmpty() && embedding == null) throw new IllegalArgumentException("lora: the model has no adapter '" + cfg.adapterName() + "'");
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        Set<String> adapted = new LinkedHashSet<>();
        for (var e : layers.entrySet()) {
            LoraLayer layer = e.getValue();
            int rank = layer.rank(), in = layer.base().inFeatures(), out = layer.base().outFeatures();
            float[] a = layer.loraA().toArray(), b = layer.loraB().toArray();
            for (PeftNames.Part part : names.parts(e.getKey(), out, model.config())) {
                float[] bPart = Arrays.copyOfRange(b, part.rowStart() * rank, part.rowEnd() * rank);       // [rows, rank]
                int[] cols = columnsToWrite(bPart, part.rows(), rank, cfg.r());
                tensors.put(PREFIX + part.module() + A, TensorData.floats(dtype, new int[] {cols.length, in}, rowsOf(a, in, cols)));
                tensors.put(PREFIX + part.module() + B, TensorData.floats(dtype, new int[] {part.rows(), cols.length}, columnsOf(bPart, rank, cols)));
                adapted.add(part.module());
                if (cols.length != cfg.r()) rankPattern.put(part.module(), cols.length);
                if ((float) PeftConfigJson.Parsed.scaling(cfg.alpha(), cols.length, cfg.useRslora()) != layer.scaling())
                    alphaPattern.put(part.module(), cfg.useRslora() ? layer.scaling() * Math.sqrt(cols.length) : (double) layer.scaling() * cols.length);
            }
        }
        if (embedding != null) {
            String module = names.embeddingModule();
            int vocab = embedding.loraA().dim(0), width = embedding.loraB().dim(0), rank = embedding.rank();
            tensors.put(PREFIX + module + EMBEDDING_A, TensorData.floats(dtype, new int[] {rank, vocab}, transpose(embedding.loraA().toArray(), vocab, rank)));
            tensors.put(PREFIX + module + EMBEDDING_B, TensorData.floats(dtype, new int[] {width, rank}, embedding.loraB().toArray()));
            adapted.add(module);
        }
        List<String> targets = names == PeftNames.KILN ? cfg.targetModules() : names.targetModules(adapted, names.allModules(model));
        Files.createDirectories(dir);
        SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, SafetensorsWriter.PT_METADATA);
        Files.writeString(dir.resolve(CONFIG), PeftConfigJson.write(cfg, targets, names.fanInFanOut(), rankPattern, alphaPattern), StandardCharsets.UTF_8);
    }

    /**
     * Attaches the saved adapter under {@code adapterName} and makes it the active one, in PEFT's
     * inference mode: every backbone parameter, the adapter's included, is frozen afterwards. The
     * module names (Kiln's or an HF architecture's) are recognized from the file. The returned
     * config's target_modules are the file's for Kiln names, else the Kiln paths adapted. Tensors of
     * {@code modules_to_save} (task heads) are not this plugin's: they are left to the runtime.
     */
    public static LoraConfig load(Transformer model, Path dir, String adapterName) throws IOException {
        PeftConfigJson.Parsed json = PeftConfigJson.read(Files.readString(dir.resolve(CONFIG), StandardCharsets.UTF_8), dir.resolve(CONFIG).toString(), adapterName);
        LoraConfig cfg = json.config();
        if (Lora.adapterNames(model).contains(adapterName))
            throw new IllegalStateException("lora: the model already has an adapter named '" + adapterName + "'");
        Path weights = dir.resolve(WEIGHTS);
        Map<String, NamedTensor> file = ModulesToSave.without(SafetensorsFile.readFloats(weights), json.modulesToSave());
        Map<String, Linear> linears = PeftNames.linears(model);
        PeftNames names = recognize(file.keySet(), linears, dir);
        // Kiln path → part index → the file's module name
        Map<String, TreeMap<Integer, String>> grouped = new LinkedHashMap<>();
        for (String key : file.keySet()) {
            if (!key.endsWith(A)) continue;
            String module = module(key);
            PeftNames.Location at = names.locate(module);
            grouped.computeIfAbsent(at.kilnPath(), k -> new TreeMap<>()).put(at.part(), module);
        }
        Set<String> used = new LinkedHashSet<>();
        Map<String, LoraLayer> attached = new LinkedHashMap<>();
        for (var g : grouped.entrySet()) {
            Linear linear = linears.get(g.getKey());
            List<PeftNames.Part> parts = names.parts(g.getKey(), linear.outFeatures(), model.config());
            List<FusedLora.Piece> pieces = new ArrayList<>();
            for (var p : g.getValue().entrySet()) {
                String module = p.getValue();
                PeftNames.Part part = parts.get(p.getKey());
                NamedTensor a = require(weights, file, PREFIX + module + A), b = require(weights, file, PREFIX + module + B);
                int rank = json.rank(module);
                check(weights, a, PREFIX + module + A, rank, linear.inFeatures());
                check(weights, b, PREFIX + module + B, part.rows(), rank);
                pieces.add(new FusedLora.Piece(part, rank, a.data(), b.data(), json.scaling(module)));
                used.add(PREFIX + module + A);
                used.add(PREFIX + module + B);
            }
            FusedLora fused = FusedLora.of(pieces, parts.size() == 1 ? pieces.get(0).scaling() : cfg.scaling(), linear.inFeatures(), linear.outFeatures());
            LoraLayer layer = Lora.attachLayer(linear, g.getKey(), adapterName, fused.rank(), fused.scaling(), cfg.dropout());
            layer.loraA().copyFrom(fused.a());
            layer.loraB().copyFrom(fused.b());
            attached.put(g.getKey(), layer);
        }
        String embeddingKey = file.keySet().stream().filter(k -> k.endsWith(EMBEDDING_A)).findFirst().orElse(null);
        if (embeddingKey != null) {
            String module = module(embeddingKey);
            NamedTensor a = require(weights, file, PREFIX + module + EMBEDDING_A), b = require(weights, file, PREFIX + module + EMBEDDING_B);
            int rank = json.rank(module), vocab = model.config().vocab();
            check(weights, a, PREFIX + module + EMBEDDING_A, rank, vocab);
            check(weights, b, PREFIX + module + EMBEDDING_B, model.config().dModel(), rank);
            LoraEmbedding layer = Lora.attachEmbedding(model, adapterName, rank, json.scaling(module));
            layer.loraA().copyFrom(transpose(a.data(), rank, vocab));
            layer.loraB().copyFrom(b.data());
            used.add(PREFIX + module + EMBEDDING_A);
            used.add(PREFIX + module + EMBEDDING_B);
        }
        Set<String> unused = new LinkedHashSet<>(file.keySet());
        unused.removeAll(used);
        if (!unused.isEmpty()) throw new IOException(dir + ": tensors with no matching module: " + unused);
        Lora.setAdapter(model, adapterName);
        for (Tensor p : model.parameters()) p.requiresGrad(false);
        return names == PeftNames.KILN ? cfg
                : new LoraConfig(cfg.r(), cfg.alpha(), cfg.dropout(), cfg.useRslora(), adaptedPaths(attached.keySet(), embeddingKey != null), adapterName);
    }

    /** The first naming under which every tensor of the file belongs to a Linear of the model. */
    private static PeftNames recognize(Set<String> keys, Map<String, Linear> linears, Path dir) throws IOException {
        for (String key : keys)
            if (!key.startsWith(PREFIX) || !(key.endsWith(A) || key.endsWith(B) || isEmbeddingKey(key)))
                throw new IOException(dir + ": tensor '" + key + "' is not a LoRA tensor (" + PREFIX + "<module>" + A + ", " + B
                        + ", " + EMBEDDING_A + " or " + EMBEDDING_B + ")");
        search:
        for (PeftNames names : PeftNames.values()) {
            for (String key : keys) {
                if (isEmbeddingKey(key)) {
                    if (!names.isEmbedding(module(key))) continue search;
                    continue;
                }
                PeftNames.Location at = names.locate(module(key));
                if (at == null || !linears.containsKey(at.kilnPath())) continue search;
            }
            return names;
        }
        throw new IOException(dir + ": the tensors " + (keys.size() > 4 ? List.copyOf(keys).subList(0, 4) + " ..." : keys)
                + " do not all name Linear modules of this model, in Kiln's names or GPT-2's, BERT's or LLaMA's");
    }

    /** The module path of a LoRA tensor's key, between {@link #PREFIX} and its suffix. */
    private static String module(String key) {
        for (String suffix : List.of(A, B, EMBEDDING_A, EMBEDDING_B))
            if (key.endsWith(suffix)) return key.substring(PREFIX.length(), key.length() - suffix.length());
        throw new IllegalArgumentException("not a LoRA tensor: " + key);
    }

    private static boolean isEmbeddingKey(String key) { return key.endsWith(EMBEDDING_A) || key.endsWith(EMBEDDING_B); }

    /**
     * Which of a part's B columns (and A rows) to write: all when the layer has the config's rank;
     * for another rank the non-zero columns, padded with zero ones up to {@code r} when fewer.
     */
    static int[] columnsToWrite(float[] bPart, int rows, int rank, int r) {
        if (rank == r) return java.util.stream.IntStream.range(0, rank).toArray();
        boolean[] keep = new boolean[rank];
        int kept = 0;
        for (int c = 0; c < rank; c++) {
            for (int o = 0; o < rows && !keep[c]; o++) keep[c] = bPart[o * rank + c] != 0f;
            if (keep[c]) kept++;
        }
        for (int c = 0; c < rank && kept < r; c++) if (!keep[c]) { keep[c] = true; kept++; }
        return java.util.stream.IntStream.range(0, rank).filter(c -> keep[c]).toArray();
    }

    private static List<String> adaptedPaths(Set<String> linears, boolean embedding) {
        List<String> out = new ArrayList<>(linears);
        if (embedding) out.add(LoraEmbedding.PATH);
        return out;
    }

    /** m: [rows, cols] → [cols, rows] */
    private static float[] transpose(float[] m, int rows, int cols) {
        float[] out = new float[m.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[j * rows + i] = m[i * cols + j];
        return out;
    }

    private static float[] rowsOf(float[] m, int width, int[] rows) {
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) System.arraycopy(m, rows[i] * width, out, i * width, width);
        return out;
    }

    private static float[] columnsOf(float[] m, int width, int[] cols) {
        int rows = m.length / width;
        float[] out = new float[rows * cols.length];
        for (int o = 0; o < rows; o++) for (int i = 0; i < cols.length; i++) out[o * cols.length + i] = m[o * width + cols[i]];
        return out;
    }

    private static NamedTensor require(Path weights, Map<String, NamedTensor> file, String name) throws IOException {
        NamedTensor e = file.get(name);
        if (e == null) throw new IOException(weights + ": no tensor '" + name + "'");
        return e;
    }

    private static void check(Path weights, NamedTensor e, String name, int rows, int cols) throws IOException {
        if (!Arrays.equals(e.shape(), new int[] {rows, cols}))
            throw new IOException(weights + ": '" + name + "' has shape " + Arrays.toString(e.shape()) + ", the model and "
                    + CONFIG + " need [" + rows + ", " + cols + "]");
    }
}
