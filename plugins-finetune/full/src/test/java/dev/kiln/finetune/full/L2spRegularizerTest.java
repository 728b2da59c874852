package dev.kiln.finetune.full;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.finetune.full.FullFineTunerTest.*;
import static org.junit.jupiter.api.Assertions.*;

/** The L2-SP term α/2 · Σ ‖w − w₀‖² and its gradient α·(w − w₀) against a hand computation. */
class L2spRegularizerTest {
    static final double ALPHA = 0.7;

    @Test
    void valueAndGradientMatchAHandComputationOverTheTrainableBackboneOnly() {
        Transformer m = new Transformer(new NaiveBackend(), UNTIED, 1);
        Transformer.Group heads = new Transformer.Group();
        Tensor probe = heads.add("probe", Tensor.zeros(new NaiveBackend(), 2, 16));
        FullFineTuner t = (FullFineTuner) full(UNTIED, Map.of("l2sp", ALPHA, "freeze_layers", 1));
        t.configure(m, heads);
        assertEquals(FineTunerContract.namesWhere(m, true), t.l2spParameters(), "every trainable backbone parameter, no frozen block, no head");
        assertEquals(0f, t.regularizer(m).item(), "zero at the pretrained weights");

        Random rng = new Random(3);
        Map<String, float[]> before = new LinkedHashMap<>();
        for (var e : m.namedParameters().entrySet()) {                   // move every parameter, frozen ones too
            float[] v = e.getValue().toArray();
            before.put(e.getKey(), v.clone());
            for (int i = 0; i < v.length; i++) v[i] += (float) (rng.nextGaussian() * 0.05);
            e.getValue().copyFrom(v);
        }
        probe.copyFrom(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        double expected = 0;
        for (String name : t.l2spParameters()) {
            float[] w = m.namedParameters().get(name).toArray(), w0 = before.get(name);
            for (int i = 0; i < w.length; i++) expected += (double) (w[i] - w0[i]) * (w[i] - w0[i]);
        }
        expected *= ALPHA / 2;

        Tensor reg = t.regularizer(m);
        assertArrayEquals(new int[] {1}, reg.dims());
        assertEquals(expected, reg.item(), 1e-5 * expected, "α/2 · Σ (w − w₀)²");
        reg.backward();
        for (var e : m.namedParameters().entrySet()) {
            Tensor p = e.getValue();
            if (!p.requiresGrad()) {
                assertFalse(p.hasGrad(), e.getKey() + " is frozen: no L2-SP gradient");
                continue;
            }
            float[] w = p.toArray(), w0 = before.get(e.getKey()), g = p.grad().toArray();
            for (int i = 0; i < w.length; i++)
                assertEquals(ALPHA * (w[i] - w0[i]), g[i], 1e-6, e.getKey() + "[" + i + "]: gradient α·(w − w₀)");
        }
        assertFalse(probe.hasGrad(), "heads have no pretrained value: plain weight decay only");
    }

    @Test
    void parametersFrozenAfterConfigureDropOut() {
        Transformer m = new Transformer(new NaiveBackend(), TIED, 1);
        FullFineTuner t = (FullFineTuner) full(TIED, Map.of("l2sp", ALPHA));
        t.configure(m, null);
        for (var e : m.namedParameters().entrySet()) {
            float[] v = e.getValue().toArray();
            for (int i = 0; i < v.length; i++) v[i] += 0.1f;
            e.getValue().copyFrom(v);
            if (!e.getKey().equals("blocks.0.mlp.up.weight")) e.getValue().requiresGrad(false);
        }
        assertEquals(ALPHA / 2 * 0.01 * 16 * 64, t.regularizer(m).item(), 1e-3, "only blocks.0.mlp.up.weight [64, 16] still trains");
        m.namedParameters().values().forEach(p -> p.requiresGrad(false));
        assertNull(t.regularizer(m), "nothing trains: no term");
    }

    @Test
    void offByDefaultAndValidated() {
        FullFineTuner off = (FullFineTuner) full(TIED, Map.of());
        assertEquals(0, off.l2sp());
        off.configure(new Transformer(new NaiveBackend(), TIED, 1), null);
        assertNull(off.regularizer(new Transformer(new NaiveBackend(), TIED, 1)));
        assertEquals(List.of(), off.l2spParameters(), "no copy of the weights is kept when off");
        IllegalStateException early = assertThrows(IllegalStateException.class,
                () -> full(TIED, Map.of("l2sp", 0.1)).regularizer(new Transformer(new NaiveBackend(), TIED, 1)));
        assertTrue(early.getMessage().contains("configure"), early.getMessage());
        ConfigException bad = assertThrows(ConfigException.class, () -> full(TIED, Map.of("l2sp", -0.5)));
        assertTrue(bad.getMessage().contains("l2sp"), bad.getMessage());
    }
}
