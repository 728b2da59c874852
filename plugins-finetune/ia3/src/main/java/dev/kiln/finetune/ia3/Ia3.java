package dev.kiln.finetune.ia3;

import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.SelfAttention;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Model-level IA3 operations, PEFT's {@code IA3Model} verbs: attach, merge / unmerge, and detach
 * (PEFT's merge_and_unload). Adapters live in their Linear as child {@code ia3_<adapter>}, so the
 * parameters are {@code <path>.ia3_<adapter>.ia3_l}. Several adapters may be attached; every
 * unmerged one runs, their scales multiplying (as PEFT's active adapters do).
 */
public final class Ia3 {
    static final String CHILD_PREFIX = "ia3_";

    private Ia3() {}

    /** Child name of an adapter inside its Linear. */
    public static String childName(String adapterName) { return CHILD_PREFIX + adapterName; }

    /** Every Linear the config targets, by module path (adapters excluded). */
    public static Map<String, Linear> targets(Module model, Ia3Config cfg) {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (var e : model.namedModules().entrySet())
            if (e.getValue() instanceof Linear l && cfg.targets(e.getKey())) out.put(e.getKey(), l);
        return out;
    }

    /** {@link #targets}, or an error naming target_modules and some of the model's Linear paths when nothing matches. */
    public static Map<String, Linear> requireTargets(Module model, Ia3Config cfg) {
        Map<String, Linear> targets = targets(model, cfg);
        if (targets.isEmpty()) {
            List<String> linears = new ArrayList<>();
            for (var e : model.namedModules().entrySet()) if (e.getValue() instanceof Linear) linears.add(e.getKey());
            throw new IllegalArgumentException("ia3: target_modules " + cfg.targetModules() + " match no Linear module; the model has "
                    + (linears.size() > 6 ? linears.subList(0, 6) + " ..." : linears));
        }
        return targets;
    }

    /**
     * Attaches one IA3 vector per targeted Linear (not frozen; the caller decides). A self-attention's
     * fused qkv gets key/value scaling with the query rows fixed at 1; feed-forward targets get input
     * scaling; every other target output scaling.
     */
    public static Map<String, Ia3Layer> attach(Transformer model, Ia3Config cfg) {
        if (adapterNames(model).contains(cfg.adapterName()))
            throw new IllegalStateException("ia3: the model already has an adapter named '" + cfg.adapterName() + "'");
        Map<String, Linear> targets = requireTargets(model, cfg);
        Set<Linear> fusedQkv = fusedQkvLayers(model);
        TransformerConfig mc = model.config();
        int queryRows = mc.heads() * mc.headDim(), kvRows = mc.kvHeads() * mc.headDim();
        Map<String, Ia3Layer> out = new LinkedHashMap<>();
        for (var e : targets.entrySet()) {
            Linear linear = e.getValue();
            boolean feedforward = cfg.feedforward(e.getKey());
            int fixedRows = 0;
            if (!feedforward && fusedQkv.contains(linear)) {
                if (linear.outFeatures() != queryRows + 2 * kvRows)
                    throw new IllegalStateException("ia3: " + e.getKey() + " has " + linear.outFeatures() + " outputs, expected (Hq + 2·Hkv)·D = "
                            + (queryRows + 2 * kvRows));
                fixedRows = queryRows;
            }
            long seed = 0x1A3L ^ ((long) e.getKey().hashCode() << 20) ^ cfg.adapterName().hashCode();
            Ia3Layer layer = new Ia3Layer(linear, e.getKey(), cfg.adapterName(), feedforward, fixedRows, cfg.initIa3Weights(), seed);
            linear.addAdapter(childName(cfg.adapterName()), layer);
            out.put(e.getKey(), layer);
        }
        return out;
    }

    /** The {@code qkv} projection of every self-attention layer. */
    static Set<Linear> fusedQkvLayers(Module model) {
        Set<Linear> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Module m : model.namedModules().values())
            if (m instanceof SelfAttention sa && sa.children().get("qkv") instanceof Linear qkv) out.add(qkv);
        return out;
    }

    /** Every IA3 layer of one adapter by its Linear's path. */
    public static Map<String, Ia3Layer> layers(Module model, String adapterName) {
        Map<String, Ia3Layer> out = new LinkedHashMap<>();
        for (var e : model.namedModules().entrySet())
            if (e.getValue() instanceof Linear l)
                for (Linear.LinearAdapter a : l.adapters())
                    if (a instanceof Ia3Layer ia3 && ia3.adapterName().equals(adapterName)) out.put(e.getKey(), ia3);
        return out;
    }

    public static Set<String> adapterNames(Module model) {
        Set<String> out = new LinkedHashSet<>();
        for (Module m : model.namedModules().values())
            if (m instanceof Linear l)
                for (Linear.LinearAdapter a : l.adapters()) if (a instanceof Ia3Layer ia3) out.add(ia3.adapterName());
        return out;
    }

    /** Folds adapter {@code name}'s scales into the base weights; it then no longer runs separately. */
    public static void merge(Module model, String name) {
        Map<String, Ia3Layer> layers = require(model, name);
        for (Ia3Layer l : layers.values()) if (l.merged()) throw new IllegalStateException("ia3: adapter '" + name + "' is already merged into " + l.path());
        for (Ia3Layer l : layers.values()) l.merge();
    }

    /** Divides a merged adapter's scales back out of the base weights and runs it separately again. */
    public static void unmerge(Module model, String name) {
        Map<String, Ia3Layer> layers = require(model, name);
        for (Ia3Layer l : layers.values()) l.checkUnmergeable();          // all or nothing
        for (Ia3Layer l : layers.values()) l.unmerge();
    }

    /** PEFT's merge_and_unload for one adapter: merge (unless merged already), then remove it from every Linear. */
    public static void mergeAndDetach(Module model, String name) {
        Map<String, Ia3Layer> layers = require(model, name);
        for (Ia3Layer l : layers.values()) if (!l.merged()) l.merge();
        for (Ia3Layer l : layers.values()) l.base().removeAdapter(childName(name));
    }

    private static Map<String, Ia3Layer> require(Module model, String name) {
        Map<String, Ia3Layer> layers = layers(model, name);
        if (layers.isEmpty()) throw new IllegalArgumentException("ia3: no adapter '" + name + "' (adapters: " + adapterNames(model) + ")");
        return layers;
    }
}
