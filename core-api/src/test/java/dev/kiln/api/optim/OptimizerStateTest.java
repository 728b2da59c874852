package dev.kiln.api.optim;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.kiln.api.optim.OptimTestSupport.setGrad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** state() / load() round trip: a restored optimizer takes exactly the steps the original would have. */
class OptimizerStateTest {
    private final Backend be = new NaiveBackend();
    private static final float[][] GRADS = {{0.3f, -0.1f, 0.2f, 0.7f}, {-0.5f, 0.4f, 0.1f, 0f}, {0.2f, 0.2f, -0.3f, 0.1f},
            {0.1f, -0.6f, 0.4f, 0.2f}, {0.9f, 0.1f, -0.2f, -0.4f}};

    private static Function<List<ParamGroup>, Optimizer> factory(String name) {
        return switch (name) {
            case "adamw" -> groups -> new AdamW(groups, 0.9, 0.999, 1e-8);
            case "adamw8bit" -> groups -> new AdamW8bit(groups, 0.9, 0.999, 1e-8, 1);   // every parameter 8-bit, however small
            default -> groups -> new Sgd(groups, 0.8);
        };
    }

    private static List<ParamGroup> groups(Tensor w, Tensor b) {
        return List.of(new ParamGroup("w", w, 1, 0.05), new ParamGroup("b", b, 0.5, 0));
    }

    private static void step(Optimizer opt, Tensor w, Tensor b, float[] g) {
        setGrad(w, g[0], g[1], g[2]);
        setGrad(b, g[3]);
        opt.step(0.02);
    }

    @ParameterizedTest
    @ValueSource(strings = {"adamw", "adamw8bit", "sgd"})
    void restoredOptimizerTakesIdenticalSteps(String name) {
        Tensor w = Tensor.of(be, new float[] {1, 2, 3}, 3).requiresGrad(true), b = Tensor.of(be, new float[] {-1}, 1).requiresGrad(true);
        Optimizer original = factory(name).apply(groups(w, b));
        for (int s = 0; s < 3; s++) step(original, w, b, GRADS[s]);

        Map<String, float[]> saved = new HashMap<>(original.state());
        long steps = original.steps();
        Tensor w2 = Tensor.of(be, w.toArray(), 3).requiresGrad(true), b2 = Tensor.of(be, b.toArray(), 1).requiresGrad(true);
        Optimizer restored = factory(name).apply(groups(w2, b2));
        restored.load(saved, steps);
        assertEquals(steps, restored.steps());
        for (var e : original.state().entrySet()) assertArrayEquals(e.getValue(), restored.state().get(e.getKey()), e.getKey());

        for (int s = 3; s < GRADS.length; s++) {
            step(original, w, b, GRADS[s]);
            step(restored, w2, b2, GRADS[s]);
            assertArrayEquals(w.toArray(), w2.toArray(), 0f, "w after step " + (s + 1));
            assertArrayEquals(b.toArray(), b2.toArray(), 0f, "b after step " + (s + 1));
        }

        // without the state, the next step differs: the round trip is what made them equal
        Tensor w3 = Tensor.of(be, new float[] {1, 2, 3}, 3).requiresGrad(true), b3 = Tensor.of(be, new float[] {-1}, 1).requiresGrad(true);
        Optimizer fresh = factory(name).apply(groups(w3, b3));
        step(fresh, w3, b3, GRADS[0]);
        Tensor w4 = Tensor.of(be, new float[] {1, 2, 3}, 3).requiresGrad(true), b4 = Tensor.of(be, new float[] {-1}, 1).requiresGrad(true);
        Optimizer warm = factory(name).apply(groups(w4, b4));
        warm.load(saved, steps);
        step(warm, w4, b4, GRADS[0]);
        assertTrue(!java.util.Arrays.equals(w3.toArray(), w4.toArray()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"adamw", "adamw8bit", "sgd"})
    void loadNamesAMissingOrMisshapedEntry(String name) {
        Tensor w = Tensor.zeros(be, 3).requiresGrad(true), b = Tensor.zeros(be, 1).requiresGrad(true);
        Optimizer opt = factory(name).apply(groups(w, b));
        Map<String, float[]> state = new HashMap<>(opt.state());
        String key = state.keySet().iterator().next();
        state.put(key, new float[7]);
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> opt.load(state, 1));
        assertTrue(bad.getMessage().contains(key.substring(key.indexOf('.') + 1)), bad.getMessage());
        state.remove(key);
        assertThrows(IllegalArgumentException.class, () -> opt.load(state, 1));
    }
}
