package dev.kiln.api.nn;

import java.util.Locale;

/**
 * How rotary frequencies are stretched for contexts beyond the pretraining length, as Hugging
 * Face's {@code rope_scaling} defines it ({@code modeling_rope_utils.py}): {@code linear}
 * (positions divided by {@code factor}), {@code dynamic} (NTK: the base grows once the sequence
 * exceeds {@code originalMaxPositions}) and {@code llama3} (per-frequency interpolation between
 * {@code lowFreqFactor} and {@code highFreqFactor}).
 */
public record RopeScaling(Kind kind, float factor, float lowFreqFactor, float highFreqFactor, int originalMaxPositions) {

    public enum Kind {
        NONE, LINEAR, DYNAMIC, LLAMA3;

        public String key() { return name().toLowerCase(Locale.ROOT); }

        public static Kind parse(String s) {
            for (Kind k : values()) if (k.key().equals(s)) return k;
            throw new IllegalArgumentException("rope_scaling type must be one of none, linear, dynamic, llama3, got '" + s + "'");
        }
    }

    public static final RopeScaling NONE = new RopeScaling(Kind.NONE, 1f, 1f, 4f, 0);

    public RopeScaling {
        if (kind == null) throw new IllegalArgumentException("rope_scaling: type is missing");
        if (kind != Kind.NONE && !(factor >= 1f))
            throw new IllegalArgumentException("rope_scaling: factor must be >= 1, got " + factor);
        if (kind == Kind.LLAMA3 && !(highFreqFactor > lowFreqFactor && lowFreqFactor > 0))
            throw new IllegalArgumentException("rope_scaling: llama3 needs 0 < low_freq_factor < high_freq_factor, got "
                    + lowFreqFactor + ", " + highFreqFactor);
        if ((kind == Kind.LLAMA3 || kind == Kind.DYNAMIC) && originalMaxPositions <= 0)
            throw new IllegalArgumentException("rope_scaling: " + kind.key() + " needs original_max_position_embeddings > 0");
    }

    public static RopeScaling linear(float factor) { return new RopeScaling(Kind.LINEAR, factor, 1f, 4f, 0); }

    public static RopeScaling dynamic(float factor, int originalMaxPositions) {
        return new RopeScaling(Kind.DYNAMIC, factor, 1f, 4f, originalMaxPositions);
    }

    public static RopeScaling llama3(float factor, float low, float high, int originalMaxPositions) {
        return new RopeScaling(Kind.LLAMA3, factor, low, high, originalMaxPositions);
    }
}
