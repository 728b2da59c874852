package dev.kiln.api.objective;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Module;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The checks every {@link ObjectiveFactory} must pass, as a JUnit 5 interface with default test
 * methods (JUnit's {@code EqualsContract} pattern). A plugin's test class implements it and
 * supplies the factory, a config section, sample data and a tiny backbone:
 *
 * <pre>{@code
 * class MyObjectiveContractTest implements ObjectiveContract {
 *     public ObjectiveFactory factory() { return new MyObjectiveFactory(); }
 *     public Dataset sampleData() { return TestDatasets.texts("sample", 12); }
 *     public TransformerConfig model() { return TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 16); }
 * }
 * }</pre>
 *
 * Shipped in core-api's test-jar ({@code <type>test-jar</type>}, test scope).
 */
public interface ObjectiveContract {

    /** The factory under test. */
    ObjectiveFactory factory();

    /** Examples the objective can prepare at least one batch from with {@link #batchSpec()}. */
    Dataset sampleData();

    /** A tiny backbone this objective accepts (vocab = the tokenizer's). */
    TransformerConfig model();

    /** The objective's config section (valid keys only). Default: empty, all defaults. */
    default Map<String, Object> config() { return Map.of(); }

    /** Default: the byte-level test tokenizer. */
    default Tokenizer tokenizer() { return TestTokenizers.bytes(); }

    /** Default: the naive reference backend. */
    default Backend backend() { return new NaiveBackend(); }

    /** Default: 2 sequences of 8 tokens. */
    default BatchSpec batchSpec() { return new BatchSpec(2, 8); }

    /**
     * Whether different seeds should give different batches (shuffling, masking, pairing).
     * Objectives whose batches do not depend on the seed return false to skip that check.
     */
    default boolean batchesDependOnSeed() { return true; }

    /** Creates the objective from {@link #config()} (plus {@code extra} keys) with a context built from this contract's parts. */
    default Objective create(Map<String, Object> extra, long seed) {
        Map<String, Object> cfg = new LinkedHashMap<>(config());
        cfg.putAll(extra);
        ObjectiveContext ctx = new ObjectiveContext(tokenizer(), backend(), model(), seed);
        return factory().create(new Config("objective '" + factory().name() + "'", cfg), ctx);
    }

    default Objective create() { return create(Map.of(), 1); }

    // ---- identity ---------------------------------------------------------------------------------

    @Test
    default void nameEqualsTheFactoryName() {
        assertEquals(factory().name(), create().name(), "objective name() must equal its factory's name()");
        assertEquals(factory().name().toLowerCase(java.util.Locale.ROOT), factory().name(), "plugin names are lower case");
    }

    @Test
    default void apiVersionIsCompatibleWithThisHost() {
        ApiVersion plugin = ApiVersion.parse(factory().apiVersion());
        assertTrue(ApiVersion.current().canHost(plugin),
                "plugin built against API " + plugin + " cannot run on API " + ApiVersion.current());
    }

    // ---- config -------------------------------------------------------------------------------------

