package dev.kiln.objective.dae;

import dev.kiln.api.data.Example;

import java.util.List;
import java.util.Random;

/**
 * Where continuous-mode inputs come from: a JSONL field holding a list of equal-length number
 * lists ({@code "features": [[0.1, 0.2], [0.3, 0.4]]}, one vector per position), or generated
 * sequences: r = 3 smooth latent sinusoids per example (frequency and phase from the example's
 * index) mixed into F dims by a fixed random matrix, so the clean signal lies on a 3-dimensional
 * subspace and noise off that subspace can be removed.
 */
final class FeatureVectors {
    static final int LATENT = 3;

    private final String field;
    private final int dim, generatedLength;
    private final float[] mixing;        // [LATENT, F]

    /** field == null means generated sequences of {@code generatedLength} vectors. */
    FeatureVectors(String field, int dim, int generatedLength) {
        this.field = field;
        this.dim = dim;
        this.generatedLength = generatedLength;
        Random rng = new Random(0x5EEDL + dim);
        this.mixing = new float[LATENT * dim];
        for (int i = 0; i < mixing.length; i++) mixing[i] = (float) (rng.nextGaussian() / Math.sqrt(LATENT));
    }

    int dim() { return dim; }

    /** The example's vectors [n, F] flattened, at most {@code maxLen} of them. */
    float[] read(Example ex, long index, int maxLen) {
        return field == null ? generate(index, Math.min(maxLen, generatedLength)) : parse(ex, maxLen);
    }

    private float[] parse(Example ex, int maxLen) {
        Object v = ex.fields().get(field);
        if (!(v instanceof List<?> rows))
            throw new IllegalArgumentException(ex.source() + ": field '" + field + "' must be a list of " + dim + "-number lists, got "
                    + (v == null ? "nothing (has: " + ex.fields().keySet() + ")" : v.getClass().getSimpleName()));
        int n = Math.min(rows.size(), maxLen);
        float[] out = new float[n * dim];
        for (int t = 0; t < n; t++) {
            if (!(rows.get(t) instanceof List<?> row) || row.size() != dim)
                throw new IllegalArgumentException(ex.source() + ": '" + field + "'[" + t + "] must be a list of feature_dim = " + dim + " numbers");
            for (int f = 0; f < dim; f++) {
                if (!(row.get(f) instanceof Number num))
                    throw new IllegalArgumentException(ex.source() + ": '" + field + "'[" + t + "][" + f + "] is not a number: " + row.get(f));
                out[t * dim + f] = num.floatValue();
            }
        }
        return out;
    }

    private float[] generate(long index, int n) {
        Random rng = new Random(index * 7919 + 17);
        double[] freq = new double[LATENT], phase = new double[LATENT];
        for (int k = 0; k < LATENT; k++) {
            freq[k] = 0.15 + 0.5 * rng.nextDouble();
            phase[k] = 2 * Math.PI * rng.nextDouble();
        }
        float[] out = new float[n * dim];
        for (int t = 0; t < n; t++)
            for (int k = 0; k < LATENT; k++) {
                float z = (float) Math.sin(freq[k] * t + phase[k]);
                for (int f = 0; f < dim; f++) out[t * dim + f] += z * mixing[k * dim + f];
            }
        return out;
    }
}
