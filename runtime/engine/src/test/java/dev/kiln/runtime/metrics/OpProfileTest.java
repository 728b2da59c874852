package dev.kiln.runtime.metrics;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpProfileTest {
    private static final int VOCAB = 11, C = 8, LAYERS = 2, HEADS = 2, T = 5, B = 3;

    /** Loss, then every parameter's gradient, of one forward and backward on {@code backend}; phases named when profile != null. */
    private static List<float[]> step(Backend backend, OpProfile profile) {
        Transformer model = new Transformer(backend, TransformerConfig.gpt2(VOCAB, C, LAYERS, HEADS, T).withDropout(0f), 7);
        int[] ids = new int[B * T], targets = new int[B * T];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 7 + 3) % VOCAB;
            targets[i] = (i * 5 + 1) % VOCAB;
        }
        if (profile != null) profile.phase("forward");
        Tensor loss = Losses.crossEntropy(model.logits(model.forward(ModelInput.of(new IntTensor(ids, B, T)))), new IntTensor(targets, B, T));
        if (profile != null) profile.phase("backward");
        loss.backward();
        List<float[]> out = new java.util.ArrayList<>();
        out.add(loss.toArray());
        for (Tensor p : model.parameters()) out.add(p.grad().toArray());
        return out;
    }

    private static long calls(List<OpProfile.Op> ops, String phase, Predicate<String> op) {
        return ops.stream().filter(o -> o.phase().equals(phase) && op.test(o.op())).mapToLong(OpProfile.Op::calls).sum();
    }

    @Test
    void theWrappedBackendComputesTheSameBitsAndEveryOpIsCountedUnderItsPhase() {
        List<float[]> plain = step(new NaiveBackend(), null);
        OpProfile profile = new OpProfile();
        List<float[]> profiled = step(profile.wrap(new NaiveBackend()), profile);
        assertEquals(plain.size(), profiled.size());
        for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), profiled.get(i), "array " + i);

        List<OpProfile.Op> ops = profile.ops();
        // pre-LayerNorm blocks: two norms a block and the final one; their gradients in backward
        assertEquals(2 * LAYERS + 1, calls(ops, "forward", "layerNorm"::equals));
        assertEquals(2 * LAYERS + 1, calls(ops, "backward", "layerNormBackward"::equals));
        // each block's qkv, output, MLP up and down projections; the tied head is a product forward, a linear's backward
        assertEquals(4 * LAYERS, calls(ops, "forward", o -> o.startsWith("linear ")));
        assertEquals(1, calls(ops, "forward", ("matmul " + B * T + "×" + VOCAB + "×" + C + " A·Bᵀ")::equals));
        assertEquals(LAYERS, calls(ops, "forward", ("linear " + B * T + "×" + C + "→" + 3 * C)::equals));
        assertEquals(4 * LAYERS + 1, calls(ops, "backward", o -> o.startsWith("linearBackward ")));
        assertEquals(0, calls(ops, "forward", o -> o.startsWith("linearBackward")));
        for (OpProfile.Op o : ops) {
            assertTrue(o.calls() > 0 && o.nanos() > 0, o.toString());
            if (o.op().startsWith("linear ")) {
                String[] d = o.op().substring("linear ".length()).split("[×→]");
                double flops = 2.0 * Integer.parseInt(d[0]) * Integer.parseInt(d[1]) * Integer.parseInt(d[2]) * o.calls();
                assertEquals(flops, o.flops(), o.toString());
            }
        }
        assertTrue(ops.stream().anyMatch(o -> o.op().startsWith("attention")), "attention is counted: " + ops);
        // each linear's bias gradient (its output's gradient summed over the rows) comes in the call of its other two
        assertEquals(4 * LAYERS, calls(ops, "backward", o -> o.startsWith("linearBackward ") && o.endsWith(" + bias")), ops.toString());
        assertEquals(LAYERS, calls(ops, "backward", ("linearBackward " + B * T + "×" + C + "→" + 3 * C + " + bias")::equals));
        assertEquals(0, calls(ops, "backward", ("reduceSumTo " + B * T + "×" + 3 * C + "→1×" + 3 * C)::equals), ops.toString());
        assertTrue(ops.stream().anyMatch(o -> o.op().startsWith("crossEntropy")), "the loss is counted: " + ops);
    }

    /** An asynchronous backend's work lands on the op that queued it: the profile drains the backend after each recorded op. */
    @Test
    void theBackendIsDrainedAfterEveryRecordedOp() {
        int[] drains = {0};
        Backend counting = new NaiveBackend() {
            @Override
            public void synchronize() { drains[0]++; }
        };
        OpProfile profile = new OpProfile();
        Backend backend = profile.wrap(counting);
        profile.recording(false);
        step(backend, profile);
        assertEquals(0, drains[0], "not while recording is off");
        profile.clear();
        profile.recording(true);
        step(backend, profile);
        assertEquals(profile.ops().stream().mapToLong(OpProfile.Op::calls).sum(), drains[0]);
    }

    @Test
    void callsAreNotRecordedWhileRecordingIsOffAndClearForgets() {
        OpProfile profile = new OpProfile();
        Backend backend = profile.wrap(new NaiveBackend());
        profile.recording(false);
        step(backend, profile);
        assertEquals(List.of(), profile.ops());
        profile.recording(true);
        step(backend, profile);
        assertTrue(profile.ops().size() > 5, profile.ops().toString());
        profile.clear();
        assertEquals(List.of(), profile.ops());
    }

    @Test
    void productsAreKeyedByShapeAndTransposesAndCountTheirFlops() {
        OpProfile profile = new OpProfile();
        Backend backend = profile.wrap(new NaiveBackend());
        profile.phase("p");
        var a = backend.allocate(2 * 3 * 4);
        var b = backend.allocate(2 * 4 * 5);
        var c = backend.allocate(2 * 3 * 5);
        backend.matmul(a, b, c, 2, 3, 5, 4, false, true, 12, 20, 15, 1f, false);
        backend.matmul(a, b, c, 1, 3, 5, 4, true, false, 0, 0, 0, 1f, false);
        backend.matmul(a, b, c, 1, 3, 5, 4, true, false, 0, 0, 0, 1f, true);
        Map<String, OpProfile.Op> byKey = new HashMap<>();
        for (OpProfile.Op o : profile.ops()) byKey.put(o.op(), o);
        assertEquals(2 * 2 * 3 * 5 * 4, byKey.get("matmul 2×3×5×4 A·Bᵀ").flops());
        assertEquals(2, byKey.get("matmul 3×5×4 Aᵀ·B").calls());
        assertEquals(2 * 2 * 3 * 5 * 4, byKey.get("matmul 3×5×4 Aᵀ·B").flops());
        assertEquals(0, byKey.get("allocate").flops());
    }

    @Test
    void theBackendsErrorsComeThroughUnwrappedAndTheProxyIsAUsableMapKey() {
        Backend backend = new OpProfile().wrap(new NaiveBackend());
        var small = backend.allocate(2);
        // the real backend's own exception, not a reflection wrapper
        assertThrows(ArrayIndexOutOfBoundsException.class, () -> backend.copy(small, 0, small, 0, 5));
        Map<Backend, String> m = new HashMap<>();
        m.put(backend, "x");
        assertEquals("x", m.get(backend));
        assertNotEquals(backend, new OpProfile().wrap(new NaiveBackend()));
        assertEquals("naive", backend.name());
    }
}
