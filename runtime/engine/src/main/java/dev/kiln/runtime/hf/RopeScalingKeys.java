package dev.kiln.runtime.hf;

import dev.kiln.api.nn.RopeScaling;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * config.json's {@code rope_scaling} ↔ {@link RopeScaling}, as transformers' {@code modeling_rope_utils.py}
 * reads it: the type from {@code rope_type}, else the legacy {@code type}; {@code default} (or null)
 * is plain rotary; {@code linear}, {@code dynamic} and {@code llama3} are supported; anything else
 * (yarn, longrope, ...) is refused naming the key and the value.
 *
 * <p>transformers 5 writes both under {@code rope_parameters} ({@code rope_theta} included); that key
 * is read first, and a per-layer-type dictionary is refused. Kiln writes the 4.x keys, which 5 reads too.
 *
 * <p>{@code dynamic} (NTK) grows the base once a sequence exceeds {@code max_position_embeddings}
 * (transformers' {@code _compute_dynamic_ntk_parameters} uses that key, not an original length).
 */
final class RopeScalingKeys {
    static final String KEY = "rope_scaling", PARAMETERS = "rope_parameters";

    private RopeScalingKeys() {}

    /** {@code rope_parameters.rope_theta}, else {@code rope_theta}, else 10000. */
    static float theta(HfConfig c) throws HfCheckpointException {
        Map<String, Object> p = parameters(c);
        if (p != null && p.get("rope_theta") != null) return (float) new HfConfig(c.file() + " (" + PARAMETERS + ")", p).getDouble("rope_theta", 0);
        return (float) c.getDouble("rope_theta", 10000.0);
    }

    static RopeScaling read(HfConfig c, int maxPositions) throws HfCheckpointException {
        Map<String, Object> params = parameters(c);
        String key = params != null ? PARAMETERS : KEY;
        Object v = params != null ? params : c.values().get(KEY);
        if (v == null) return RopeScaling.NONE;
        if (!(v instanceof Map<?, ?> raw)) throw c.error(key, "must be an object or null, got " + v);
        @SuppressWarnings("unchecked")
        HfConfig s = new HfConfig(c.file() + " (" + key + ")", (Map<String, Object>) raw);
        String type = s.getString("rope_type", s.getString("type", null));
        if (type == null) {
            if (params != null) return RopeScaling.NONE;                                    // only rope_theta
            throw c.error(KEY, "has neither 'rope_type' nor 'type'");
        }
        try {
            return switch (type) {
                case "default" -> RopeScaling.NONE;
                case "linear" -> RopeScaling.linear(factor(c, s));
                case "dynamic" -> RopeScaling.dynamic(factor(c, s), maxPositions);
                case "llama3" -> RopeScaling.llama3(factor(c, s), (float) number(c, s, "low_freq_factor"),
                        (float) number(c, s, "high_freq_factor"), s.positive("original_max_position_embeddings", 0));
                default -> throw c.error(key, "has rope_type '" + type + "'; supported: default, linear, dynamic, llama3");
            };
        } catch (IllegalArgumentException e) {
            throw c.error(key, "is " + v + ": " + e.getMessage());
        }
    }

    /** transformers 5's {@code rope_parameters} for every layer alike, or null when absent. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> parameters(HfConfig c) throws HfCheckpointException {
        Object v = c.values().get(PARAMETERS);
        if (v == null) return null;
        if (!(v instanceof Map<?, ?> m)) throw c.error(PARAMETERS, "must be an object, got " + v);
        if (m.values().stream().anyMatch(x -> x instanceof Map<?, ?>))
            throw c.error(PARAMETERS, "gives parameters per layer type " + m.keySet() + "; Kiln's backbone has one rotary setting for every layer");
        return (Map<String, Object>) m;
    }

    /** The {@code rope_scaling} value for {@code r} (null for plain rotary); both type keys, as transformers writes them. */
    static Map<String, Object> write(RopeScaling r) {
        if (r.kind() == RopeScaling.Kind.NONE) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rope_type", r.kind().key());
        m.put("type", r.kind().key());
        m.put("factor", r.factor());
        if (r.kind() == RopeScaling.Kind.LLAMA3) {
            m.put("low_freq_factor", r.lowFreqFactor());
            m.put("high_freq_factor", r.highFreqFactor());
            m.put("original_max_position_embeddings", r.originalMaxPositions());
        }
        return m;
    }

    /** What {@link #write} cannot express: a dynamic scaling whose original length is not max_position_embeddings. */
    static boolean expressible(RopeScaling r, int maxSeq) {
        return r.kind() != RopeScaling.Kind.DYNAMIC || r.originalMaxPositions() == maxSeq;
    }

    private static float factor(HfConfig c, HfConfig s) throws HfCheckpointException {
        return (float) number(c, s, "factor");
    }

    private static double number(HfConfig c, HfConfig s, String key) throws HfCheckpointException {
        if (!s.has(key))
            throw c.error(c.has(PARAMETERS) ? PARAMETERS : KEY, "needs '" + key + "' for rope_type " + s.getString("rope_type", s.getString("type", "")));
        return s.getDouble(key, 0);
    }
}
