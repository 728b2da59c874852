package dev.kiln.finetune.lora;

import dev.kiln.api.finetune.TrainableParameters;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.TokenEmbeddingAdapter;
import dev.kiln.api.nn.Transformer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Model-level LoRA operations, PEFT's {@code PeftModel} verbs: attach, set_adapter, merge /
 * unmerge, merge_and_unload, and print_trainable_parameters. Adapters live in their Linear as child
 * {@code lora_<adapter>}, so their parameters are {@code <path>.lora_<adapter>.lora_A} / {@code .lora_B};
 * one on the token embeddings is {@code embed.tokens.lora_<adapter>.lora_embedding_A} / {@code _B}.
 */
public final class Lora {
    static final String CHILD_PREFIX = "lora_";

    private Lora() {}

    /** Child name of an adapter inside its Linear. */
    public static String childName(String adapterName) { return CHILD_PREFIX + adapterName; }

    /** Every Linear the config targets, by module path (adapters excluded). */
    public static Map<String, Linear> targets(Module model, LoraConfig cfg) {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (var e : model.namedModules().entrySet())
            if (e.getValue() instanceof Linear l && cfg.targets(e.getKey())) out.put(e.getKey(), l);
        return out;
    }

    /**
     * Attaches one adapter per targeted Linear (and to the token embeddings when a pattern names
     * them); errors when nothing matches or the name is taken. Returns the Linear ones by path.
     */
    public static Map<String, LoraLayer> attach(Module model, LoraConfig cfg) {
        if (adapterNames(model).contains(cfg.adapterName()))
            throw new IllegalStateException("lora: the model already has an adapter named '" + cfg.adapterName() + "'");
        Map<String, Linear> targets = requireTargets(model, cfg);
        if (cfg.targetsEmbedding()) attachEmbedding(embeddingTarget(model), cfg.adapterName(), cfg.r(), cfg.scaling());
        Map<String, LoraLayer> out = new LinkedHashMap<>();
        for (var e : targets.entrySet())
            out.put(e.getKey(), attachLayer(e.getValue(), e.getKey(), cfg.adapterName(), cfg.r(), cfg.scaling(), cfg.dropout()));
        return out;
    }

    /** Attaches one fresh adapter (A zero, B normal) to the token embeddings. */
    static LoraEmbedding attachEmbedding(Transformer model, String adapterName, int rank, double scaling) {
        LoraEmbedding layer = new LoraEmbedding(model, adapterName, rank, scaling, 0x4C6F5245L ^ adapterName.hashCode());
        model.addTokenAdapter(childName(adapterName), layer);
        return layer;
    }

    private static Transformer embeddingTarget(Module model) {
        if (model instanceof Transformer t) return t;
        throw new IllegalArgumentException("lora: target_modules name " + LoraEmbedding.PATH + ", which only a Transformer has");
    }

    /** Attaches one fresh adapter (A random, B zero) to the Linear at {@code path}; its dropout seed depends on path and name only. */
    static LoraLayer attachLayer(Linear linear, String path, String adapterName, int rank, double scaling, double dropout) {
        long seed = 0x4C6F5241L ^ ((long) path.hashCode() << 20) ^ adapterName.hashCode();
        LoraLayer layer = new LoraLayer(linear, adapterName, rank, scaling, dropout, seed);
        linear.addAdapter(childName(adapterName), layer);
        return layer;
    }

    /** {@link #targets}, or an error naming the patterns and some of the model's Linear paths when nothing matches. */
    public static Map<String, Linear> requireTargets(Module model, LoraConfig cfg) {
        Map<String, Linear> targets = targets(model, cfg);
        if (targets.isEmpty() && !cfg.targetsEmbedding()) {
            List<String> linears = new ArrayList<>();
            for (var e : model.namedModules().entrySet()) if (e.getValue() instanceof Linear) linears.add(e.getKey());
            throw new IllegalArgumentException("lora: target_modules " + cfg.targetModules() + " match no Linear module; the model has "
                    + (linears.size() > 6 ? linears.subList(0, 6) + " ..." : linears));
        }
        return targets;
    }

    /** Every LoRA layer of one adapter by its Linear's path; with {@code adapterName} null, all of them keyed {@code <path>#<adapter>}. */
    public static Map<String, LoraLayer> layers(Module model, String adapterName) {
        Map<String, LoraLayer> out = new LinkedHashMap<>();
        for (var e : model.namedModules().entrySet())
            if (e.getValue() instanceof Linear l)
                for (Linear.LinearAdapter a : l.adapters())
                    if (a instanceof LoraLayer lora && (adapterName == null || lora.adapterName().equals(adapterName)))
                        out.put(adapterName == null ? e.getKey() + "#" + lora.adapterName() : e.getKey(), lora);
        return out;
    }

