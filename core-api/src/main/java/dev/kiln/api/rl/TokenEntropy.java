package dev.kiln.api.rl;

/** The mean entropy of the next-token distributions at the masked positions (TRL's {@code entropy} metric), host values. */
public final class TokenEntropy {
    private TokenEntropy() {}

    /**
     * @param logits [N·L·V] next-token logits (already divided by the temperature), row-major
     * @param mask   [N·L] 1 where position t predicts a completion token
     */
    public static double mean(float[] logits, float[] mask, int v) {
        double total = 0;
        long count = 0;
        for (int k = 0; k < mask.length; k++) {
            if (mask[k] == 0) continue;
            int at = k * v;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, logits[at + j]);
            double z = 0, weighted = 0;
            for (int j = 0; j < v; j++) {
                double e = Math.exp(logits[at + j] - max);
                z += e;
                weighted += e * (logits[at + j] - max);
            }
            total += Math.log(z) - weighted / z;          // H = log Z − E[x − max]
            count++;
        }
        return count == 0 ? 0 : total / count;
    }
}
