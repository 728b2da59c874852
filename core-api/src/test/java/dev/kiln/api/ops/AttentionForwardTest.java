package dev.kiln.api.ops;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Forward semantics of fused attention, pinned by a hand-computed case and by equivalences with
 * independent formulations: unfused ops, repeated kv heads for GQA, dropped keys for a mask,
 * separate runs for segments.
 */
class AttentionForwardTest {
    private final Backend be = new NaiveBackend();

    @Test
    void handComputedCase() {
        // D = 2, scale 1/√2: scores (0, ln 3) → probabilities (1/4, 3/4)
        float k1 = (float) (Math.log(3) * Math.sqrt(2));
        Tensor q = Tensor.of(be, new float[] {1, 0, 1, 0}, 1, 2, 2);
        Tensor k = Tensor.of(be, new float[] {0, 0, k1, 0}, 1, 2, 2);
        Tensor v = Tensor.of(be, new float[] {1, 2, 5, 6}, 1, 2, 2);
        Tensor bi = Attention.attention(AttentionSpec.contiguous(1, 1, 1, 2, 2, 2, false), q, k, v, null, null);
        assertArrayEquals(new float[] {4, 5, 4, 5}, bi.toArray(), 1e-5f);
        Tensor causal = Attention.attention(AttentionSpec.contiguous(1, 1, 1, 2, 2, 2, true), q, k, v, null, null);
        assertArrayEquals(new float[] {1, 2, 4, 5}, causal.toArray(), 1e-5f);
        // every key masked: zeros, not NaN
        Tensor none = Attention.attention(AttentionSpec.contiguous(1, 1, 1, 2, 2, 2, false), q, k, v,
                new IntTensor(new int[] {0, 0}, 1, 2), null);
        assertArrayEquals(new float[4], none.toArray());
    }

    /** softmax(q·kᵀ·scale (+ −∞ causal mask)) · v from unfused ops; q [B,tq,H,D], k/v [B,tk,H,D]. */
    private Tensor unfused(Tensor q, Tensor k, Tensor v, int heads, int d, boolean causal) {
        return unfused(q, k, v, heads, d, causal, 0);
    }

    /** The same with a band mask: key j hidden from query i (position p = i + tk − tq) unless p − w &lt; j ≤ p. */
    private Tensor unfused(Tensor q, Tensor k, Tensor v, int heads, int d, boolean causal, int w) {
        int b = q.dim(0), tq = q.dim(1), tk = k.dim(1);
        Tensor qh = Shapes.permute(Shapes.reshape(q, b, tq, heads, d), 0, 2, 1, 3);
        Tensor kh = Shapes.permute(Shapes.reshape(k, b, tk, heads, d), 0, 2, 1, 3);
        Tensor vh = Shapes.permute(Shapes.reshape(v, b, tk, heads, d), 0, 2, 1, 3);
        Tensor scores = Arithmetic.mulScalar(MatMul.matmul(qh, kh, false, true), (float) (1 / Math.sqrt(d)));
        if (causal) {
            float[] m = new float[tq * tk];
            for (int i = 0; i < tq; i++) {
                int p = i + tk - tq;
                for (int j = 0; j < tk; j++) m[i * tk + j] = j > p || (w > 0 && j <= p - w) ? 1 : 0;
            }
            scores = Regularization.maskedFill(scores, Tensor.of(be, m, tq, tk), Float.NEGATIVE_INFINITY);
        }
        Tensor out = MatMul.matmul(Softmax.softmax(scores, -1), vh);
        return Shapes.reshape(Shapes.permute(out, 0, 2, 1, 3), b, tq, heads * d);
    }

    @Test
    void matchesUnfusedOps() {
        for (boolean causal : new boolean[] {true, false}) {
            Tensor q = GradCheck.randn(be, 141, 2, 3, 4), k = GradCheck.randn(be, 142, 2, 5, 4), v = GradCheck.randn(be, 143, 2, 5, 4);
            Tensor fused = Attention.attention(AttentionSpec.contiguous(2, 2, 2, 3, 5, 2, causal), q, k, v, null, null);
            assertArrayEquals(unfused(q, k, v, 2, 2, causal).toArray(), fused.toArray(), 1e-5f, "causal=" + causal);
        }
    }

