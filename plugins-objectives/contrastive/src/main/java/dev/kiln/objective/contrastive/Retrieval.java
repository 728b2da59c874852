package dev.kiln.objective.contrastive;

/**
 * In-batch retrieval on the host: for each anchor, is its own positive the most similar of all
 * candidates (the batch's positives, then its hard negatives)? Similarity is cosine, or minus the
 * euclidean distance when that is the loss's distance.
 */
final class Retrieval {
    private Retrieval() {}

    /** emb: [K·B, C] flattened, anchors in rows [0, B), candidates in rows [B, K·B). Returns correct anchors. */
    static int correct(float[] emb, int b, int k, int c, boolean euclidean) {
        int hits = 0;
        for (int i = 0; i < b; i++) {
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int j = b; j < k * b; j++) {
                double s = euclidean ? -distance(emb, i, j, c) : cosine(emb, i, j, c);
                if (s > bestScore) { bestScore = s; best = j; }
            }
            if (best == b + i) hits++;
        }
        return hits;
    }

    static double cosine(float[] e, int i, int j, int c) {
        double dot = 0, ni = 0, nj = 0;
        for (int x = 0; x < c; x++) {
            dot += e[i * c + x] * (double) e[j * c + x];
            ni += e[i * c + x] * (double) e[i * c + x];
            nj += e[j * c + x] * (double) e[j * c + x];
        }
        return dot / Math.sqrt(ni * nj + 1e-16);
    }

    static double distance(float[] e, int i, int j, int c) {
        double s = 0;
        for (int x = 0; x < c; x++) { double d = e[i * c + x] - e[j * c + x]; s += d * d; }
        return Math.sqrt(s);
    }
}
