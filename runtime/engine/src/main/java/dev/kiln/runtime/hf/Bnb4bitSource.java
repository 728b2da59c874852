package dev.kiln.runtime.hf;

import dev.kiln.api.io.DType;
import dev.kiln.api.io.SafetensorsException;
import dev.kiln.api.io.TensorInfo;
import dev.kiln.api.io.TensorSource;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint written with bitsandbytes' 4-bit layout ({@link Bnb4bit}) seen as a float one: each
 * quantized weight reads as its dequantized F32 values in its quant_state's shape, and the
 * side tensors (absmax, quant_map, nested_*, quant_state.*) are hidden. Closing it closes the source.
 */
final class Bnb4bitSource implements TensorSource {
    private final TensorSource source;
    private final Set<String> names = new LinkedHashSet<>();
    private final Map<String, TensorInfo> quantized = new LinkedHashMap<>();

    Bnb4bitSource(TensorSource source) throws IOException {
        this.source = source;
        Set<String> hidden = new LinkedHashSet<>();
        for (String n : source.names()) {
            if (Bnb4bit.stateKey(source, n) == null) continue;
            var q = Bnb4bit.load(source, n);
            long[] shape = new long[q.shape().length];
            for (int i = 0; i < shape.length; i++) shape[i] = q.shape()[i];
            quantized.put(n, new TensorInfo(n, DType.F32, shape, 0, 4 * q.size()));
            for (String suffix : new String[] {Bnb4bit.ABSMAX, Bnb4bit.QUANT_MAP, Bnb4bit.NESTED_ABSMAX, Bnb4bit.NESTED_QUANT_MAP})
                hidden.add(n + suffix);
            hidden.add(Bnb4bit.stateKey(source, n));
        }
        for (String n : source.names()) if (!hidden.contains(n)) names.add(n);
    }

    /** Whether {@code src} holds any bitsandbytes 4-bit weight. */
    static boolean applies(TensorSource src) {
        for (String n : src.names()) if (n.contains(Bnb4bit.QUANT_STATE)) return true;
        return false;
    }

    @Override public Set<String> names() { return names; }

    boolean isQuantized(String name) { return quantized.containsKey(name); }

    /**
     * A quantized weight read for a Conv1D place of shape [in, out] (GPT-2): Linear4bit keeps it
     * as [out, in], so the values come back transposed.
     */
    float[] asConv1d(String name, int[] conv1dShape) throws IOException {
        long[] s = quantized.get(name).shape();
        if (s.length != 2 || s[0] != conv1dShape[1] || s[1] != conv1dShape[0])
            throw new HfCheckpointException(name + ": 4-bit weight of shape " + java.util.Arrays.toString(s)
                    + " cannot fill a Conv1D of shape " + java.util.Arrays.toString(conv1dShape));
        int out = (int) s[0], in = (int) s[1];
        float[] w = floats(name), t = new float[w.length];
        for (int o = 0; o < out; o++) for (int i = 0; i < in; i++) t[i * out + o] = w[o * in + i];
        return t;
    }

    @Override
    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo q = quantized.get(name);
        return q != null ? q : source.info(name);
    }

    @Override public Map<String, String> metadata() { return source.metadata(); }

    @Override
    public float[] floats(String name) throws IOException {
        return quantized.containsKey(name) ? Bnb4bit.load(source, name).dequantize() : source.floats(name);
    }

    @Override
    public double[] doubles(String name) throws IOException {
        if (!quantized.containsKey(name)) return source.doubles(name);
        float[] f = floats(name);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    @Override public int[] ints(String name) throws IOException { return source.ints(name); }

    @Override public long[] longs(String name) throws IOException { return source.longs(name); }

    @Override
    public byte[] bytes(String name) throws IOException {
        if (quantized.containsKey(name)) throw new SafetensorsException(name + " is a bitsandbytes 4-bit weight; read it as floats");
        return source.bytes(name);
    }

    @Override public void close() throws IOException { source.close(); }
}
