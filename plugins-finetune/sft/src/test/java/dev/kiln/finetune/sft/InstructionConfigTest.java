package dev.kiln.finetune.sft;

import dev.kiln.api.completion.RoleTemplate;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.finetune.FineTuner;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.kiln.finetune.sft.InstructionFixtures.instruction;
import static org.junit.jupiter.api.Assertions.*;

/** task: instruction through the sft factory: keys, model check, metadata, metrics. */
class InstructionConfigTest {
    static final TransformerConfig GPT = TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);
    static final TransformerConfig BERT = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 32);

    @Test
    void theSignalIsTheInstructionObjectiveWithoutAHeadOfItsOwn() {
        FineTuner t = new SftFineTunerFactory().create(new Config("finetune signal 'sft'", Map.of("task", "instruction", "packing", true)),
                new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), GPT, 1));
        InstructionObjective o = assertInstanceOf(InstructionObjective.class, t.signal());
        assertEquals("sft", o.name());
        assertNull(o.head(), "the LM head of the backbone is the output layer");
        assertTrue(o.packing());
        assertTrue(t.toString().contains("task=instruction") && t.toString().contains("packing=true"), t.toString());
    }

    @Test
    void keysOfTheOtherTaskAreErrors() {
        for (String key : List.of("labels", "num_labels", "pooler", "text_field")) {
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put(key, key.equals("num_labels") ? 2 : "x");
            ConfigException e = assertThrows(ConfigException.class, () -> instruction(cfg, GPT, TestTokenizers.bytes()));
            assertTrue(e.getMessage().contains("key '" + key + "' does not apply to task 'instruction'"), e.getMessage());
        }
        for (String key : InstructionSettings.KEYS) {
            ConfigException e = assertThrows(ConfigException.class, () -> new SftFineTunerFactory().objective(
                    new Config("finetune signal 'sft'", Map.of("task", "regression", key, "chatml")),
                    new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), BERT, 1)));
            assertTrue(e.getMessage().contains("key '" + key + "' does not apply to task 'regression'"), e.getMessage());
        }
        ConfigException typo = assertThrows(ConfigException.class, () -> instruction(Map.of("packnig", true), GPT, TestTokenizers.bytes()));
        assertTrue(typo.getMessage().contains("'packnig'") && typo.getMessage().contains("packing") && typo.getMessage().contains("chat_template"),
                typo.getMessage());
        assertThrows(ConfigException.class, () -> instruction(Map.of("packing", "yes"), GPT, TestTokenizers.bytes()));
        ConfigException same = assertThrows(ConfigException.class, () -> instruction(Map.of("completion_field", "prompt"), GPT, TestTokenizers.bytes()));
        assertTrue(same.getMessage().contains("completion_field"), same.getMessage());
    }

    @Test
    void aBidirectionalModelIsRejectedNamingModelCausal() {
        InstructionObjective o = instruction(Map.of(), BERT, TestTokenizers.bytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.checkModel(BERT));
        assertTrue(e.getMessage().contains("model.causal"), e.getMessage());
        assertDoesNotThrow(() -> o.checkModel(GPT));
        TransformerConfig small = TransformerConfig.gpt2(100, 16, 1, 2, 32);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> o.checkModel(small)).getMessage().contains("model.vocab"));
    }

    @Test
    void metadataKeepsTheTemplateAndReadsBackAsConfig() {
        InstructionObjective o = instruction(Map.of("packing", true), GPT, TestTokenizers.bytes());
        Map<String, Object> meta = o.metadata();
        assertEquals("instruction", meta.get("task"));
        assertEquals("prompt", meta.get("prompt_field"));
        assertEquals("completion", meta.get("completion_field"));
        assertEquals("messages", meta.get("messages_field"));
        assertEquals(true, meta.get("add_eos"));
        assertEquals(RoleTemplate.chatml().toMap(), meta.get("chat_template"), "the default template is stored in full");

        Map<String, Object> custom = Map.of("user", "Q: {content}\n", "assistant", "A: {content}\n\n", "generation_prompt", "A:");
        Map<String, Object> stored = instruction(Map.of("chat_template", custom, "prompt_field", "q", "add_eos", false), GPT,
                TestTokenizers.bytes()).metadata();
        assertEquals(custom, stored.get("chat_template"));
        assertEquals(false, stored.get("add_eos"));
        Map<String, Object> again = new LinkedHashMap<>(stored);
        again.remove("task");
        assertEquals(stored, instruction(again, GPT, TestTokenizers.bytes()).metadata(), "the stored section is a valid config giving the same model");

        Tokenizer bytes = TestTokenizers.bytes();
        Tokenizer noEos = new Tokenizer() {
            @Override public String name() { return "bytes-without-eos"; }
            @Override public int vocabSize() { return bytes.vocabSize(); }
            @Override public int[] encode(String text) { return bytes.encode(text); }
            @Override public String decode(int[] ids, boolean skipSpecial) { return bytes.decode(ids, skipSpecial); }
            @Override public Map<String, Integer> specialTokens() { return Map.of(Tokenizer.PAD, 257); }
        };
        assertEquals(false, instruction(Map.of(), GPT, noEos).metadata().get("add_eos"), "no EOS to append: stored as add_eos false");
    }

    @Test
    void perplexityIsExpOfTheTokenWeightedLoss() {
        InstructionObjective o = instruction(Map.of(), GPT, TestTokenizers.bytes());
        Map<String, Double> out = o.finish(Map.of("loss", 2.0, "token_accuracy", 0.5));
        assertEquals(Math.exp(2.0), out.get("perplexity"), 1e-12);
        assertEquals(0.5, out.get("token_accuracy"));
    }
}
