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

    /**
     * The rotary inverse frequencies float[headDim / 2] for a sequence whose largest position is
     * seqLen − 1, in float32 the way Hugging Face's {@code modeling_rope_utils.py} computes them:
     * default {@code 1 / theta^(float(2i) / headDim)}; linear divides by factor; dynamic (NTK) uses
     * base {@code theta · ((factor·L / orig) − (factor − 1))^(d / (d − 2))} when L = seqLen exceeds
     * orig, else the default; llama3 keeps the high frequencies (wavelength 2π / f below
     * orig / high_freq_factor), divides the low ones (above orig / low_freq_factor) by factor and
     * interpolates in between. Only dynamic depends on seqLen. (HF's dynamic rotary is stateful: it
     * keeps the largest L seen until L falls back below orig; here L is always the current one,
     * which is the same for one sequence decoded left to right.)
     */
    public float[] inverseFrequencies(int headDim, float theta, int seqLen) {
        if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("rotary head dim must be even and positive, got " + headDim);
        if (!(theta > 0)) throw new IllegalArgumentException("rope_theta must be > 0, got " + theta);
        return switch (kind) {
            case NONE -> defaults(headDim, theta);
            case LINEAR -> {
                float[] f = defaults(headDim, theta);
                for (int i = 0; i < f.length; i++) f[i] = f[i] / factor;
                yield f;
            }
            case DYNAMIC -> {
                if (seqLen <= originalMaxPositions) yield defaults(headDim, theta);
                double base = theta * Math.pow((double) factor * seqLen / originalMaxPositions - (factor - 1.0),
                        headDim / (headDim - 2.0));
                yield defaults(headDim, (float) base);
            }
            case LLAMA3 -> llama3(defaults(headDim, theta));
        };
    }

    /** 1 / theta^(float(2i) / d) with every step rounded to float32, as torch computes it. */
    private static float[] defaults(int headDim, float theta) {
        float[] f = new float[headDim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / (float) headDim;
            f[i] = 1f / (float) Math.pow(theta, exponent);
        }
        return f;
    }

    // float32 steps in the order of HF's _compute_llama3_parameters
    private float[] llama3(float[] f) {
        float lowWavelen = (float) ((double) originalMaxPositions / lowFreqFactor);
        float highWavelen = (float) ((double) originalMaxPositions / highFreqFactor);
        float twoPi = (float) (2 * Math.PI), span = (float) ((double) highFreqFactor - lowFreqFactor);
        for (int i = 0; i < f.length; i++) {
            float wavelen = twoPi / f[i];
            if (wavelen < highWavelen) continue;
            if (wavelen > lowWavelen) {
                f[i] = f[i] / factor;
                continue;
            }
            float smooth = ((float) originalMaxPositions / wavelen - lowFreqFactor) / span;
            f[i] = (1f - smooth) * f[i] / factor + smooth * f[i];
        }
        return f;
    }

    public static RopeScaling linear(float factor) { return new RopeScaling(Kind.LINEAR, factor, 1f, 4f, 0); }

    public static RopeScaling dynamic(float factor, int originalMaxPositions) {
        return new RopeScaling(Kind.DYNAMIC, factor, 1f, 4f, originalMaxPositions);
    }

    public static RopeScaling llama3(float factor, float low, float high, int originalMaxPositions) {
        return new RopeScaling(Kind.LLAMA3, factor, low, high, originalMaxPositions);
    }
}
