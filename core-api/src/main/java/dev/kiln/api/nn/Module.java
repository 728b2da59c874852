package dev.kiln.api.nn;

import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tree of named parameters and child modules (PyTorch's nn.Module, minus the magic). Full
 * parameter names are dotted paths: {@code blocks.0.attn.qkv.weight}.
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable parameter under a local name. */
    protected Tensor register(String name, Tensor parameter) {
        if (params.containsKey(name) || children.containsKey(name))
            throw new IllegalStateException("duplicate name '" + name + "' in " + getClass().getSimpleName());
        parameter.requiresGrad(true);
        params.put(name, parameter);
        return parameter;
    }

    /** Registers a child module under a local name. */
    protected <M extends Module> M register(String name, M child) {
        if (params.containsKey(name) || children.containsKey(name))
            throw new IllegalStateException("duplicate name '" + name + "' in " + getClass().getSimpleName());
        children.put(name, child);
        return child;
    }

    /** Removes a registered child (detaching an adapter); returns it. */
    protected Module unregister(String name) {
        Module m = children.remove(name);
        if (m == null) throw new IllegalArgumentException("no child '" + name + "' in " + getClass().getSimpleName());
        return m;
    }

    /** Removes a registered parameter (a weight stored another way, e.g. quantized); returns it. */
    protected Tensor unregisterParameter(String name) {
        Tensor t = params.remove(name);
        if (t == null) throw new IllegalArgumentException("no parameter '" + name + "' in " + getClass().getSimpleName());
        return t;
    }

    /** Replaces a registered child (adapters wrap layers this way). */
    public <M extends Module> M replaceChild(String name, M child) {
        if (!children.containsKey(name)) throw new IllegalArgumentException("no child '" + name + "' in " + getClass().getSimpleName());
        children.put(name, child);
        return child;
    }

    /** Local parameters (not children's). */
    public Map<String, Tensor> localParameters() {
        return Collections.unmodifiableMap(params);
    }

    public Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter by full dotted name, depth-first in registration order; a shared (tied) tensor appears once. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        for (var e : params.entrySet()) if (seen.add(e.getValue())) out.put(prefix + e.getKey(), e.getValue());
        for (var e : children.entrySet()) e.getValue().collect(prefix + e.getKey() + ".", out, seen);
    }

    /** Every module by full dotted name ("" for this one). */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        out.put("", this);
        for (var e : children.entrySet())
            for (var m : e.getValue().namedModules().entrySet())
                out.put(m.getKey().isEmpty() ? e.getKey() : e.getKey() + "." + m.getKey(), m.getValue());
        return out;
    }

    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Total number of scalar parameters (tied tensors counted once). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) n += t.size();
        return n;
    }

    public long trainableParameterCount() {
        long n = 0;
        for (Tensor t : namedParameters().values()) if (t.requiresGrad()) n += t.size();
        return n;
    }

    /** Training mode turns dropout on; recursive. */
    public void train(boolean on) {
        training = on;
        for (Module c : children.values()) c.train(on);
    }

    public boolean isTraining() {
        return training;
    }
}
