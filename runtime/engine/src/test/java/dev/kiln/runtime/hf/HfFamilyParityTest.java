package dev.kiln.runtime.hf;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.RopeScaling;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.kiln.runtime.hf.HfParityTest.check;
import static dev.kiln.runtime.hf.HfParityTest.ints;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every family beyond GPT-2 / BERT / LLaMA matches the reference forward passes of {@code make_fixtures.py}
 * within 1e-4 on each backend, loaded with nothing unused or newly initialized; and each fixture's
 * distinguishing setting (window, rope scaling) changes the outputs beyond that tolerance, so the
 * match is not an accident of short sequences.
 */
class HfFamilyParityTest {

    /** Fixture → what its config.json must have become in Kiln. */
    private static final Map<String, Consumer<TransformerConfig>> DECODERS = Map.of(
            "llama3", c -> assertEquals(RopeScaling.llama3(8f, 1f, 4f, 32), c.ropeScaling()),
            "llama-linear", c -> {
                assertEquals(RopeScaling.linear(4f), c.ropeScaling());
                assertEquals(16, c.headDim());
            },
            "llama-dynamic", c -> assertEquals(RopeScaling.dynamic(4f, 8), c.ropeScaling()),
            "mistral", c -> assertEquals(3, c.slidingWindow()),
            "qwen2", c -> {
                assertTrue(c.qkvBias() && !c.attentionBias() && !c.mlpBias() && c.tieEmbeddings(), c.toString());
                assertEquals(0, c.slidingWindow(), "use_sliding_window is false");
            },
            "qwen3", c -> {
                assertTrue(c.qkNorm() && !c.attentionBias() && !c.mlpBias() && !c.qkvBias(), c.toString());
                assertEquals(16, c.headDim());
            },
            "llama-attn-bias", c -> assertTrue(c.attentionBias() && !c.mlpBias() && !c.qkvBias(), c.toString()),
            "qwen3-attn-bias", c -> assertTrue(c.qkNorm() && c.attentionBias() && !c.mlpBias(), c.toString()));

    static Stream<Arguments> decoders() {
        return DECODERS.keySet().stream().sorted().flatMap(f -> HfFixtures.backends().map(be -> Arguments.of(f, be)));
    }

    static Stream<Arguments> encoders() {
        return Stream.of("roberta", "bert-legacy").flatMap(f -> HfFixtures.backends().map(be -> Arguments.of(f, be)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("decoders")
    void decoderLogitsMatchTheReference(String fixture, Backend be) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir(fixture), be);
        assertTrue(m.report().isExact(), fixture + ": " + m.warnings());
        DECODERS.get(fixture).accept(m.model().config());
        HfParityTest.checkCausalLm(fixture, m.model());
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("encoders")
    void encoderHiddenStatesAndMlmLogitsMatchTheReference(String fixture, Backend be) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir(fixture), be);
        Map<String, Object> ref = HfFixtures.reference(fixture);
        List<List<Integer>> inputs = HfFixtures.intLists(ref, "inputs"), types = HfFixtures.intLists(ref, "token_type_ids");
        Transformer model = m.model();
        model.train(false);
        float worst = 0;
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < inputs.size(); s++) {
                int[] ids = ints(inputs.get(s));
                ModelInput in = ModelInput.of(new IntTensor(ids, 1, ids.length));
                if (types != null) in = in.withTokenTypes(new IntTensor(ints(types.get(s)), 1, ids.length));
                Tensor hidden = model.forward(in);                                                  // [1, T, C]
                worst = Math.max(worst, check(fixture + " hidden", HfFixtures.floats(ref, "hidden", s), hidden.toArray()));
                Tensor mlm = HfParityTest.mlmLogits(model, m.extras(), hidden);                     // [1, T, V]
                worst = Math.max(worst, check(fixture + " mlm", HfFixtures.floats(ref, "mlm_logits", s), mlm.toArray()));
            }
        }
        System.out.printf("parity %s (%s): max |Kiln - reference| = %.3g%n", fixture, be.getClass().getSimpleName(), worst);
    }

    /** Without its window or its rope scaling, a fixture's model misses the reference: the fixtures test those settings. */
    @ParameterizedTest(name = "{0} without {1}")
    @CsvSource({"mistral, sliding_window", "llama3, rope_scaling", "llama-linear, rope_scaling", "llama-dynamic, rope_scaling"})
    void theDistinguishingSettingMatters(String fixture, String key, @TempDir Path tmp) throws IOException {
        Path dir = HfFixtures.copy(fixture, tmp.resolve(fixture), (n, t) -> t);
        HfFixtures.setConfig(dir, key, null);
        HfModel m = HfCheckpoints.load(dir, new NaiveBackend());
        AssertionError e = assertThrows(AssertionError.class, () -> HfParityTest.checkCausalLm(fixture, m.model()));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    /** transformers 5 writes rope_theta and the scaling together under rope_parameters; the same model loads from it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"llama3", "llama-linear", "llama"})
    void transformers5RopeParametersLoadLikeTheLegacyKeys(String fixture, @TempDir Path tmp) throws IOException {
        Path dir = HfFixtures.copy(fixture, tmp.resolve(fixture), (n, t) -> t);
        Map<String, Object> cfg = HfFixtures.json(dir.resolve("config.json"));
        Map<String, Object> params = new java.util.LinkedHashMap<>();
        params.put("rope_theta", cfg.remove("rope_theta"));
        @SuppressWarnings("unchecked")
        Map<String, Object> scaling = (Map<String, Object>) cfg.remove("rope_scaling");
        if (scaling != null) params.putAll(scaling);
        else params.put("rope_type", "default");
        cfg.put("rope_parameters", params);
        HfFixtures.writeJson(dir.resolve("config.json"), cfg);
        HfModel m = HfCheckpoints.load(dir, new NaiveBackend()), legacy = HfCheckpoints.load(HfFixtures.dir(fixture), new NaiveBackend());
        assertEquals(legacy.model().config(), m.model().config());
        HfParityTest.checkCausalLm(fixture, m.model());
    }
}
