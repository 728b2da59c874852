package dev.kiln.finetune.lora;

import dev.kiln.api.backend.CounterRng;
import dev.kiln.api.nn.ForwardSeed;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.quant.LowRankMergedWeight;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.Regularization;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * One LoRA adapter on one {@link Linear}: y + s·(dropout(x)·Aᵀ)·Bᵀ with A: [r, in], B: [out, r]
 * and s = α/r (or α/√r with rsLoRA). A starts Kaiming-uniform (PEFT's {@code a = √5}, i.e.
 * U(±1/√in)), B starts at zero, so a fresh adapter leaves the layer's output unchanged.
 *
 * <p>It runs only while it is the enabled adapter and not merged into the base weight.
 */
public final class LoraLayer extends Linear.LinearAdapter implements LoraAdapter {
    private final Linear base;
    private final String adapterName;
    private final int r;
    private final float scaling, dropout;
    private LowRankMergedWeight mergedInto;      // the compressed base's merged form while merged into one
    private final Tensor a, b;
    private final long seed;
    private boolean enabled = true, merged;

    LoraLayer(Linear base, String adapterName, int r, double scaling, double dropout, long seed) {
        this.base = base;
        this.adapterName = adapterName;
        this.r = r;
        this.scaling = (float) scaling;
        this.dropout = (float) dropout;
        this.seed = seed;
        int in = base.inFeatures(), out = base.outFeatures();
        Random rng = new Random(seed);
        float bound = (float) (1.0 / Math.sqrt(in));
        float[] av = new float[r * in];
        for (int i = 0; i < av.length; i++) av[i] = (rng.nextFloat() * 2f - 1f) * bound;
        var be = base.backend();
        this.a = register("lora_A", Tensor.of(be, av, r, in));
        this.b = register("lora_B", Tensor.zeros(be, out, r));
    }

    /** x: [..., in], y: [..., out] → y + s·(x·Aᵀ)·Bᵀ: [..., out] */
    @Override
    public Tensor apply(Tensor x, Tensor y) {
        // the mask depends on the block's forward seed (step, layer) and this layer's own seed only, so a resumed
        // run and a gradient-checkpointing recompute draw the same one
        Tensor h = isTraining() && dropout > 0 ? Regularization.dropout(x, dropout, CounterRng.mix(ForwardSeed.current() * 31 + seed)) : x;
        Tensor low = MatMul.matmul(h, a, false, true);                 // [..., r]
        Tensor up = MatMul.matmul(low, b, false, true);                // [..., out]
        return Arithmetic.add(y, Arithmetic.mulScalar(up, scaling));
    }

    @Override
    public boolean active() { return enabled && !merged; }

    @Override
    public String adapterName() { return adapterName; }

    public Linear base() { return base; }

    public int rank() { return r; }

    public float scaling() { return scaling; }

    /** [r, in] */
    @Override
    public Tensor loraA() { return a; }

    /** [out, r] */
    @Override
    public Tensor loraB() { return b; }

    @Override
    public boolean enabled() { return enabled; }

    @Override
    public boolean merged() { return merged; }

    @Override
    public void enable(boolean on) { this.enabled = on; }

    /**
     * W ← W + s·B·A (on the host; the base weight's storage is overwritten in place). Into a 4-bit (or bf16)
     * base the update is merged without decoding it ({@link Linear#mergeLowRank}): the merged floats are made
     * a tile at a time when read, equal to decoding first and adding (PEFT decodes; Kiln keeps the exact merged
     * weight without holding it whole).
     */
    @Override
    public void merge() {
        if (merged) throw new IllegalStateException("adapter '" + adapterName + "' is already merged");
        if (base.isQuantized()) mergedInto = base.mergeLowRank(a.toArray(), b.toArray(), r, scaling);
        else addDelta(+1f);
        merged = true;
    }

    /** W ← W − s·B·A: the exact inverse of {@link #merge()} up to float rounding (exact for a compressed base). */
    @Override
    public void unmerge() {
        if (!merged) throw new IllegalStateException("adapter '" + adapterName + "' is not merged");
        if (mergedInto != null) base.unmergeLowRank(mergedInto);
        else addDelta(-1f);
        mergedInto = null;
        merged = false;
    }

    private void addDelta(float sign) {
        int in = base.inFeatures(), out = base.outFeatures();
        float[] w = base.weight().toArray(), av = a.toArray(), bv = b.toArray();
        double[] row = new double[in];
        for (int o = 0; o < out; o++) {
            java.util.Arrays.fill(row, 0);
            for (int k = 0; k < r; k++) {
                double bk = bv[o * r + k];
                if (bk == 0) continue;
                for (int i = 0; i < in; i++) row[i] += bk * av[k * in + i];
            }
            for (int i = 0; i < in; i++) w[o * in + i] += (float) (sign * scaling * row[i]);
        }
        base.weight().copyFrom(w);
    }
}
