package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.QuantizedMatMul;
import dev.kiln.api.quant.Bf16Weight;
import dev.kiln.api.quant.FourBitType;
import dev.kiln.api.quant.FrozenWeight;
import dev.kiln.api.quant.LowRankMergedWeight;
import dev.kiln.api.quant.Quantized4Bit;
import dev.kiln.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * y = x·Wᵀ + b with W: [out, in] (PyTorch's layout), b: [out] optional. Adapters (LoRA, IA3, ...)
 * attach here and transform the input or the output; the base weight stays as it is.
 *
 * <p>A frozen weight can be stored compressed instead: in 4 bits ({@link #quantize}, QLoRA's base) or
 * as bf16 ({@link #storeBf16}, {@code model.frozen_dtype: bf16}). The float parameter is dropped and the
 * projection decodes it tile by tile ({@link QuantizedMatMul}); {@link #dequantize} brings a float
 * (frozen) weight back, e.g. before merging an adapter.
 */
public class Linear extends Module {
    private final int in, out;
    private final Backend backend;
    private final Tensor bias;
    private Tensor weight;            // null while stored compressed
    private FrozenWeight quantized;   // null unless stored compressed (4-bit or bf16)
    private final List<LinearAdapter> adapters = new ArrayList<>();
    private boolean adaptersDisabled;

    public Linear(Backend be, Random rng, int in, int out, boolean bias, float std) {
        this.in = in;
        this.out = out;
        this.backend = be;
        this.weight = register("weight", Init.normal(be, rng, std, out, in));
        this.bias = bias ? register("bias", Init.zeros(be, out)) : null;
    }

    /** x: [..., in] → [..., out] */
    public Tensor forward(Tensor x) {
        if (x.dim(-1) != in) throw new IllegalArgumentException("linear expects last dim " + in + ", got " + x.shape());
        if (!adaptersDisabled) for (LinearAdapter a : adapters) if (a.active()) x = a.transformInput(x);
        Tensor y;
        if (quantized == null && bias != null) {
            y = MatMul.linear(x, weight, bias);
        } else if (quantized == null) {
            y = MatMul.matmul(x, weight, false, true);
        } else {
            y = QuantizedMatMul.linear(x, quantized);
        }
        if (quantized != null && bias != null) {
            Tensor product = y;
            y = Arithmetic.add(product, bias);
            if (!y.requiresGrad()) product.releaseStorage();    // off the tape: the add was its only reader
        }
        if (!adaptersDisabled) for (LinearAdapter a : adapters) if (a.active()) y = a.apply(x, y);
        return y;
    }

    /** [out, in]; a layer stored compressed has no float weight ({@link #dequantize} first). */
    public Tensor weight() {
        if (quantized != null) throw new IllegalStateException("linear weight is stored as " + quantized.format() + "; dequantize() it first");
        return weight;
    }

    public Backend backend() { return backend; }

    /** Whether the weight is stored compressed (4-bit or bf16), not as a float parameter. */
    public boolean isQuantized() { return quantized != null; }

    /** The 4-bit weight, or null when the weight is a float parameter or bf16. */
    public Quantized4Bit quantizedWeight() { return quantized instanceof Quantized4Bit q ? q : null; }

    /** The compressed weight (4-bit or bf16), or null when the weight is a float parameter. */
    public FrozenWeight frozenWeight() { return quantized; }

    /**
     * Replaces the float weight by its frozen 4-bit form (the parameter {@code weight} is dropped,
     * so it is no longer trained, saved or counted); the bias stays a float parameter.
     */
    public void quantize(FourBitType type, int blocksize, boolean doubleQuant) {
        if (quantized != null) throw new IllegalStateException("linear weight is already stored as " + quantized.format());
        Quantized4Bit q = Quantized4Bit.quantize(weight.toArray(), new int[] {out, in}, type, blocksize, doubleQuant);
        unregisterParameter("weight");
        weight = null;
        quantized = q;
    }

    /**
     * Replaces the frozen float weight by its bf16 rounding ({@link Bf16Weight}, 2 bytes per element), dropped
     * as a parameter as {@link #quantize} does; the bias stays a float parameter. A trainable weight is refused:
     * bf16 storage is for frozen weights only (an optimizer step could not update it).
     */
    public void storeBf16() {
        if (quantized != null) throw new IllegalStateException("linear weight is already stored as " + quantized.format());
        if (weight.requiresGrad()) throw new IllegalStateException("linear weight is trainable; only a frozen weight can be stored as bf16");
        Bf16Weight w = Bf16Weight.of(weight.toArray(), new int[] {out, in});
        unregisterParameter("weight");
        weight = null;
        quantized = w;
    }

    /**
     * Merges W ← W + scale·B·A into a compressed weight without decoding it ({@link LowRankMergedWeight}:
     * decoded a tile at a time, as the base is): A [rank, in], B [out, rank].
     */
    public LowRankMergedWeight mergeLowRank(float[] a, float[] b, int rank, double scale) {
        if (quantized == null) throw new IllegalStateException("linear weight is not stored compressed; add to the float weight instead");
        LowRankMergedWeight merged = new LowRankMergedWeight(quantized, a, b, rank, scale);
        quantized = merged;
        return merged;
    }

    /** Takes back {@code merged}, which must be the last {@link #mergeLowRank} still in place (updates come off in reverse order). */
    public void unmergeLowRank(LowRankMergedWeight merged) {
        if (quantized != merged)
            throw new IllegalStateException("linear weight: that low-rank update is not the last one merged in"
                    + (quantized instanceof LowRankMergedWeight ? "; unmerge the later ones first" : ""));
        quantized = merged.base();
    }

    /** Brings back a float weight (frozen) decoded from the compressed one: PEFT's dequantize before a merge. */
    public void dequantize() {
        if (quantized == null) throw new IllegalStateException("linear weight is not stored compressed");
        weight = register("weight", Tensor.of(backend, quantized.dequantize(), out, in));
        weight.requiresGrad(false);
        quantized = null;
    }

    public Tensor bias() { return bias; }

    public int inFeatures() { return in; }

    public int outFeatures() { return out; }

    public void addAdapter(String name, LinearAdapter adapter) {
        register(name, adapter);
        adapters.add(adapter);
    }

    /** Detaches an adapter (after merging it into the weight, or to drop it). */
    public LinearAdapter removeAdapter(String name) {
        Module m = children().get(name);
        if (!(m instanceof LinearAdapter a)) throw new IllegalArgumentException("linear layer has no adapter '" + name + "' (has: " + children().keySet() + ")");
        unregister(name);
        adapters.remove(a);
        return a;
    }

    public List<LinearAdapter> adapters() { return Collections.unmodifiableList(adapters); }

    /** Turns every adapter off (true) or back on; returns the previous setting ({@link Transformer#disableAdapters}). */
    boolean disableAdapters(boolean off) {
        boolean was = adaptersDisabled;
        adaptersDisabled = off;
        return was;
    }

    /**
     * Hook for parameter-efficient methods. {@link #transformInput} runs before the base
     * projection (IA3 scales feed-forward inputs there); {@link #apply} after it (LoRA adds B·A·x).
     */
    public abstract static class LinearAdapter extends Module {
        /** x: the layer input [..., in] (after every active adapter's transformInput); y: the output so far [..., out]. */
        public abstract Tensor apply(Tensor x, Tensor y);

        /** x: [..., in] → [..., in] what the base projection sees. Default: unchanged. */
        public Tensor transformInput(Tensor x) { return x; }

        public boolean active() { return true; }
    }
}