    /** The token-embedding adapter named {@code adapterName}, or null; with {@code adapterName} null, the first of any name. */
    public static LoraEmbedding embedding(Module model, String adapterName) {
        if (model instanceof Transformer t)
            for (TokenEmbeddingAdapter a : t.tokenAdapters())
                if (a instanceof LoraEmbedding e && (adapterName == null || e.adapterName().equals(adapterName))) return e;
        return null;
    }

    /** Every adapter of every name, on Linears and the token embeddings. */
    static List<LoraAdapter> all(Module model) {
        List<LoraAdapter> out = new ArrayList<>(layers(model, null).values());
        if (model instanceof Transformer t)
            for (TokenEmbeddingAdapter a : t.tokenAdapters()) if (a instanceof LoraEmbedding e) out.add(e);
        return out;
    }

    public static Set<String> adapterNames(Module model) {
        Set<String> out = new LinkedHashSet<>();
        for (LoraAdapter l : all(model)) out.add(l.adapterName());
        return out;
    }

    /** The enabled adapter, or null when none is. */
    public static String activeAdapter(Module model) {
        for (LoraAdapter l : all(model)) if (l.enabled()) return l.adapterName();
        return null;
    }

    /** PEFT's set_adapter: only {@code name} runs and trains; the other adapters are disabled and frozen. */
    public static void setAdapter(Module model, String name) {
        if (!adapterNames(model).contains(name))
            throw new IllegalArgumentException("lora: no adapter '" + name + "' (adapters: " + adapterNames(model) + ")");
        for (LoraAdapter l : all(model)) {
            if (l.merged() && !l.adapterName().equals(name))
                throw new IllegalStateException("lora: adapter '" + l.adapterName() + "' is merged; unmerge it before switching");
            boolean on = l.adapterName().equals(name);
            l.enable(on);
            l.loraA().requiresGrad(on);
            l.loraB().requiresGrad(on);
        }
    }

    /** Folds the active adapter into the base weights (W += s·B·A); it then no longer runs separately. */
    public static void merge(Module model) {
        String name = requireActive(model);
        for (LoraAdapter l : all(model)) if (l.adapterName().equals(name)) l.merge();
    }

    /** Restores the base weights of a merged adapter (W −= s·B·A) and runs it separately again. */
    public static void unmerge(Module model) {
        String name = requireActive(model);
        for (LoraAdapter l : all(model)) if (l.adapterName().equals(name)) l.unmerge();
    }

    /**
     * PEFT's merge_and_unload: folds adapter {@code name} into the base weights (unless it is merged
     * already) and detaches every LoRA adapter from every Linear, so the model is a plain one again
     * (no {@code lora_*} parameters). Errors, touching nothing, when another adapter is merged.
     */
    public static void mergeAndUnload(Module model, String name) {
        if (!adapterNames(model).contains(name))
            throw new IllegalArgumentException("lora: no adapter '" + name + "' (adapters: " + adapterNames(model) + ")");
        for (LoraAdapter l : all(model))
            if (l.merged() && !l.adapterName().equals(name))
                throw new IllegalStateException("lora: adapter '" + l.adapterName() + "' is merged; unmerge it before merging '" + name + "'");
        for (LoraAdapter l : all(model)) if (l.adapterName().equals(name) && !l.merged()) l.merge();
        for (var e : model.namedModules().entrySet())
            if (e.getValue() instanceof Linear linear)
                for (Linear.LinearAdapter a : List.copyOf(linear.adapters()))
                    if (a instanceof LoraLayer lora) linear.removeAdapter(childName(lora.adapterName()));
        if (model instanceof Transformer t)
            for (TokenEmbeddingAdapter a : List.copyOf(t.tokenAdapters()))
                if (a instanceof LoraEmbedding e) t.removeTokenAdapter(childName(e.adapterName()));
    }

    private static String requireActive(Module model) {
        String name = activeAdapter(model);
        if (name == null) throw new IllegalStateException("lora: the model has no active adapter");
        return name;
    }

    /** Trainable vs total parameter counts over the model (adapters included) and the heads, tied tensors once. */
    public record ParameterReport(long trainable, long total) {
        public double percent() { return total == 0 ? 0 : 100.0 * trainable / total; }

        /** PEFT's print_trainable_parameters line. */
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f", trainable, total, percent());
        }
    }

    public static ParameterReport report(Module model, Module heads) {
        TrainableParameters counted = TrainableParameters.of(model, heads);
        return new ParameterReport(counted.trainable(), counted.total());
    }
}
