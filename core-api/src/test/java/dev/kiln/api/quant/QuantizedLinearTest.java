package dev.kiln.api.quant;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.Linear;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.Reductions;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** A Linear whose frozen weight is 4-bit: same forward / input gradient as the dequantized float weight, no float copy held. */
class QuantizedLinearTest {
    static final NaiveBackend BE = new NaiveBackend();

    static Tensor input(Random rng, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return Tensor.of(BE, v, dims).requiresGrad(true);
    }

    static void assertClose(float[] expected, float[] actual, float tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], tol, "element " + i);
    }

    /** in·out = 300·250 > 64K floats: the projection runs in two tiles of rows. */
    @Test
    void forwardAndInputGradientMatchTheDequantizedWeightAcrossTiles() {
        for (boolean dq : new boolean[] {false, true}) {
            Random rng = new Random(5);
            Linear lin = new Linear(BE, rng, 300, 250, true, 0.05f);
            lin.bias().copyFrom(input(rng, 250).toArray());
            lin.quantize(FourBitType.NF4, 64, dq);
            Tensor w = Tensor.of(BE, lin.quantizedWeight().dequantize(), 250, 300);
            Tensor x = input(rng, 2, 3, 300), x2 = Tensor.of(BE, x.toArray(), 2, 3, 300).requiresGrad(true);
            Tensor y = lin.forward(x);
            assertArrayEquals(new int[] {2, 3, 250}, y.dims());
            Tensor ref = dev.kiln.api.ops.Arithmetic.add(MatMul.matmul(x2, w, false, true), lin.bias().detach());
            assertClose(ref.toArray(), y.toArray(), 1e-4f);
            Tensor r = input(rng, 2, 3, 250).requiresGrad(false);
            Reductions.sum(dev.kiln.api.ops.Arithmetic.mul(y, r)).backward();
            Reductions.sum(dev.kiln.api.ops.Arithmetic.mul(ref, r)).backward();
            assertClose(x2.grad().toArray(), x.grad().toArray(), 1e-4f);
            assertNotNull(lin.bias().grad(), "the bias still trains");
        }
    }

    @Test
    void theQuantizedLayerHoldsNoFloatArrayOfTheWeightsSize() throws Exception {
        Linear lin = new Linear(BE, new Random(1), 128, 96, false, 0.02f);
        int n = 128 * 96;
        assertEquals(n, largestFloatArray(lin, 0), "the walk finds the float weight before quantizing");
        lin.quantize(FourBitType.NF4, 64, true);
        assertFalse(lin.localParameters().containsKey("weight"), "the float parameter is dropped");
        assertTrue(lin.parameters().isEmpty());
        Quantized4Bit q = lin.quantizedWeight();
        assertEquals(n / 2, q.packed().length);
        assertEquals(n / 64, q.nested().codes().length);
        assertEquals(1, q.nested().absmax().length);
        assertNull(q.absmax());
        long floats = largestFloatArray(lin, 0);
        assertTrue(floats < n / 64 + 1, "largest float[] held: " + floats);
        assertThrows(IllegalStateException.class, lin::weight);
    }

    @Test
    void dequantizeBringsBackAFrozenFloatWeight() {
        Linear lin = new Linear(BE, new Random(2), 40, 8, false, 0.5f);
        float[] before = lin.weight().toArray();
        lin.quantize(FourBitType.FP4, 32, false);
        float[] decoded = lin.quantizedWeight().dequantize();
        lin.dequantize();
        assertFalse(lin.isQuantized());
        assertFalse(lin.weight().requiresGrad());
        assertArrayEquals(decoded, lin.weight().toArray());
        float maxErr = 0;
        for (int i = 0; i < before.length; i++) maxErr = Math.max(maxErr, Math.abs(before[i] - decoded[i]));
        assertTrue(maxErr > 0 && maxErr < 0.5f, "fp4 error " + maxErr);
    }

    /** The largest float[] (or Tensor, by element count) reachable through fields of kiln.api objects. */
    static long largestFloatArray(Object o, int depth) throws IllegalAccessException {
        if (o == null || depth > 4) return 0;
        if (o instanceof float[] f) return f.length;
        if (o instanceof Tensor t) return t.size();
        if (!o.getClass().getName().startsWith("dev.kiln.api") || o instanceof Enum<?>) return 0;
        long max = 0;
        for (Class<?> c = o.getClass(); c != null && c.getName().startsWith("dev.kiln.api"); c = c.getSuperclass())
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) continue;
                f.setAccessible(true);
                Object v = f.get(o);
                if (v instanceof java.util.Map<?, ?> m) for (Object e : m.values()) max = Math.max(max, largestFloatArray(e, depth + 1));
                else if (v instanceof Iterable<?> it) for (Object e : it) max = Math.max(max, largestFloatArray(e, depth + 1));
                else max = Math.max(max, largestFloatArray(v, depth + 1));
            }
        return max;
    }
}
