package dev.kiln.backend.cpu;

import dev.kiln.api.backend.NaiveBackend;

/** Rotary embedding, parallel over positions; each position's cos / sin row is computed once (of the float32 angle). */
final class RopeKernel {
    private final Parallel par;

    RopeKernel(Parallel par) {
        this.par = par;
    }

    // x, y: [batch, seq, heads, headDim]; pairs (i, i + headDim/2); invFreq: [headDim/2]
    void rope(float[] x, float[] y, int batch, int seq, int heads, int headDim, int posOffset, float[] invFreq, boolean inverse) {
        NaiveBackend.checkRope(headDim, invFreq);
        int half = headDim / 2;
        par.range(seq, Math.max(1, 4096 / Math.max(1, batch * heads * headDim)), (t0, t1) -> {
            float[] cos = new float[half], sin = new float[half];
            for (int t = t0; t < t1; t++) {
                for (int i = 0; i < half; i++) {
                    float angle = (float) (posOffset + t) * invFreq[i];
                    cos[i] = (float) Math.cos(angle);
                    sin[i] = (float) (inverse ? -Math.sin(angle) : Math.sin(angle));
                }
                for (int b = 0; b < batch; b++) {
                    for (int h = 0; h < heads; h++) {
                        int base = ((b * seq + t) * heads + h) * headDim;
                        for (int i = 0; i < half; i++) {
                            float x1 = x[base + i], x2 = x[base + i + half];
                            y[base + i] = x1 * cos[i] - x2 * sin[i];
                            y[base + i + half] = x1 * sin[i] + x2 * cos[i];
                        }
                    }
                }
            }
        });
    }
}
