package dev.kiln.api.rl;

/**
 * Generalized advantage estimation (Schulman et al. 2016), per completion over its tokens in order:
 * δ_t = r_t + γ·V_{t+1} − V_t (V after the last token is 0), A_t = δ_t + γλ·A_{t+1}, returns
 * R_t = A_t + V_t (TRL's PPOTrainer). Host values, laid out [N·L] with a mask of completion tokens.
 */
public final class Gae {
    /** @param advantages [N·L] (0 off the mask) @param returns [N·L] */
    public record Result(float[] advantages, float[] returns) {}

    private Gae() {}

    public static Result compute(float[] rewards, float[] values, float[] mask, int n, double gamma, double lambda) {
        int l = mask.length / n;
        float[] adv = new float[mask.length], ret = new float[mask.length];
        int[] positions = new int[l];
        for (int i = 0; i < n; i++) {
            int count = 0;
            for (int t = 0; t < l; t++) if (mask[i * l + t] != 0) positions[count++] = i * l + t;
            double last = 0;
            for (int j = count - 1; j >= 0; j--) {
                int k = positions[j];
                double next = j + 1 < count ? values[positions[j + 1]] : 0;
                double delta = rewards[k] + gamma * next - values[k];
                last = delta + gamma * lambda * last;
                adv[k] = (float) last;
                ret[k] = (float) (last + values[k]);
            }
        }
        return new Result(adv, ret);
    }

    /**
     * Masked whitening (TRL's {@code masked_whiten}): (x − mean) / sqrt(var + 1e-8) over the masked
     * entries, unbiased variance; {@code shiftMean} false adds the mean back. Entries off the mask stay 0.
     * The mean and variance are the whole global batch's, every data-parallel worker's ({@link BatchMoments}).
     */
    public static float[] whiten(float[] x, float[] mask, boolean shiftMean) {
        int count = 0;
        for (float m : mask) if (m != 0) count++;
        double[] masked = new double[count];
        for (int k = 0, i = 0; k < x.length; k++) if (mask[k] != 0) masked[i++] = x[k];
        BatchMoments m = BatchMoments.of(masked);
        if (m.count() < 2) return x.clone();
        double mean = m.mean(), scale = 1 / Math.sqrt(m.variance() + 1e-8);
        float[] out = new float[x.length];
        for (int k = 0; k < x.length; k++)
            if (mask[k] != 0) out[k] = (float) ((x[k] - mean) * scale + (shiftMean ? 0 : mean));
        return out;
    }
}
