package dev.kiln.runtime.hf;

import dev.kiln.api.io.SafetensorsException;
import dev.kiln.api.io.TensorInfo;
import dev.kiln.api.io.TensorSource;

import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** A view of a tensor source that hides some names (a task head read apart from the base model); closing it closes nothing. */
final class TensorSourceWithout implements TensorSource {
    private final TensorSource source;
    private final Set<String> names;

    TensorSourceWithout(TensorSource source, Set<String> hidden) {
        this.source = source;
        this.names = new LinkedHashSet<>(source.names());
        this.names.removeAll(hidden);
    }

    @Override public Set<String> names() { return names; }

    @Override public TensorInfo info(String name) throws SafetensorsException { return source.info(name); }

    @Override public Map<String, String> metadata() { return source.metadata(); }

    @Override public float[] floats(String name) throws IOException { return source.floats(name); }

    @Override public double[] doubles(String name) throws IOException { return source.doubles(name); }

    @Override public int[] ints(String name) throws IOException { return source.ints(name); }

    @Override public long[] longs(String name) throws IOException { return source.longs(name); }

    @Override public byte[] bytes(String name) throws IOException { return source.bytes(name); }

    @Override public void close() {}
}
