package dev.kiln.finetune.reward;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunction;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.WordTokenizer;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static dev.kiln.finetune.reward.RewardTask.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The reward_model reward function scores a completion exactly as the reward objective scores the
 * same text: with the policy's ids when the tokenizers agree, re-tokenized when they differ. The
 * context here loads nothing from disk: it hands over an in-memory model and head tensor.
 */
class RewardModelFunctionTest {
    /** A RewardContext whose "directory" is a model in memory. */
    record InMemory(Tokenizer tokenizer, Transformer model, Map<String, Tensor> heads) implements RewardContext {
        @Override public Backend backend() { return BE; }

        @Override public Path resolve(String path) { return Path.of("/configs").resolve(path); }

        @Override public SavedModel loadModel(Path dir) { return new SavedModel(model, TOKENIZER, heads, Map.of()); }
    }

    static final Transformer NET = new Transformer(BE, MODEL, 3);
    static final RewardObjective OBJECTIVE = reward(Map.of(), 9);

    static RewardFunction function(Tokenizer policy) {
        Map<String, Tensor> heads = Map.of(RewardHead.WEIGHT, OBJECTIVE.rewardHead().parameters().get(0));
        return new RewardModelFunctionFactory().create(new Config("rewards.0", Map.of("path", "rm", "batch_size", 2)),
                new InMemory(policy, NET, heads));
    }

    /** The objective's r for the chosen side of {prompt, chosen, rejected}. */
    static float objectiveReward(String prompt, String chosen) {
        Dataset one = new Dataset("one", List.of(new Example(Map.of("prompt", prompt, "chosen", chosen, "rejected", "a"), "one:1", null)));
        Batch b = OBJECTIVE.prepare(one, new BatchSpec(1, 16), 1).get(0);
        NET.train(false);
        try (var g = GradMode.noGrad()) {
            return SequenceRewards.score(NET, OBJECTIVE.rewardHead(), b.ints("ids"), b.ints("attention_mask")).toArray()[0];
        }
    }

    static Completion completion(Tokenizer policy, String prompt, String text) {
        return new Completion(prompt, text, policy.encode(prompt), policy.encode(text), true);
    }

    @Test
    void scoresEqualTheObjectivesRewardWithThePolicysIds() {
        RewardFunction f = function(TOKENIZER);
        assertTrue(((RewardModelFunction) f).reusesPolicyIds());
        double[] s = f.score(List.of(completion(TOKENIZER, "a b c", " d"), completion(TOKENIZER, "h g", " a"), completion(TOKENIZER, "e", " f")));
        assertEquals(objectiveReward("a b c", " d"), s[0], 1e-5);
        assertEquals(objectiveReward("h g", " a"), s[1], 1e-5);
        assertEquals(objectiveReward("e", " f"), s[2], 1e-5, "the third completion, in a second batch of batch_size 2");
        assertNotEquals(s[0], s[1], 1e-6);
    }

    @Test
    void anotherPolicyTokenizerIsReTokenizedToTheSameScore() {
        Tokenizer other = new WordTokenizer(List.of("h", "g", "f", "e", "d", "c", "b", "a", "x"));   // other ids for the same words
        RewardFunction f = function(other);
        assertFalse(((RewardModelFunction) f).reusesPolicyIds());
        double[] s = f.score(List.of(completion(other, "a b c", " d")));
        assertEquals(objectiveReward("a b c", " d"), s[0], 1e-5);
    }

    @Test
    void anUnfinishedCompletionGetsNoEos() {
        RewardModelFunction f = (RewardModelFunction) function(TOKENIZER);
        int eos = TOKENIZER.requireSpecial(Tokenizer.EOS);
        int[] done = f.sequence(completion(TOKENIZER, "a b", " c"));
        int[] cut = f.sequence(new Completion("a b", " c", TOKENIZER.encode("a b"), TOKENIZER.encode(" c"), false));
        assertEquals(eos, done[done.length - 1]);
        assertArrayEquals(TOKENIZER.encode("a b c"), cut);
    }

    @Test
    void aDirectoryWithoutTheRewardHeadIsRefusedByName() {
        var e = assertThrows(ConfigException.class, () -> new RewardModelFunctionFactory().create(new Config("rewards.0", Map.of("path", "sft-model")),
                new InMemory(TOKENIZER, NET, Map.of("sft.classifier.weight", Tensor.zeros(BE, 2, 32)))));
        assertTrue(e.getMessage().contains("/configs/sft-model") && e.getMessage().contains(RewardHead.WEIGHT)
                && e.getMessage().contains("sft.classifier.weight"), e.getMessage());
        var shape = assertThrows(ConfigException.class, () -> new RewardModelFunctionFactory().create(new Config("rewards.0", Map.of("path", "rm")),
                new InMemory(TOKENIZER, NET, Map.of(RewardHead.WEIGHT, Tensor.zeros(BE, 2, 32)))));
        assertTrue(shape.getMessage().contains("/configs/rm") && shape.getMessage().contains("expected [1, 32]"), shape.getMessage());
        var unknown = assertThrows(ConfigException.class, () -> new RewardModelFunctionFactory().create(new Config("rewards.0",
                Map.of("path", "rm", "beta", 1)), new InMemory(TOKENIZER, NET, Map.of())));
        assertTrue(unknown.getMessage().contains("'beta'"), unknown.getMessage());
    }

    @Test
    void registeredAsAServiceNamedRewardModel() {
        List<String> names = ServiceLoader.load(RewardFunctionFactory.class).stream().map(p -> p.get().name()).toList();
        assertEquals(List.of("reward_model"), names);
    }
}
