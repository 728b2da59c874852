package dev.kiln.api.backend;

/**
 * Reference scaled-dot-product attention of {@link NaiveBackend}. Layouts are those of
 * {@link AttentionSpec}: q/k/v token-major with row strides, out [B,tq,Hq,D], probs [B,Hq,tq,tk].
 */
final class NaiveAttention {
    private NaiveAttention() {}

    /** Whether query i of batch item b may attend to key j (causal, sliding window, key mask, segments). */
    static boolean visible(AttentionSpec s, int b, int i, int j, int[] keyMask, int[] segments) {
        int qPos = i + (s.tk() - s.tq());
        if (s.causal() && j > qPos) return false;
        if (s.window() > 0 && j <= qPos - s.window()) return false;
        if (keyMask != null && keyMask[b * s.tk() + j] == 0) return false;
        return segments == null || segments[b * s.tk() + j] == segments[b * s.tk() + qPos];
    }

    // q: [B,tq,Hq,D] strided; k, v: [B,tk,Hkv,D] strided; out: [B,tq,Hq,D]; probs: [B,Hq,tq,tk]
    static void forward(AttentionSpec s, float[] q, float[] k, float[] v, int[] keyMask, int[] segments,
                        float[] out, float[] probs) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), hq = s.qHeads();
        double[] scores = new double[tk];
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < hq; h++) {
                int kvh = h / s.group();
                for (int i = 0; i < tq; i++) {
                    int qo = s.qOffset() + (b * tq + i) * s.qRowStride() + h * d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        if (!visible(s, b, i, j, keyMask, segments)) {
                            scores[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        int ko = s.kOffset() + (b * tk + j) * s.kRowStride() + kvh * d;
                        double dot = 0;
                        for (int e = 0; e < d; e++) dot += (double) q[qo + e] * k[ko + e];
                        scores[j] = dot * s.scale();
                        max = Math.max(max, scores[j]);
                    }
                    int po = ((b * hq + h) * tq + i) * tk;
                    int oo = ((b * tq + i) * hq + h) * d;
                    double sum = 0;
                    for (int j = 0; j < tk; j++) sum += max == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[j] - max);
                    for (int j = 0; j < tk; j++) {
                        probs[po + j] = sum == 0 ? 0f : (float) (Math.exp(scores[j] - max) / sum);
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j < tk; j++) {
                            acc += (double) probs[po + j] * v[s.vOffset() + (b * tk + j) * s.vRowStride() + kvh * d + e];
                        }
                        out[oo + e] = (float) acc;
                    }
                }
            }
        }
    }

    // probs: [B,Hq,tq,tk]; gOut: [B,tq,Hq,D]; gq, gk, gv laid out as q, k, v
    static void backward(AttentionSpec s, float[] q, float[] k, float[] v, float[] probs, float[] gOut,
                         float[] gq, float[] gk, float[] gv) {
        int tq = s.tq(), tk = s.tk(), d = s.headDim(), hq = s.qHeads();
        double[] dScores = new double[tk];
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < hq; h++) {
                int kvh = h / s.group();
                for (int i = 0; i < tq; i++) {
                    int qo = s.qOffset() + (b * tq + i) * s.qRowStride() + h * d;
                    int go = ((b * tq + i) * hq + h) * d;
                    int po = ((b * hq + h) * tq + i) * tk;
                    double rowDot = 0;
                    for (int j = 0; j < tk; j++) {
                        int vo = s.vOffset() + (b * tk + j) * s.vRowStride() + kvh * d;
                        double dp = 0;
                        for (int e = 0; e < d; e++) dp += (double) gOut[go + e] * v[vo + e];
                        dScores[j] = dp;
                        rowDot += dp * probs[po + j];
                    }
                    for (int j = 0; j < tk; j++) {
                        double p = probs[po + j];
                        double ds = p * (dScores[j] - rowDot) * s.scale();
                        int ko = s.kOffset() + (b * tk + j) * s.kRowStride() + kvh * d;
                        int vo = s.vOffset() + (b * tk + j) * s.vRowStride() + kvh * d;
                        for (int e = 0; e < d; e++) {
                            gq[qo + e] += (float) (ds * k[ko + e]);
                            gk[ko + e] += (float) (ds * q[qo + e]);
                            gv[vo + e] += (float) (p * gOut[go + e]);
                        }
                    }
                }
            }
        }
    }
}