    @Test
    void slidingWindowMatchesABandMaskOnUnfusedOps() {
        for (int w : new int[] {1, 2, 4, 9}) {
            for (int tq : new int[] {6, 2, 1}) {   // a whole sequence, then the last queries of it (cached decode)
                Tensor q = GradCheck.randn(be, 160 + tq, 2, tq, 4), k = GradCheck.randn(be, 170, 2, 6, 4), v = GradCheck.randn(be, 171, 2, 6, 4);
                Tensor fused = Attention.attention(AttentionSpec.contiguous(2, 2, 2, tq, 6, 2, true).withWindow(w), q, k, v, null, null);
                assertArrayEquals(unfused(q, k, v, 2, 2, true, w).toArray(), fused.toArray(), 1e-5f, "w=" + w + " tq=" + tq);
            }
        }
        // window 1: every query sees only its own key, so the output is its own value
        Tensor q = GradCheck.randn(be, 180, 1, 4, 2), k = GradCheck.randn(be, 181, 1, 4, 2), v = GradCheck.randn(be, 182, 1, 4, 2);
        assertArrayEquals(v.toArray(), Attention.attention(AttentionSpec.contiguous(1, 1, 1, 4, 4, 2, true).withWindow(1),
                q, k, v, null, null).toArray(), 1e-6f);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> AttentionSpec.contiguous(1, 1, 1, 4, 4, 2, false).withWindow(2), "a window needs causal attention");
    }

    @Test
    void groupedQueryHeadsEqualRepeatedKvHeads() {
        int b = 1, t = 3, hq = 4, hkv = 2, d = 2;
        Tensor q = GradCheck.randn(be, 144, b, t, hq * d), k = GradCheck.randn(be, 145, b, t, hkv * d), v = GradCheck.randn(be, 146, b, t, hkv * d);
        Tensor gqa = Attention.attention(AttentionSpec.contiguous(b, hq, hkv, t, t, d, true), q, k, v, null, null);
        // query heads 0, 1 read kv head 0; heads 2, 3 read kv head 1
        Tensor k0 = Shapes.slice(k, 2, 0, d), k1 = Shapes.slice(k, 2, d, 2 * d);
        Tensor v0 = Shapes.slice(v, 2, 0, d), v1 = Shapes.slice(v, 2, d, 2 * d);
        Tensor kRep = Shapes.concat(2, List.of(k0, k0, k1, k1)), vRep = Shapes.concat(2, List.of(v0, v0, v1, v1));
        Tensor mha = Attention.attention(AttentionSpec.contiguous(b, hq, hq, t, t, d, true), q, kRep, vRep, null, null);
        assertArrayEquals(mha.toArray(), gqa.toArray(), 1e-6f);
    }

    @Test
    void maskedKeyEqualsDroppedKey() {
        Tensor q = GradCheck.randn(be, 147, 1, 2, 4), k = GradCheck.randn(be, 148, 1, 4, 4), v = GradCheck.randn(be, 149, 1, 4, 4);
        Tensor masked = Attention.attention(AttentionSpec.contiguous(1, 2, 2, 2, 4, 2, false), q, k, v,
                new IntTensor(new int[] {1, 0, 1, 1}, 1, 4), null);
        Tensor kDrop = Shapes.concat(1, List.of(Shapes.slice(k, 1, 0, 1), Shapes.slice(k, 1, 2, 4)));
        Tensor vDrop = Shapes.concat(1, List.of(Shapes.slice(v, 1, 0, 1), Shapes.slice(v, 1, 2, 4)));
        Tensor dropped = Attention.attention(AttentionSpec.contiguous(1, 2, 2, 2, 3, 2, false), q, kDrop, vDrop, null, null);
        assertArrayEquals(dropped.toArray(), masked.toArray(), 1e-6f);
    }

    @Test
    void segmentsEqualSeparateRuns() {
        // one row packing two examples of lengths 2 and 3
        int w = 4;
        Tensor q = GradCheck.randn(be, 150, 1, 5, w), k = GradCheck.randn(be, 151, 1, 5, w), v = GradCheck.randn(be, 152, 1, 5, w);
        Tensor packed = Attention.attention(AttentionSpec.contiguous(1, 2, 2, 5, 5, 2, true), q, k, v, null,
                new IntTensor(new int[] {7, 7, 9, 9, 9}, 1, 5));
        Tensor first = Attention.attention(AttentionSpec.contiguous(1, 2, 2, 2, 2, 2, true),
                Shapes.slice(q, 1, 0, 2), Shapes.slice(k, 1, 0, 2), Shapes.slice(v, 1, 0, 2), null, null);
        Tensor second = Attention.attention(AttentionSpec.contiguous(1, 2, 2, 3, 3, 2, true),
                Shapes.slice(q, 1, 2, 5), Shapes.slice(k, 1, 2, 5), Shapes.slice(v, 1, 2, 5), null, null);
        assertArrayEquals(Shapes.concat(1, List.of(first, second)).toArray(), packed.toArray(), 1e-6f);
    }
}
