package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Named parameters seen as one logical flat vector: parameter i occupies [offset(i), offset(i) + size).
 * Each parameter keeps its own storage (and its gradient its own), so this is an index, not a copy:
 * a data-parallel trainer gathers gradients into one buffer, all-reduces it and scatters it back.
 */
public final class ParameterVector {
    private final List<String> names;
    private final List<Tensor> tensors;
    private final int[] offsets;
    private final int size;

    public ParameterVector(Map<String, Tensor> parameters) {
        this.names = List.copyOf(parameters.keySet());
        this.tensors = List.copyOf(parameters.values());
        this.offsets = new int[tensors.size() + 1];
        long n = 0;
        for (int i = 0; i < tensors.size(); i++) {
            offsets[i] = (int) n;
            n += tensors.get(i).size();
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("parameters exceed one flat vector: " + n + " values");
        }
        offsets[tensors.size()] = (int) n;
        this.size = (int) n;
    }

    /** Total number of values. */
    public int size() { return size; }

    public List<String> names() { return Collections.unmodifiableList(names); }

    /** Where a parameter starts in the logical vector. */
    public int offset(String name) {
        int i = names.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no parameter '" + name + "' (has " + names.size() + ")");
        return offsets[i];
    }

    /** Offsets of every parameter by name, in order. */
    public Map<String, Integer> layout() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(names.get(i), offsets[i]);
        return m;
    }

    /** All values, concatenated in order (a host copy). */
    public float[] values() {
        float[] out = new float[size];
        for (int i = 0; i < tensors.size(); i++) System.arraycopy(tensors.get(i).toArray(), 0, out, offsets[i], tensors.get(i).size());
        return out;
    }

    /** All gradients, concatenated (zeros where a parameter has none yet). */
    public float[] gradients() {
        float[] out = new float[size];
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t.hasGrad()) System.arraycopy(t.backend().download(t.gradForAccumulation()), 0, out, offsets[i], t.size());
        }
        return out;
    }

    /** Overwrites every parameter from a flat vector. */
    public void setValues(float[] flat) {
        check(flat);
        for (int i = 0; i < tensors.size(); i++) tensors.get(i).copyFrom(slice(flat, i));
    }

    /** Overwrites every gradient from a flat vector (e.g. after an all-reduce). */
    public void setGradients(float[] flat) {
        check(flat);
        List<Tensor> ts = new ArrayList<>(tensors);
        for (int i = 0; i < ts.size(); i++) {
            Backend be = ts.get(i).backend();
            be.copy(be.upload(slice(flat, i)), 0, ts.get(i).gradForAccumulation(), 0, ts.get(i).size());
        }
    }

    private float[] slice(float[] flat, int i) {
        return java.util.Arrays.copyOfRange(flat, offsets[i], offsets[i + 1]);
    }

    private void check(float[] flat) {
        if (flat.length != size) throw new IllegalArgumentException("flat vector has " + flat.length + " values, parameters have " + size);
    }
}
