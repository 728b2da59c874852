package dev.kiln.api.quant;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.io.HalfFloats;
import dev.kiln.api.nn.FrozenWeights;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.kiln.api.quant.QuantizedLinearTest.BE;
import static dev.kiln.api.quant.QuantizedLinearTest.input;
import static dev.kiln.api.quant.QuantizedLinearTest.largestFloatArray;
import static org.junit.jupiter.api.Assertions.*;

/**
 * model.frozen_dtype: bf16: a Linear whose frozen weight is stored as bf16 computes what an fp32 Linear with
 * the bf16-rounded weight computes, within 1e-6 absolute for O(1) outputs (the tiled product is a [rows, tile]
 * GEMM per tile instead of one batched GEMM, which may round the last bit differently); it holds no float copy
 * of the weight, widens back exactly, and refuses a trainable weight.
 */
class Bf16LinearTest {
    static float[] roundedToBf16(float[] w) {
        float[] r = new float[w.length];
        for (int i = 0; i < w.length; i++) r[i] = HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(w[i]));
        return r;
    }

    /** in·out = 300·250 > 64K floats: the projection runs in two tiles of rows. */
    @Test
    void forwardAndInputGradientEqualTheRoundedFloatWeight() {
        Random rng = new Random(7);
        Linear lin = new Linear(BE, rng, 300, 250, true, 0.05f);
        lin.bias().copyFrom(input(rng, 250).toArray());
        Tensor w = Tensor.of(BE, roundedToBf16(lin.weight().toArray()), 250, 300);
        lin.weight().requiresGrad(false);
        lin.storeBf16();
        assertTrue(lin.isQuantized());
        assertEquals("bf16", lin.frozenWeight().format());
        assertNull(lin.quantizedWeight(), "not a 4-bit weight");
        Tensor x = input(rng, 2, 3, 300), x2 = Tensor.of(BE, x.toArray(), 2, 3, 300).requiresGrad(true);
        Tensor y = lin.forward(x), ref = Arithmetic.add(MatMul.matmul(x2, w, false, true), lin.bias().detach());
        assertArrayEquals(ref.toArray(), y.toArray(), 1e-6f);
        Tensor r = input(rng, 2, 3, 250).requiresGrad(false);
        Reductions.sum(Arithmetic.mul(y, r)).backward();
        Reductions.sum(Arithmetic.mul(ref, r)).backward();
        assertArrayEquals(x2.grad().toArray(), x.grad().toArray(), 1e-6f);
    }

    @Test
    void storesTwoBytesPerElementAndNoFloatCopy() throws Exception {
        Linear lin = new Linear(BE, new Random(3), 512, 256, false, 0.02f);
        float[] rounded = roundedToBf16(lin.weight().toArray());
        lin.weight().requiresGrad(false);
        lin.storeBf16();
        assertFalse(lin.localParameters().containsKey("weight"), "the float parameter is dropped");
        assertEquals(2L * 512 * 256, lin.frozenWeight().storedBytes());
        assertEquals(0, largestFloatArray(lin, 0), "no float[] reachable from the layer");
        assertThrows(IllegalStateException.class, lin::weight);
        lin.dequantize();
        assertFalse(lin.isQuantized());
        assertFalse(lin.weight().requiresGrad());
        assertArrayEquals(rounded, lin.weight().toArray(), 0f, "widening is exact");
    }

    @Test
    void refusesATrainableWeight() {
        Linear lin = new Linear(BE, new Random(4), 8, 4, false, 0.02f);
        lin.weight().requiresGrad(true);
        var e = assertThrows(IllegalStateException.class, lin::storeBf16);
        assertTrue(e.getMessage().contains("trainable"), e.getMessage());
    }

    /** The whole model: every frozen Linear in bf16 gives the logits of the fp32 model with those weights rounded. */
    @Test
    void frozenModelEqualsTheModelWithRoundedWeights() {
        TransformerConfig tc = TransformerConfig.llama(64, 32, 2, 4, 2, 48, 16);
        Transformer bf = new Transformer(new NaiveBackend(), tc, 5), fp = new Transformer(new NaiveBackend(), tc, 5);
        bf.parameters().forEach(p -> p.requiresGrad(false));
        var stored = FrozenWeights.storeBf16(bf);
        assertEquals(2 * 5, stored.size(), "fused qkv, out, gate, up, down in each of 2 blocks: " + stored);
        fp.namedModules().forEach((k, m) -> {
            if (m instanceof Linear l) l.weight().copyFrom(roundedToBf16(l.weight().toArray()));
        });
        IntTensor ids = new IntTensor(new int[] {1, 5, 9, 2, 33, 7, 0, 63}, 1, 8);
        float[] want = fp.logits(fp.forward(ModelInput.of(ids))).toArray(), got = bf.logits(bf.forward(ModelInput.of(ids))).toArray();
        assertArrayEquals(want, got, 1e-6f);
        assertEquals(stored.size(), FrozenWeights.widenBf16(bf));
        assertArrayEquals(want, bf.logits(bf.forward(ModelInput.of(ids))).toArray(), 1e-6f);
    }

    @Test
    void refusesAModelWithTrainableLinearWeightsNamingTheKey() {
        Transformer m = new Transformer(new NaiveBackend(), TransformerConfig.llama(64, 32, 2, 4, 2, 48, 16), 5);
        var e = assertThrows(IllegalArgumentException.class, () -> FrozenWeights.storeBf16(m));
        assertTrue(e.getMessage().contains("model.frozen_dtype") && e.getMessage().contains("blocks.0."), e.getMessage());
        m.namedModules().values().forEach(x -> { if (x instanceof Linear l) assertFalse(l.isQuantized(), "nothing converted"); });
    }
}