    @Test
    default void unknownConfigKeysAreRejectedNamingTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> create(Map.of("no_such_key_zz", 1), 1),
                "an unknown key must be rejected (call config.finish() after reading your keys)");
        String msg = e.getMessage();
        assertTrue(msg.contains("no_such_key_zz"), "the error must name the unknown key: " + msg);
        assertTrue(msg.contains("known"), "the error must list the known keys: " + msg);
        for (String key : config().keySet()) assertTrue(msg.contains(key), "known key '" + key + "' missing from: " + msg);
    }

    @Test
    default void acceptsTheContractModel() {
        assertDoesNotThrow(() -> create().checkModel(model()));
    }

    // ---- batches ------------------------------------------------------------------------------------

    @Test
    default void prepareIsDeterministicForASeed() {
        List<Batch> a = create().prepare(sampleData(), batchSpec(), 7);
        List<Batch> b = create().prepare(sampleData(), batchSpec(), 7);
        assertFalse(a.isEmpty(), "no batches from " + sampleData().size() + " examples with " + batchSpec());
        assertEquals(a.size(), b.size(), "batch count differs between two runs with seed 7");
        for (int i = 0; i < a.size(); i++) {
            assertTrue(a.get(i).tokens() > 0, "batch " + i + " reports no tokens");
            assertEquals(a.get(i).tokens(), b.get(i).tokens(), "batch " + i + " tokens differ for the same seed");
            assertEquals(fingerprint(a.get(i)), fingerprint(b.get(i)), "batch " + i + " differs for the same seed");
        }
    }

    @Test
    default void differentSeedsGiveDifferentBatches() {
        assumeTrue(batchesDependOnSeed(), "this objective's batches do not depend on the seed");
        List<Batch> a = create().prepare(sampleData(), batchSpec(), 7);
        List<Batch> b = create().prepare(sampleData(), batchSpec(), 8);
        StringBuilder fa = new StringBuilder(), fb = new StringBuilder();
        for (Batch x : a) fa.append(fingerprint(x)).append('|');
        for (Batch x : b) fb.append(fingerprint(x)).append('|');
        assertNotEquals(fa.toString(), fb.toString(), "seeds 7 and 8 gave identical batches");
    }

    // ---- loss ---------------------------------------------------------------------------------------

    @Test
    default void lossIsFiniteAndReachesTheBackboneAndHead() {
        Transformer model = new Transformer(backend(), model(), 11);
        Objective objective = create();
        objective.checkModel(model());
        Batch batch = objective.prepare(sampleData(), batchSpec(), 3).get(0);
        Objective.Output out = objective.compute(model, batch);

        assertEquals(1, out.loss().size(), "loss must be a scalar, got " + out.loss().shape());
        float loss = out.loss().item();
        assertTrue(Float.isFinite(loss), "loss is not finite: " + loss);
        assertTrue(out.weight() > 0, "output weight must be positive, got " + out.weight());
        Double reported = out.metrics().get("loss");
        assertNotNull(reported, "metrics must include 'loss': " + out.metrics().keySet());
        for (var m : out.metrics().entrySet()) assertTrue(Double.isFinite(m.getValue()), "metric " + m.getKey() + " = " + m.getValue());
        assertTrue(out.loss().requiresGrad(), "loss is not differentiable (no parameter reaches it)");

        out.loss().backward();
        boolean backbone = false;
        for (var e : model.namedParameters().entrySet())
            if (e.getKey().startsWith("blocks.") && nonZero(e.getValue().grad())) backbone = true;
        assertTrue(backbone || model().layers() == 0, "backward did not reach any transformer block parameter");

        Module head = objective.head();
        if (head != null) {
            for (var e : head.namedParameters().entrySet())
                assertTrue(e.getValue().hasGrad(), "head parameter '" + e.getKey() + "' got no gradient");
            assertTrue(head.namedParameters().values().stream().anyMatch(t -> nonZero(t.grad())), "every head gradient is zero");
        }
        Map<String, Double> finished = objective.finish(out.metrics());
        assertTrue(finished.containsKey("loss"), "finish() dropped 'loss': " + finished.keySet());
    }

    // ---- heads --------------------------------------------------------------------------------------

    @Test
    default void headParametersSurviveASaveRestoreRoundTripByName() {
        Objective saved = create(Map.of(), 1);
        assumeTrue(saved.head() != null, "objective '" + saved.name() + "' has no head of its own");
        Map<String, float[]> snapshot = new LinkedHashMap<>();
        for (var e : saved.head().namedParameters().entrySet()) snapshot.put(e.getKey(), e.getValue().toArray());
        assertFalse(snapshot.isEmpty(), "head() has no parameters; return null instead");

        Objective restored = create(Map.of(), 2);
        Map<String, Tensor> target = restored.head().namedParameters();
        assertEquals(snapshot.keySet(), target.keySet(), "a fresh objective's head has different parameter names");
        for (var e : target.entrySet()) e.getValue().copyFrom(snapshot.get(e.getKey()));
        for (var e : target.entrySet())
            assertArrayEquals(snapshot.get(e.getKey()), e.getValue().toArray(), "head parameter '" + e.getKey() + "' changed in the round trip");

        Transformer model = new Transformer(backend(), model(), 5);
        model.train(false);
        saved.head().train(false);
        restored.head().train(false);
        Batch batch = saved.prepare(sampleData(), batchSpec(), 3).get(0);
        float a = saved.compute(model, batch).loss().item(), b = restored.compute(model, batch).loss().item();
        assertEquals(a, b, 1e-5f * Math.max(1f, Math.abs(a)), "restored head gives a different loss");
    }

    // ---- helpers ------------------------------------------------------------------------------------

    /** Every input of a batch as text ({@link dev.kiln.api.testing.BatchFingerprints}). */
    static String fingerprint(Batch b) {
        return dev.kiln.api.testing.BatchFingerprints.of(b);
    }

    static boolean nonZero(Tensor grad) {
        if (grad == null) return false;
        for (float v : grad.toArray()) if (v != 0f) return true;
        return false;
    }
}
