package dev.kiln.api.ops;

import dev.kiln.api.backend.AttentionSpec;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.RopeScaling;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Fused attention gradients: causal, bidirectional, GQA, tq &lt; tk, sliding window, key mask, segments, fused layouts. */
class AttentionGradTest {
    private final Backend be = new NaiveBackend();

    private void check(String what, AttentionSpec spec, IntTensor mask, IntTensor segments) {
        int b = spec.batch();
        Tensor q = GradCheck.randn(be, 131, b, spec.tq(), spec.qHeads() * spec.headDim());
        Tensor k = GradCheck.randn(be, 132, b, spec.tk(), spec.kvHeads() * spec.headDim());
        Tensor v = GradCheck.randn(be, 133, b, spec.tk(), spec.kvHeads() * spec.headDim());
        GradCheck.assertGradients(what, () -> Attention.attention(spec, q, k, v, mask, segments), q, k, v);
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {true, false})
    void selfAttention(boolean causal) {
        check("self", AttentionSpec.contiguous(2, 2, 2, 4, 4, 3, causal), null, null);
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {true, false})
    void groupedQueryHeads(boolean causal) {
        check("gqa 4/2", AttentionSpec.contiguous(2, 4, 2, 3, 3, 2, causal), null, null);
        check("mqa 3/1", AttentionSpec.contiguous(1, 3, 1, 3, 3, 2, causal), null, null);
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {true, false})
    void fewerQueriesThanKeys(boolean causal) {
        check("tq 2 < tk 5", AttentionSpec.contiguous(2, 2, 1, 2, 5, 2, causal), null, null);
        check("tq 1 < tk 4", AttentionSpec.contiguous(1, 2, 2, 1, 4, 2, causal), null, null);
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {true, false})
    void keyMask(boolean causal) {
        // batch 1 masks key 0: under causal attention its query 0 sees nothing and yields zeros
        IntTensor mask = new IntTensor(new int[] {1, 1, 0, 1, 0, 1, 1, 1}, 2, 4);
        check("key mask", AttentionSpec.contiguous(2, 2, 1, 4, 4, 2, causal), mask, null);
    }

    private static float[] freq(int headDim, float theta) { return RopeScaling.NONE.inverseFrequencies(headDim, theta, 0); }

    @ParameterizedTest(name = "window={0}")
    @ValueSource(ints = {1, 2, 3})
    void slidingWindow(int w) {
        check("window, self", AttentionSpec.contiguous(2, 2, 2, 5, 5, 2, true).withWindow(w), null, null);
        check("window, gqa, tq 2 < tk 5", AttentionSpec.contiguous(2, 4, 2, 2, 5, 2, true).withWindow(w), null, null);
        IntTensor mask = new IntTensor(new int[] {1, 1, 0, 1, 1, 0, 1, 1, 1, 1}, 2, 5);
        check("window + key mask", AttentionSpec.contiguous(2, 2, 1, 5, 5, 2, true).withWindow(w), mask, null);
    }

