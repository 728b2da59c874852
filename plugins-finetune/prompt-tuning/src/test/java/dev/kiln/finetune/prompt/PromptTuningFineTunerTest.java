package dev.kiln.finetune.prompt;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTunerContract;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.nn.SoftPrompt;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class PromptTuningFineTunerTest {
    static final TransformerConfig GPT2 = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 2, 2, 32);
    static final int C = 16;

    static PromptTuningFineTuner prompt(Map<String, Object> cfg, long seed) {
        ObjectiveContext ctx = new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), GPT2, seed);
        return (PromptTuningFineTuner) new PromptTuningFineTunerFactory().create(new Config("finetune 'prompt-tuning'", cfg), ctx);
    }

    static PromptTuningFineTuner prompt(Map<String, Object> cfg) { return prompt(cfg, 1); }

    static Transformer model() { return new Transformer(new NaiveBackend(), GPT2, 1); }

    /** Row r of a [rows, C] tensor's values. */
    static float[] row(float[] values, int r) { return Arrays.copyOfRange(values, r * C, (r + 1) * C); }

    @Test
    void isDiscoveredAsAParametersMethod() {
        FineTunerFactory found = null;
        for (FineTunerFactory f : ServiceLoader.load(FineTunerFactory.class)) if (f.name().equals("prompt-tuning")) found = f;
        assertNotNull(found, "prompt-tuning is not registered in META-INF/services");
        assertEquals(FineTunerFactory.Role.PARAMETERS, found.role());
    }

    @Test
    void onlyThePromptAndTheHeadsTrain() {
        Transformer m = model();
        long before = m.parameterCount();
        Transformer.Group heads = new Transformer.Group();
        Tensor head = heads.add("classifier.weight", Tensor.zeros(new NaiveBackend(), 3, C));
        head.requiresGrad(false);
        PromptTuningFineTuner t = prompt(Map.of("num_virtual_tokens", 5));
        assertNull(t.parameterReport());
        t.configure(m, heads);
        assertEquals(List.of("embed.prompt.weight"), FineTunerContract.namesWhere(m, true));
        assertArrayEquals(new int[] {5, C}, m.softPrompt().weight().dims());
        assertTrue(head.requiresGrad(), "the heads train");
        assertEquals(5 * C + 3 * C, t.parameterReport().trainable());
        assertEquals(before + 5 * C + 3 * C, t.parameterReport().total());
        assertEquals(List.of("embed.prompt.weight", "heads.classifier.weight"), List.copyOf(t.trainableState(m).keySet()));
    }

    @Test
    void sampleVocabCopiesTokenEmbeddingsDrawnWithTheSeed() {
        Transformer a = model(), b = model(), c = model();
        prompt(Map.of("num_virtual_tokens", 6), 7).configure(a, null);
        prompt(Map.of("num_virtual_tokens", 6), 7).configure(b, null);
        prompt(Map.of("num_virtual_tokens", 6), 8).configure(c, null);
        float[] table = a.tokenEmbeddings().toArray(), p = a.softPrompt().weight().toArray();
        for (int r = 0; r < 6; r++) {
            float[] want = row(p, r);
            boolean found = false;
            for (int v = 0; v < GPT2.vocab() && !found; v++) found = Arrays.equals(want, row(table, v));
            assertTrue(found, "prompt row " + r + " is no token's embedding");
        }
        assertArrayEquals(p, b.softPrompt().weight().toArray(), "the same seed draws the same tokens");
        assertFalse(Arrays.equals(p, c.softPrompt().weight().toArray()), "another seed draws other tokens");
    }

    @Test
    void textInitRepeatsOrCutsTheTextLikePeft() {
        Transformer m = model();
        prompt(Map.of("num_virtual_tokens", 5, "prompt_tuning_init", "TEXT", "prompt_tuning_init_text", "ab"), 1).configure(m, null);
        float[] table = m.tokenEmbeddings().toArray(), p = m.softPrompt().weight().toArray();
        int[] ab = TestTokenizers.bytes().encode("ab");
        assertEquals(2, ab.length);
        for (int r = 0; r < 5; r++) assertArrayEquals(row(table, ab[r % 2]), row(p, r), "row " + r + " of a b a b a");

        Transformer n = model();
        PromptTuningFineTuner cut = prompt(Map.of("num_virtual_tokens", 3, "prompt_tuning_init", "text", "prompt_tuning_init_text", "xyzzy"));
        cut.configure(n, null);
        int[] xyz = TestTokenizers.bytes().encode("xyz");
        for (int r = 0; r < 3; r++) assertArrayEquals(row(n.tokenEmbeddings().toArray(), xyz[r]), row(n.softPrompt().weight().toArray(), r));
        assertEquals("xyzzy", cut.config().initText());
    }

    @Test
    void randomInitIsNoiseAtTheModelsInitScale() {
        Transformer m = model();
        prompt(Map.of("num_virtual_tokens", 20, "prompt_tuning_init", "random")).configure(m, null);
        float[] p = m.softPrompt().weight().toArray();
        double sq = 0;
        for (float v : p) sq += v * v;
        double std = Math.sqrt(sq / p.length);
        assertTrue(std > 0.7 * GPT2.initStd() && std < 1.3 * GPT2.initStd(), "std " + std + " vs init std " + GPT2.initStd());
    }

    @Test
    void aSavedPromptOfTheSameLengthKeepsTrainingAndAnotherLengthIsAnError() {
        Transformer m = model();
        SoftPrompt existing = m.attachSoftPrompt(4);
        float[] values = new float[4 * C];
        for (int i = 0; i < values.length; i++) values[i] = i / 100f;
        existing.weight().copyFrom(values);
        existing.weight().requiresGrad(false);
        prompt(Map.of("num_virtual_tokens", 4)).configure(m, null);
        assertSame(existing, m.softPrompt());
        assertArrayEquals(values, existing.weight().toArray(), "the saved prompt is not re-initialised");
        assertEquals(List.of("embed.prompt.weight"), FineTunerContract.namesWhere(m, true));

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> prompt(Map.of("num_virtual_tokens", 5)).configure(m, null));
        assertTrue(e.getMessage().contains("num_virtual_tokens"), e.getMessage());
    }

    @Test
    void aPromptThatFillsMaxSeqIsRejectedBeforeTouchingTheModel() {
        Transformer m = model();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> prompt(Map.of("num_virtual_tokens", 32)).configure(m, null));
        assertTrue(e.getMessage().contains("num_virtual_tokens") && e.getMessage().contains("max_seq"), e.getMessage());
        assertNull(m.softPrompt());
        assertEquals(m.parameterCount(), m.trainableParameterCount());
    }

    @Test
    void configErrorsNameTheirKeys() {
        Map<String, Map<String, Object>> bad = new HashMap<>();
        bad.put("num_virtual_tokens", Map.of("num_virtual_tokens", 0));
        bad.put("prompt_tuning_init", Map.of("prompt_tuning_init", "vocab"));
        bad.put("prompt_tuning_init_text", Map.of("prompt_tuning_init", "text"));
        bad.put("task_type", Map.of("task_type", "CLASSIFY"));
        for (var e : bad.entrySet()) {
            ConfigException ex = assertThrows(ConfigException.class, () -> prompt(e.getValue()), e.getKey());
            assertTrue(ex.getMessage().contains("'" + e.getKey() + "'"), ex.getMessage());
        }
        ConfigException onlyWithText = assertThrows(ConfigException.class,
                () -> prompt(Map.of("prompt_tuning_init", "random", "prompt_tuning_init_text", "hello")));
        assertTrue(onlyWithText.getMessage().contains("'prompt_tuning_init_text'") && onlyWithText.getMessage().contains("random"), onlyWithText.getMessage());
        ConfigException noTokenizer = assertThrows(ConfigException.class, () -> new PromptTuningFineTunerFactory()
                .create(new Config("finetune 'prompt-tuning'", Map.of("prompt_tuning_init", "text", "prompt_tuning_init_text", "hi")), null));
        assertTrue(noTokenizer.getMessage().contains("tokenizer"), noTokenizer.getMessage());
        assertEquals("SEQ_CLS", prompt(Map.of("task_type", "seq_cls")).config().taskType());
    }
}
