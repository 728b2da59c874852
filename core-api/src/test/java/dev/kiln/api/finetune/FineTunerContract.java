package dev.kiln.api.finetune;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.optim.AdamW;
import dev.kiln.api.optim.ParamGroup;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The checks every {@link FineTunerFactory} of role {@code PARAMETERS} must pass, as a JUnit 5
 * interface with default test methods. The test configures a tiny GPT-2-shaped model with the
 * method, takes one AdamW step (weight decay on, every parameter handed to the optimizer, as a
 * careless trainer would) on a next-token loss, and checks that frozen parameters are
 * bit-identical afterwards and trainable ones moved. Shipped in core-api's test-jar.
 */
public interface FineTunerContract {

    /** The factory under test. */
    FineTunerFactory factory();

    /** The method's config section (valid keys only). Default: empty. */
    default Map<String, Object> config() { return Map.of(); }

    /** Default: a 2-layer GPT-2 shape over the byte test tokenizer (tied LM head). */
    default TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 16); }

    default Tokenizer tokenizer() { return TestTokenizers.bytes(); }

    default Backend backend() { return new NaiveBackend(); }

    /** Creates the method from {@link #config()} plus {@code extra} keys. */
    default FineTuner create(Map<String, Object> extra) {
        Map<String, Object> cfg = new LinkedHashMap<>(config());
        cfg.putAll(extra);
        ObjectiveContext ctx = new ObjectiveContext(tokenizer(), backend(), model(), 1);
        return factory().create(new Config("finetune '" + factory().name() + "'", cfg), ctx);
    }

    @Test
    default void nameEqualsTheFactoryName() {
        assertEquals(factory().name(), create(Map.of()).name());
        assertNotNull(factory().role(), "role() must say which half of a pipeline the method fills");
    }

    @Test
    default void apiVersionIsCompatibleWithThisHost() {
        ApiVersion plugin = ApiVersion.parse(factory().apiVersion());
        assertTrue(ApiVersion.current().canHost(plugin), "plugin API " + plugin + " vs host " + ApiVersion.current());
    }

    @Test
    default void unknownConfigKeysAreRejectedNamingTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> create(Map.of("no_such_key_zz", true)),
                "an unknown key must be rejected (call config.finish() after reading your keys)");
        assertTrue(e.getMessage().contains("no_such_key_zz"), "the error must name the unknown key: " + e.getMessage());
        assertTrue(e.getMessage().contains("known"), "the error must list the known keys: " + e.getMessage());
        for (String key : config().keySet()) assertTrue(e.getMessage().contains(key), "known key '" + key + "' missing from: " + e.getMessage());
    }

    @Test
    default void learningRateScalesAreFiniteAndNonNegative() {
        Transformer model = new Transformer(backend(), model(), 3);
        FineTuner tuner = create(Map.of());
        tuner.configure(model, null);
        for (String name : model.namedParameters().keySet()) {
            double s = tuner.learningRateScale(name);
            assertTrue(Double.isFinite(s) && s >= 0, "learningRateScale('" + name + "') = " + s);
        }
    }

    @Test
    default void oneStepLeavesFrozenParametersBitIdenticalAndMovesTrainableOnes() {
        Transformer model = new Transformer(backend(), model(), 3);
        FineTuner tuner = create(Map.of());
        tuner.configure(model, null);
        Map<String, Tensor> params = model.namedParameters();
        assertTrue(model.trainableParameterCount() > 0, "configure() left nothing trainable");

        Map<String, float[]> before = new LinkedHashMap<>();
        List<ParamGroup> groups = new ArrayList<>();
        for (var e : params.entrySet()) {
            before.put(e.getKey(), e.getValue().toArray());
            groups.add(new ParamGroup(e.getKey(), e.getValue(), tuner.learningRateScale(e.getKey()), 0.1));
        }
        Tensor loss = nextTokenLoss(model);
        Tensor extra = tuner.regularizer(model);
        if (extra != null) loss = Arithmetic.add(loss, extra);
        assertTrue(loss.requiresGrad(), "the loss does not depend on any trainable parameter");
        loss.backward();
        new AdamW(groups, 0.9, 0.999, 1e-8).step(1e-2);

        boolean moved = false;
        for (var e : params.entrySet()) {
            String name = e.getKey();
            Tensor p = e.getValue();
            float[] after = p.toArray();
            if (!p.requiresGrad()) {
                assertFalse(p.hasGrad(), "frozen parameter '" + name + "' received a gradient");
                assertArrayEquals(before.get(name), after, "frozen parameter '" + name + "' changed in one step");
            } else if (!Arrays.equals(before.get(name), after)) {
                moved = true;
            } else {
                assertTrue(tuner.learningRateScale(name) == 0 || !p.hasGrad(),
                        "trainable parameter '" + name + "' has a gradient and a learning rate but did not change");
            }
        }
        assertTrue(moved, "no trainable parameter changed in one optimizer step");
    }

    @Test
    default void trainableStateKeepsEveryTrainableBackboneParameter() {
        Transformer model = new Transformer(backend(), model(), 3);
        FineTuner tuner = create(Map.of());
        tuner.configure(model, null);
        Map<String, Tensor> state = tuner.trainableState(model);
        assertNotNull(state, "trainableState() must not be null");
        for (var e : model.namedParameters().entrySet())
            if (e.getValue().requiresGrad())
                assertTrue(state.containsKey(e.getKey()), "trainable parameter '" + e.getKey() + "' would not be checkpointed");
    }

    @Test
    default void configureAlsoAcceptsHeads() {
        Transformer model = new Transformer(backend(), model(), 3);
        Transformer.Group heads = new Transformer.Group();
        heads.add("probe", Tensor.zeros(backend(), 4, model().dModel()));
        assertDoesNotThrow(() -> create(Map.of()).configure(model, heads));
    }

    /** Mean next-token cross-entropy of a fixed sequence through the backbone's LM head → [1]. */
    static Tensor nextTokenLoss(Transformer model) {
        int b = 2, t = Math.min(8, model.config().maxSeq()), v = model.config().vocab();
        int[] ids = new int[b * t], targets = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 37 + 11) % v;
            targets[i] = (i * 37 + 48) % v;
        }
        Tensor hidden = model.forward(ModelInput.of(new IntTensor(ids, b, t)));   // [B, T, C]
        return Losses.crossEntropy(model.logits(hidden), new IntTensor(targets, b, t));
    }

    /** Helper for implementers: every parameter of a module that does (or does not) train. */
    static List<String> namesWhere(Module m, boolean trainable) {
        List<String> out = new ArrayList<>();
        for (var e : m.namedParameters().entrySet()) if (e.getValue().requiresGrad() == trainable) out.add(e.getKey());
        return out;
    }
}