    @Test
    void segments() {
        IntTensor seg = new IntTensor(new int[] {0, 0, 1, 1, 0, 1, 1, 2}, 2, 4);
        check("segments causal", AttentionSpec.contiguous(2, 2, 2, 4, 4, 2, true), null, seg);
        check("segments bidirectional", AttentionSpec.contiguous(2, 2, 2, 4, 4, 2, false), null, seg);
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 0, 1, 1, 1, 1}, 2, 4);
        check("segments + mask", AttentionSpec.contiguous(2, 2, 2, 4, 4, 2, false), mask, seg);
    }

    @ParameterizedTest(name = "causal={0}")
    @ValueSource(booleans = {true, false})
    void fusedQkvReadFromOneTensorAtOffsets(boolean causal) {
        int b = 2, t = 3, hq = 2, hkv = 1, d = 2, width = (hq + 2 * hkv) * d;
        AttentionSpec spec = new AttentionSpec(b, hq, hkv, t, t, d, 0, width, hq * d, width, (hq + hkv) * d, width,
                causal, (float) (1 / Math.sqrt(d)));
        Tensor fused = GradCheck.randn(be, 134, b, t, width);
        GradCheck.assertGradients("fused qkv", () -> Attention.attention(spec, fused, fused, fused, null, null), fused);
    }

    @Test
    void fusedKvWithSeparateQueriesPaddingColumnsAndACustomScale() {
        // k and v share one [B, S, 2·Hkv·D + 1] tensor (cross-attention layout, one unused column);
        // q sits at offset 1 of rows of width Hq·D + 2
        int b = 2, tq = 2, s = 3, hq = 2, hkv = 2, d = 2;
        int kvWidth = 2 * hkv * d + 1, qWidth = hq * d + 2;
        AttentionSpec spec = new AttentionSpec(b, hq, hkv, tq, s, d, 1, qWidth, 0, kvWidth, hkv * d, kvWidth, false, 0.7f);
        Tensor q = GradCheck.randn(be, 135, b, tq, qWidth), kv = GradCheck.randn(be, 136, b, s, kvWidth);
        IntTensor mask = new IntTensor(new int[] {1, 1, 0, 1, 1, 1}, 2, 3);
        GradCheck.assertGradients("fused kv", () -> Attention.attention(spec, q, kv, kv, mask, null), q, kv);
        // the padding columns are never read, so their gradient is exactly 0
        float[] gq = q.grad().toArray(), gkv = kv.grad().toArray();
        for (int row = 0; row < b * tq; row++) {
            org.junit.jupiter.api.Assertions.assertEquals(0f, gq[row * qWidth]);
            org.junit.jupiter.api.Assertions.assertEquals(0f, gq[row * qWidth + qWidth - 1]);
        }
        for (int row = 0; row < b * s; row++) org.junit.jupiter.api.Assertions.assertEquals(0f, gkv[row * kvWidth + kvWidth - 1]);
    }

    @Test
    void badMasksAreRejected() {
        AttentionSpec spec = AttentionSpec.contiguous(1, 1, 1, 2, 3, 2, false);
        Tensor q = Tensor.zeros(be, 1, 2, 2), kv = Tensor.zeros(be, 1, 3, 2);
        assertThrows(IllegalArgumentException.class,
                () -> Attention.attention(spec, q, kv, kv, new IntTensor(new int[] {1, 1}, 1, 2), null));
        assertThrows(IllegalArgumentException.class,
                () -> Attention.attention(spec, q, kv, kv, null, new IntTensor(new int[] {0, 0, 0}, 1, 3)));
    }

    @Test
    void ropeGradient() {
        Tensor x4 = GradCheck.randn(be, 137, 2, 3, 2, 4);
        GradCheck.assertGradients("rope [B, T, H, D]", () -> Attention.rope(x4, 2, 0, freq(4, 10000f)), x4);
        Tensor x3 = GradCheck.randn(be, 138, 1, 4, 6);
        GradCheck.assertGradients("rope [B, T, H·D] offset 5", () -> Attention.rope(x3, 3, 5, freq(2, 100f)), x3);
    }

    @Test
    void ropeForward() {
        // headDim 2: one pair rotated by angle = position
        Tensor x = Tensor.of(be, new float[] {1, 0, 1, 0, 0, 2}, 1, 3, 1, 2);
        float c1 = (float) Math.cos(1), s1 = (float) Math.sin(1), c2 = (float) Math.cos(2), s2 = (float) Math.sin(2);
        assertArrayEquals(new float[] {1, 0, c1, s1, -2 * s2, 2 * c2}, Attention.rope(x, 1, 0, freq(2, 10000f)).toArray(), 1e-6f);
        // headDim 4 at position 3, theta 100: pairs (0, 2) at angle 3, (1, 3) at angle 3/10
        Tensor y = Tensor.of(be, new float[] {1, 1, 0, 0}, 1, 1, 4);
        float a = 3, bAngle = 0.3f;
        assertArrayEquals(new float[] {(float) Math.cos(a), (float) Math.cos(bAngle), (float) Math.sin(a), (float) Math.sin(bAngle)},
                Attention.rope(y, 1, 3, freq(4, 100f)).toArray(), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> Attention.rope(Tensor.zeros(be, 1, 1, 3), 1, 0, new float[1]));
    }
}
