package dev.kiln.runtime.hf;

import dev.kiln.api.nn.ModelKinds.Activation;
import java.util.List;
import java.util.Map;

/**
 * Typed, read-only access to a Hugging Face {@code config.json}. transformers writes only the keys
 * that differ from a config class's defaults, so every getter takes the class's default; a
 * present key of the wrong type is an error naming the file and the key.
 */
public final class HfConfig {
    private final String file;
    private final Map<String, Object> values;

    public HfConfig(String file, Map<String, Object> values) {
        this.file = file;
        this.values = values;
    }

    public String file() { return file; }

    public Map<String, Object> values() { return values; }

    public boolean has(String key) { return values.get(key) != null; }

    /** Whether the key is written at all (a JSON null counts: "off", unlike an absent key, which means the class default). */
    public boolean present(String key) { return values.containsKey(key); }

    public int getInt(String key, int dflt) throws HfCheckpointException {
        Object v = values.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE)
            return n.intValue();
        throw error(key, "must be an integer, got " + v);
    }

    /** An integer key that must be positive. */
    public int positive(String key, int dflt) throws HfCheckpointException {
        int v = getInt(key, dflt);
        if (v <= 0) throw error(key, "must be positive, got " + v);
        return v;
    }

    public double getDouble(String key, double dflt) throws HfCheckpointException {
        Object v = values.get(key);
        if (v == null) return dflt;
        if (v instanceof Number n) return n.doubleValue();
        throw error(key, "must be a number, got " + v);
    }

    public boolean getBoolean(String key, boolean dflt) throws HfCheckpointException {
        Object v = values.get(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw error(key, "must be true or false, got " + v);
    }

    public String getString(String key, String dflt) throws HfCheckpointException {
        Object v = values.get(key);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        throw error(key, "must be a string, got " + v);
    }

    /** The names in {@code architectures}, or an empty list when the key is absent. */
    public List<String> architectures() throws HfCheckpointException {
        Object v = values.get("architectures");
        if (v == null) return List.of();
        if (!(v instanceof List<?> l) || !l.stream().allMatch(String.class::isInstance))
            throw error("architectures", "must be a list of class names, got " + v);
        return l.stream().map(String.class::cast).toList();
    }

    /** Fails when {@code key} is set to something other than {@code allowed} (a feature Kiln's backbone lacks). */
    public void require(String key, Object allowed, String why) throws HfCheckpointException {
        Object v = values.get(key);
        if (v == null || v.equals(allowed) || (v instanceof Number n && allowed instanceof Number a && n.doubleValue() == a.doubleValue()))
            return;
        throw error(key, "is " + v + "; only " + allowed + " is supported (" + why + ")");
    }

    public HfCheckpointException error(String key, String what) {
        return new HfCheckpointException(file + ": key '" + key + "' " + what);
    }

    /** Maps a transformers activation name (ACT2FN) onto Kiln's. */
    public Activation activation(String key, String dflt) throws HfCheckpointException {
        String act = getString(key, dflt);
        return switch (act) {
            case "gelu" -> Activation.GELU;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> Activation.GELU_TANH;
            case "relu" -> Activation.RELU;
            case "silu", "swish" -> Activation.SILU;
            default -> throw error(key, "is '" + act + "'; supported: gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish");
        };
    }

    /** Kiln's activation back to transformers' name. */
    static String hfActivation(Activation kiln, String tanhName) {
        return kiln == Activation.GELU_TANH ? tanhName : kiln.key();
    }
}
