package dev.kiln.finetune.ia3;

import dev.kiln.api.nn.Linear;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.Tensor;

import java.util.List;
import java.util.Random;

/**
 * One IA3 vector on one {@link Linear}, registered in it as child {@code ia3_<adapter>} with the
 * parameter {@code ia3_l}. Three shapes of scaling:
 * <ul>
 *   <li>feed-forward (PEFT's {@code is_feedforward}): the input is scaled, x ⊙ l with l: [in];</li>
 *   <li>output: y ⊙ l with l: [out] (bias included, as PEFT does);</li>
 *   <li>fused attention qkv: only the key and value rows of the output are scaled. The first
 *       {@code fixedRows} = Hq·D rows (queries) keep a constant scale 1 that does not train, so
 *       l: [out − fixedRows] = [2·Hkv·D], keys then values.</li>
 * </ul>
 * It runs while not merged into the base weight.
 */
public final class Ia3Layer extends Linear.LinearAdapter {
    private final Linear base;
    private final String path, adapterName;
    private final boolean feedforward;
    private final int fixedRows;
    private final Tensor l, ones;
    private boolean merged;

    /**
     * @param fixedRows leading output rows whose scale stays 1 (Hq·D for a fused qkv, else 0); feed-forward layers need 0
     * @param seed      for {@code initOnes == false}: scales drawn uniformly from [0.5, 1.5]
     */
    Ia3Layer(Linear base, String path, String adapterName, boolean feedforward, int fixedRows, boolean initOnes, long seed) {
        if (fixedRows < 0 || fixedRows >= base.outFeatures() || (feedforward && fixedRows != 0))
            throw new IllegalArgumentException("ia3: bad fixed rows " + fixedRows + " for " + path + " (out " + base.outFeatures() + ")");
        this.base = base;
        this.path = path;
        this.adapterName = adapterName;
        this.feedforward = feedforward;
        this.fixedRows = fixedRows;
        int n = feedforward ? base.inFeatures() : base.outFeatures() - fixedRows;
        float[] init = new float[n];
        Random rng = new Random(seed);
        for (int i = 0; i < n; i++) init[i] = initOnes ? 1f : 0.5f + rng.nextFloat();
        var be = base.weight().backend();
        this.l = register("ia3_l", Tensor.of(be, init, n));
        this.ones = fixedRows == 0 ? null : Tensor.full(be, 1f, fixedRows).requiresGrad(false);
    }

    /** x: [..., in] → x ⊙ l for a feed-forward layer, else x unchanged. */
    @Override
    public Tensor transformInput(Tensor x) { return feedforward ? Arithmetic.mul(x, l) : x; }

    /** y: [..., out] → y ⊙ [1…1, l] for an output-scaled layer, else y unchanged. */
    @Override
    public Tensor apply(Tensor x, Tensor y) {
        if (feedforward) return y;
        return Arithmetic.mul(y, ones == null ? l : Shapes.concat(0, List.of(ones, l)));   // [out]
    }

    @Override
    public boolean active() { return !merged; }

    /** The trainable scales: [in] (feed-forward), [out] (output) or [2·Hkv·D] (fused qkv: keys then values). */
    public Tensor ia3L() { return l; }

    public Linear base() { return base; }

    /** The Linear's module path, e.g. {@code blocks.0.attn.qkv}. */
    public String path() { return path; }

    public String adapterName() { return adapterName; }

    public boolean feedforward() { return feedforward; }

    /** Leading output rows left unscaled (Hq·D on a fused qkv, else 0). */
    public int fixedRows() { return fixedRows; }

    public boolean merged() { return merged; }

    /**
     * PEFT's full-width vector for this layer: [in] for feed-forward, else [out] with the fixed
     * query rows as 1 (what PEFT's {@code ia3_l} would hold for the whole fused projection).
     */
    public float[] fullScale() {
        float[] v = l.toArray();
        if (fixedRows == 0) return v;
        float[] out = new float[fixedRows + v.length];
        java.util.Arrays.fill(out, 0, fixedRows, 1f);
        System.arraycopy(v, 0, out, fixedRows, v.length);
        return out;
    }

    /** Folds the scales into the base: input scaling W[:, i] ×= l[i]; output scaling W[o, :] ×= l[o] and b[o] ×= l[o]. */
    void merge() {
        if (merged) throw new IllegalStateException("ia3: adapter '" + adapterName + "' is already merged into " + path);
        rescale(false);
        merged = true;
    }

    /** Divides the scales back out of the base weights; refuses when a scale is 0 (the base weights are lost then). */
    void unmerge() {
        checkUnmergeable();
        rescale(true);
        merged = false;
    }

    /** An error unless {@link #unmerge()} can run: merged, and no scale is 0. */
    void checkUnmergeable() {
        if (!merged) throw new IllegalStateException("ia3: adapter '" + adapterName + "' is not merged into " + path);
        float[] v = l.toArray();
        for (int i = 0; i < v.length; i++)
            if (v[i] == 0f)
                throw new IllegalStateException("ia3: cannot unmerge adapter '" + adapterName + "' from " + path + ": scale ia3_l[" + i
                        + "] is 0, so the base weights it multiplied cannot be recovered");
    }

    private void rescale(boolean divide) {
        int in = base.inFeatures();
        float[] v = l.toArray(), w = base.weight().toArray();
        if (feedforward) {
            for (int o = 0; o < base.outFeatures(); o++)
                for (int i = 0; i < in; i++) w[o * in + i] = scaled(w[o * in + i], v[i], divide);
        } else {
            for (int r = 0; r < v.length; r++) {
                int o = fixedRows + r;
                for (int i = 0; i < in; i++) w[o * in + i] = scaled(w[o * in + i], v[r], divide);
            }
            if (base.bias() != null) {
                float[] b = base.bias().toArray();
                for (int r = 0; r < v.length; r++) b[fixedRows + r] = scaled(b[fixedRows + r], v[r], divide);
                base.bias().copyFrom(b);
            }
        }
        base.weight().copyFrom(w);
    }

    private static float scaled(float w, float s, boolean divide) { return (float) (divide ? w / (double) s : w * (double) s); }
}
