package dev.kiln.api.rl;

/** Each completion's summed per-token log-ratio Σ_t (logp − ref) (the k1 estimate of KL(π ‖ π_ref)), RLOO's reward penalty. */
public final class SequenceKl {
    private SequenceKl() {}

    /**
     * @param logps [N·L] the policy's per-token log-probabilities (host)
     * @param ref   [N·L] the reference's
     * @param mask  [N·L] 1 on completion tokens
     * @return [N]
     */
    public static double[] sums(float[] logps, float[] ref, float[] mask, int n) {
        int l = mask.length / n;
        double[] out = new double[n];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < l; t++) if (mask[i * l + t] != 0) out[i] += logps[i * l + t] - ref[i * l + t];
        return out;
    }
}
