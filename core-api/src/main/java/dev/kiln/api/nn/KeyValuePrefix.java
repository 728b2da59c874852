package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.tensor.Tensor;

/**
 * P learned key and value rows that one self-attention layer attends to before the real tokens
 * (prefix tuning, Li and Liang 2021; the past_key_values PEFT feeds each layer). Attached with
 * {@link SelfAttention#attachPrefix}. They are position-free (no rotary), visible to every query,
 * causal or not, and never masked by padding; a sliding window W does count them, as Hugging Face
 * does with past_key_values: they sit at positions 0..P−1, the real token i at P + i, and a query
 * sees only keys within W of its own position. Parameters: {@code keys}, {@code values} [P, Hkv·D].
 */
public final class KeyValuePrefix extends Module {
    private final Tensor keys, values;

    KeyValuePrefix(Backend be, int tokens, int width) {
        if (tokens <= 0) throw new IllegalArgumentException("a key/value prefix needs at least one virtual token, got " + tokens);
        this.keys = register("keys", Init.zeros(be, tokens, width));
        this.values = register("values", Init.zeros(be, tokens, width));
    }

    public Tensor keys() { return keys; }

    public Tensor values() { return values; }

    public int tokens() { return keys.dim(0); }

    /** p: [P, W] → [B, P, W] */
    static Tensor expand(Tensor p, int batch) {
        return Arithmetic.add(Tensor.zeros(p.backend(), batch, p.dim(0), p.dim(1)), p);
    }
}
