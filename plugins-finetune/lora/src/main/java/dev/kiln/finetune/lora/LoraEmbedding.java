package dev.kiln.finetune.lora;

import dev.kiln.api.nn.TokenEmbeddingAdapter;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Embedding;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.Random;

/**
 * LoRA on the token embeddings E: [V, C], PEFT's {@code lora.Embedding}: e(id) + s·A[id]·Bᵀ with
 * A: [V, r] (PEFT stores its transpose, {@code lora_embedding_A}: [r, V]) starting at zero and
 * B: [C, r] ({@code lora_embedding_B}) starting N(0, 1), so a fresh adapter changes nothing. Each
 * token gets r trainable numbers, which is what a task needs when the frozen embeddings lack a
 * feature (word polarity, say). No dropout, as in PEFT. With tied embeddings a merge changes the
 * LM head too (it is the same matrix), as it does in Hugging Face models.
 */
public final class LoraEmbedding extends TokenEmbeddingAdapter implements LoraAdapter {
    /** The Kiln path of the module it adapts. */
    public static final String PATH = "embed.tokens";

    private final Transformer model;
    private final String adapterName;
    private final int r;
    private final float scaling;
    private final Tensor a, b;
    private boolean enabled = true, merged;

    LoraEmbedding(Transformer model, String adapterName, int r, double scaling, long seed) {
        this.model = model;
        this.adapterName = adapterName;
        this.r = r;
        this.scaling = (float) scaling;
        int vocab = model.config().vocab(), width = model.config().dModel();
        Random rng = new Random(seed);
        float[] bv = new float[width * r];
        for (int i = 0; i < bv.length; i++) bv[i] = (float) rng.nextGaussian();
        var be = model.tokenEmbeddings().backend();
        this.a = register("lora_embedding_A", Tensor.zeros(be, vocab, r));
        this.b = register("lora_embedding_B", Tensor.of(be, bv, width, r));
    }

    /** ids: [B, T], x: [B, T, C] → x + s·A[ids]·Bᵀ: [B, T, C] */
    @Override
    public Tensor apply(IntTensor ids, Tensor x) {
        Tensor low = Embedding.lookup(a, ids);                        // [B, T, r]
        Tensor up = MatMul.matmul(low, b, false, true);               // [B, T, C]
        return Arithmetic.add(x, Arithmetic.mulScalar(up, scaling));
    }

    @Override
    public boolean active() { return enabled && !merged; }

    @Override
    public String adapterName() { return adapterName; }

    public int rank() { return r; }

    public float scaling() { return scaling; }

    /** [V, r]: one row per token (PEFT's lora_embedding_A transposed) */
    @Override
    public Tensor loraA() { return a; }

    /** [C, r] */
    @Override
    public Tensor loraB() { return b; }

    @Override
    public boolean enabled() { return enabled; }

    @Override
    public boolean merged() { return merged; }

    @Override
    public void enable(boolean on) { this.enabled = on; }

    /** E ← E + s·A·Bᵀ (the embedding storage is overwritten in place). */
    @Override
    public void merge() {
        if (merged) throw new IllegalStateException("adapter '" + adapterName + "' is already merged");
        addDelta(+1f);
        merged = true;
    }

    /** E ← E − s·A·Bᵀ: the inverse of {@link #merge()} up to float rounding. */
    @Override
    public void unmerge() {
        if (!merged) throw new IllegalStateException("adapter '" + adapterName + "' is not merged");
        addDelta(-1f);
        merged = false;
    }

    private void addDelta(float sign) {
        Tensor table = model.tokenEmbeddings();
        int vocab = table.dim(0), width = table.dim(1);
        float[] e = table.toArray(), av = a.toArray(), bv = b.toArray();
        for (int v = 0; v < vocab; v++)
            for (int c = 0; c < width; c++) {
                double d = 0;
                for (int k = 0; k < r; k++) d += (double) av[v * r + k] * bv[c * r + k];
                e[v * width + c] += (float) (sign * scaling * d);
            }
        table.copyFrom(e);
    }
}
