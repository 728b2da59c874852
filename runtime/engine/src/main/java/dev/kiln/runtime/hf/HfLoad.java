package dev.kiln.runtime.hf;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.io.TensorSource;
import dev.kiln.api.nn.Block;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.Tensor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One checkpoint read into a backbone as transformers' {@code from_pretrained} does: legacy names
 * fixed, buffers skipped, tensors the architecture has no place for left unused, tensors it has but
 * the file lacks left as initialized (both reported), shapes checked exactly; a file holding none of
 * the backbone's tensors is an error. Made from the config alone, it fills each block as the block
 * is built ({@link #fillBlock}, e.g. from the Transformer constructor's per-block hook, so a block can
 * be stored compressed before the next one's floats exist), then the rest ({@link #finish}).
 */
final class HfLoad {
    private static final String BLOCKS = "blocks.";

    private final TensorSource src;
    private final String where, checkpoint;
    private final HfLayout layout;
    private final String arch;
    private final TransformerConfig cfg;
    private final Map<String, String> files;              // name it loads as → name in the file
    private final Set<String> names;
    private final List<TensorMapping> used = new ArrayList<>();
    private final Map<String, String> aliases;
    private final TreeSet<String> missing, unused = new TreeSet<>();
    private final Set<String> filled = new TreeSet<>();
    private final Random rng = new Random(0);

    HfLoad(TensorSource src, String where, String checkpoint, HfLayout layout, String arch, TransformerConfig cfg) throws IOException {
        this.src = src;
        this.where = where;
        this.checkpoint = checkpoint;
        this.layout = layout;
        this.arch = arch;
        this.cfg = cfg;
        files = LegacyNames.index(src.names(), where);
        names = files.keySet();
        String prefix = names.stream().anyMatch(n -> n.startsWith(layout.backbonePrefix())) ? layout.backbonePrefix() : "";
        List<TensorMapping> all = layout.mappings(cfg, arch, prefix);
        Set<String> loaded = layout.loadedGroups(arch), optional = layout.optionalGroups(arch);
        for (TensorMapping m : all) {
            boolean take = m.group() == null || loaded.contains(m.group())
                    || (optional.contains(m.group()) && groupPresent(all, m.group(), names));
            if (take) used.add(m);
        }
        aliases = layout.tiedAliases(cfg, arch, prefix);
        Set<String> expected = new LinkedHashSet<>();
        for (TensorMapping m : used) expected.addAll(m.sources());
        boolean anyBackbone = used.stream().anyMatch(m -> m.group() == null && m.sources().stream().anyMatch(names::contains));
        if (!anyBackbone) {
            Set<String> asSaved = new LinkedHashSet<>();     // the names as this architecture saves them
            for (TensorMapping m : layout.mappings(cfg, arch, layout.isBaseModel(arch) ? "" : layout.backbonePrefix()))
                if (m.group() == null || loaded.contains(m.group())) asSaved.addAll(m.sources());
            throw new HfCheckpointException(where + ": none of the tensors of " + arch + " as config.json describes it ("
                    + HfWeights.describe(cfg) + ") is in the file; is it a " + layout.modelType() + " checkpoint?"
                    + "\n  expected " + asSaved.size() + ": " + TensorNames.summarize(asSaved)
                    + "\n  found " + names.size() + ": " + TensorNames.summarize(src.names()));
        }
        missing = new TreeSet<>(expected);
        missing.removeAll(names);
        for (String n : names) if (!expected.contains(n) && !aliases.containsKey(n) && !layout.isBuffer(n)) unused.add(files.get(n));
    }

    /** Copies block {@code index}'s tensors into {@code block} (Kiln names {@code blocks.INDEX.*}). */
    void fillBlock(int index, Block block) throws IOException {
        String prefix = BLOCKS + index + ".";
        Map<String, Tensor> params = new LinkedHashMap<>();
        block.namedParameters().forEach((name, t) -> params.put(prefix + name, t));
        for (TensorMapping m : used) if (m.group() == null && m.target().startsWith(prefix)) fill(m, params, null, null);
    }

    /** Copies everything outside the blocks, builds the extras, and checks that every backbone parameter was set. */
    HfWeights.Loaded finish(Transformer model, Backend backend) throws IOException {
        Map<String, Tensor> params = model.namedParameters();
        Map<String, Tensor> extras = new LinkedHashMap<>();
        for (TensorMapping m : used) if (m.group() != null || !m.target().startsWith(BLOCKS)) fill(m, params, extras, backend);
        TreeSet<String> unfilled = new TreeSet<>(params.keySet());
        unfilled.removeAll(filled);
        if (!unfilled.isEmpty())
            throw new IllegalStateException(layout.modelType() + " layout leaves backbone parameters unset: " + unfilled);
        for (var e : aliases.entrySet())
            if (names.contains(e.getKey()) && names.contains(e.getValue()))
                checkTied(src, where, files.get(e.getKey()), files.get(e.getValue()));
        Map<String, String> renamed = new TreeMap<>();
        for (var e : files.entrySet()) if (!e.getKey().equals(e.getValue())) renamed.put(e.getValue(), e.getKey());
        return new HfWeights.Loaded(extras, new LoadReport(checkpoint, arch, List.copyOf(unused), List.copyOf(missing), renamed));
    }

    /** One mapping: into its backbone parameter, or (group mappings, with {@code extras}) a new extra tensor. */
    private void fill(TensorMapping m, Map<String, Tensor> params, Map<String, Tensor> extras, Backend backend) throws IOException {
        Tensor p = m.group() == null ? params.get(m.target()) : null;
        if (m.group() == null && (p == null || p.size() != TensorMapping.numel(m.targetShape())))
            throw new IllegalStateException(layout.modelType() + " layout maps onto '" + m.target() + "', which the backbone "
                    + (p == null ? "does not have" : "has with shape " + p.shape()));
        boolean complete = names.containsAll(m.sources());
        List<float[]> parts = complete ? new ArrayList<>()                          // else: what a missing source keeps
                : new ArrayList<>(m.toHf(p != null ? p.toArray() : initialExtra(m, cfg, rng)));
        for (int i = 0; i < m.sources().size(); i++) {
            if (!names.contains(m.sources().get(i))) continue;
            String file = files.get(m.sources().get(i));
            float[] data = m.kind() == TensorMapping.Kind.TRANSPOSE && src instanceof Bnb4bitSource b && b.isQuantized(file)
                    ? b.asConv1d(file, m.sourceShapes().get(i))    // Linear4bit stores Conv1D's weight as [out, in]
                    : read(src, where, file, m.sourceShapes().get(i));
            if (complete) parts.add(data);
            else parts.set(i, data);
        }
        float[] data = m.toKiln(parts);
        if (p == null) {
            extras.put(m.target(), Tensor.of(backend, data, m.targetShape()));
        } else {
            p.copyFrom(data);
            filled.add(m.target());
        }
    }

    /** A head tensor the file lacks, initialized as transformers' _init_weights does: biases 0, norm scales 1, else N(0, init_std). */
    private static float[] initialExtra(TensorMapping m, TransformerConfig cfg, Random rng) {
        float[] v = new float[TensorMapping.numel(m.targetShape())];
        if (m.target().endsWith(".bias") || m.target().equals("mlm.bias")) return v;
        if (m.target().contains(".norm.")) {
            Arrays.fill(v, 1f);
            return v;
        }
        for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextGaussian() * cfg.initStd());
        return v;
    }

    private static boolean groupPresent(List<TensorMapping> all, String group, Set<String> names) {
        for (TensorMapping m : all) if (group.equals(m.group())) for (String s : m.sources()) if (names.contains(s)) return true;
        return false;
    }

    private static float[] read(TensorSource src, String where, String name, int[] shape) throws IOException {
        long[] actual = src.info(name).shape();
        if (!Arrays.equals(actual, Arrays.stream(shape).asLongStream().toArray()))
            throw new HfCheckpointException(where + ": tensor '" + name + "' has shape " + Arrays.toString(actual)
                    + ", config.json implies " + Arrays.toString(shape));
        if (!src.info(name).dtype().isFloating())
            throw new HfCheckpointException(where + ": tensor '" + name + "' has dtype " + src.info(name).dtype() + ", expected a floating type");
        return src.floats(name);
    }

    private static void checkTied(TensorSource src, String where, String alias, String of) throws IOException {
        if (!Arrays.equals(src.info(alias).shape(), src.info(of).shape()) || !Arrays.equals(src.floats(alias), src.floats(of)))
            throw new HfCheckpointException(where + ": tensor '" + alias + "' differs from '" + of
                    + "', but config.json ties them (tie_word_embeddings); set it to false for separate weights");
    }
}
