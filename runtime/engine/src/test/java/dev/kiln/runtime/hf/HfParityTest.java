package dev.kiln.runtime.hf;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Activations;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.ops.MatMul;
import dev.kiln.api.ops.Normalization;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kiln's outputs on the committed Hugging Face checkpoints match the reference forward passes of
 * {@code make_fixtures.py} (re-implementations of transformers' GPT-2, BERT and LLaMA) within 1e-4;
 * the other families are in {@link HfFamilyParityTest}.
 */
class HfParityTest {
    static final float TOLERANCE = 1e-4f;

    static List<Backend> backends() {
        return HfFixtures.backends().toList();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void gpt2LogitsMatchTheReference(Backend be) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir("gpt2"), be);
        assertEquals("GPT2LMHeadModel", m.architecture());
        assertTrue(m.model().config().tieEmbeddings());
        assertEquals(dev.kiln.api.nn.ModelKinds.Activation.GELU_TANH, m.model().config().activation());
        checkCausalLm("gpt2", m.model());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void llamaLogitsMatchTheReference(Backend be) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir("llama"), be);
        assertEquals("LlamaForCausalLM", m.architecture());
        assertEquals(2, m.model().config().kvHeads());
        assertTrue(!m.model().config().tieEmbeddings());
        checkCausalLm("llama", m.model());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void bertHiddenStatesPoolerAndHeadsMatchTheReference(Backend be) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir("bert"), be);
        assertEquals("BertForPreTraining", m.architecture());
        Map<String, Object> ref = HfFixtures.reference("bert");
        List<List<Integer>> inputs = HfFixtures.intLists(ref, "inputs"), types = HfFixtures.intLists(ref, "token_type_ids");
        Transformer model = m.model();
        model.train(false);
        Map<String, Tensor> x = m.extras();
        float worst = 0;
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < inputs.size(); s++) {
                int[] ids = ints(inputs.get(s)), tt = ints(types.get(s));
                Tensor hidden = model.forward(ModelInput.of(new IntTensor(ids, 1, ids.length))
                        .withTokenTypes(new IntTensor(tt, 1, tt.length)));                          // [1, T, C]
                Tensor first = Shapes.slice(hidden, 1, 0, 1);                                        // [1, 1, C]
                Tensor pooled = Activations.tanh(linear(first, x, "nsp.pooler"));
                Tensor nsp = linear(pooled, x, "nsp.classifier");
                Tensor mlm = mlmLogits(model, x, hidden);
                worst = Math.max(worst, check("bert hidden", HfFixtures.floats(ref, "hidden", s), hidden.toArray()));
                worst = Math.max(worst, check("bert pooled", HfFixtures.floats(ref, "pooled", s), pooled.toArray()));
                worst = Math.max(worst, check("bert nsp", HfFixtures.floats(ref, "nsp_logits", s), nsp.toArray()));
                worst = Math.max(worst, check("bert mlm", HfFixtures.floats(ref, "mlm_logits", s), mlm.toArray()));
            }
        }
        System.out.printf("parity bert (%s): max |Kiln - reference| = %.3g%n", be.getClass().getSimpleName(), worst);
    }

    /** The tolerance is tight enough to tell GELU's erf form from its tanh approximation. */
    @org.junit.jupiter.api.Test
    void theWrongGeluVariantIsCaught(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path dir = HfFixtures.copy("gpt2", tmp.resolve("m"), (n, t) -> t);
        HfFixtures.setConfig(dir, "activation_function", "gelu");
        HfModel m = HfCheckpoints.load(dir, new dev.kiln.api.backend.NaiveBackend());
        AssertionError e = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> checkCausalLm("gpt2", m.model()));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }

    /** The MLM head (BERT's cls.predictions, RoBERTa's lm_head) on hidden states: [.., C] → [.., V]; decoder tied to the embeddings. */
    static Tensor mlmLogits(Transformer model, Map<String, Tensor> x, Tensor hidden) {
        Tensor t = Normalization.layerNorm(Activations.gelu(linear(hidden, x, "mlm.dense")),
                x.get("mlm.norm.weight"), x.get("mlm.norm.bias"), model.config().normEps());
        return Arithmetic.add(model.logits(t), x.get("mlm.bias"));
    }

    static void checkCausalLm(String name, Transformer model) throws IOException {
        Map<String, Object> ref = HfFixtures.reference(name);
        List<List<Integer>> inputs = HfFixtures.intLists(ref, "inputs");
        model.train(false);
        float worst = 0;
        try (var g = GradMode.noGrad()) {
            for (int s = 0; s < inputs.size(); s++) {
                int[] ids = ints(inputs.get(s));
                Tensor logits = model.logits(model.forward(ModelInput.of(new IntTensor(ids, 1, ids.length)))); // [1, T, V]
                worst = Math.max(worst, check(name + " logits", HfFixtures.floats(ref, "logits", s), logits.toArray()));
            }
        }
        System.out.printf("parity %s (%s): max |Kiln - reference| = %.3g%n", name, model.backend().getClass().getSimpleName(), worst);
    }

    static float check(String what, float[] expected, float[] actual) {
        float d = HfFixtures.maxAbsDiff(expected, actual);
        assertTrue(d <= TOLERANCE, what + ": max abs difference " + d + " exceeds " + TOLERANCE);
        return d;
    }

    /** x·Wᵀ + b with the extras' {@code name.weight} [out, in] and {@code name.bias} [out]. */
    private static Tensor linear(Tensor in, Map<String, Tensor> extras, String name) {
        return Arithmetic.add(MatMul.matmul(in, extras.get(name + ".weight"), false, true), extras.get(name + ".bias"));
    }

    static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
