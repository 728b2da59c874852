package dev.kiln.finetune.ppo;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.objective.SavedModels;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.rl.Rollout;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TinyTraining;
import dev.kiln.reward.format.FormatRewardFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.kiln.api.testing.PromptTask.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * PPO with a value model of its own ({@code value_model}, TRL's layout): it starts as the reward
 * model (every position scored by the reward head), the value loss trains it and never reaches the
 * policy (the policy's gradient does not depend on vf_coef, as it does with a value head on the
 * policy's backbone), it learns the format task, and a directory without a reward head is refused.
 */
class PpoValueModelTest {
    static final int C = MODEL.dModel();

    /** A "reward model directory" {@code rm}: a causal LM of seed {@code seed} and a random score head [1, C]. */
    static SavedModels rewardModel(long seed, Map<String, Tensor> heads) {
        return new SavedModels() {
            @Override public Path resolve(String path) { return Path.of(path); }

            @Override public RewardContext.SavedModel load(Path dir) {
                Transformer m = new Transformer(BE, MODEL, seed);
                for (Tensor p : m.parameters()) p.requiresGrad(false);
                m.train(false);
                return new RewardContext.SavedModel(m, TOKENIZER, heads, Map.of());
            }
        };
    }

    static Tensor scoreHead(long seed) {
        Random rng = new Random(seed);
        float[] w = new float[C];
        for (int i = 0; i < C; i++) w[i] = (float) rng.nextGaussian() * 0.3f;
        return Tensor.of(BE, w, 1, C);
    }

    static PpoObjective ppo(Map<String, Object> extra, SavedModels models) {
        Map<String, Object> cfg = new LinkedHashMap<>(Map.of("rewards", List.of(Map.of("name", "format", "pattern", "^a")),
                "response_length", 2, "temperature", 1.0));
        cfg.putAll(extra);
        ObjectiveContext c = context(Map.of("format", new FormatRewardFactory()));
        c = new ObjectiveContext(c.tokenizer(), c.backend(), c.model(), c.seed(), c.chatTemplate(), c.rewards(), models);
        PpoObjective o = new PpoFineTunerFactory().objective(new Config("finetune.signal", cfg), c);
        o.useReference(ReferencePolicy.frozen(new Transformer(BE, MODEL, 3), "the initial weights"));
        return o;
    }

    @Test
    void theValueModelStartsAsTheRewardModelScoringEveryPosition() {
        Tensor w = scoreHead(9);
        PpoObjective ppo = ppo(Map.of("value_model", "rm"), rewardModel(5, Map.of("reward.score.weight", w)));
        assertInstanceOf(ValueModel.class, ppo.head());
        int[][] prompts = {{6, 7, 8}, {9, 10}};
        int[][] completions = {{11, 12}, {13}};
        List<Completion> scored = new ArrayList<>();
        for (int i = 0; i < 2; i++) scored.add(new Completion("p", "c", prompts[i], completions[i], false));
        Rollout r = Rollout.of(prompts, completions, new boolean[2], 0, scored);
        float[] values = ((Critic) ppo.head()).values(null, r).toArray();                  // [N, L]
        Transformer same = new Transformer(BE, MODEL, 5);
        float[] hidden = same.forward(ModelInput.of(r.ids()).withAttentionMask(r.attentionMask())).toArray();   // [N, L, C]
        float[] head = w.toArray();
        assertEquals(hidden.length / C, values.length);
        for (int k = 0; k < values.length; k++) {
            double v = 0;
            for (int j = 0; j < C; j++) v += hidden[k * C + j] * head[j];
            assertEquals(v, values[k], 1e-5, "position " + k + ": the reward head on the reward model's hidden state");
        }
        assertEquals(ppo.head().namedParameters().keySet(), ppo.companionParameters(), "a companion: neither loaded from finetune.from's heads nor saved with the policy");
        assertTrue(ppo.head().namedParameters().containsKey("value_score.weight"), ppo.head().namedParameters().keySet().toString());
        for (Tensor p : ppo.head().parameters()) assertTrue(p.requiresGrad(), "the value model trains");
    }

    @Test
    void theValueLossTrainsTheValueModelAndNeverReachesThePolicy() {
        Map<String, float[]> separateLow = policyGradients(0.1, true), separateHigh = policyGradients(10.0, true);
        for (String name : separateLow.keySet())
            if (!name.startsWith("heads."))
                assertArrayEquals(separateLow.get(name), separateHigh.get(name), 0f, name + ": the policy's gradient does not depend on vf_coef");
        double low = norm(separateLow.get("heads.ppo.value_score.weight")), high = norm(separateHigh.get("heads.ppo.value_score.weight"));
        assertTrue(low > 0 && Math.abs(high / low - 100) < 1e-2, "the value model's gradient scales with vf_coef: " + low + " -> " + high);
        Map<String, float[]> sharedLow = policyGradients(0.1, false), sharedHigh = policyGradients(10.0, false);
        String block = "blocks.1.mlp.up.weight";
        assertTrue(sharedLow.containsKey(block), sharedLow.keySet().toString());
        assertFalse(java.util.Arrays.equals(sharedLow.get(block), sharedHigh.get(block)),
                "control: with a value head on the policy's backbone the value loss does reach the policy");
    }

    /** Every trained tensor's gradient after one PPO step on the same batch, policy of seed 3. */
    private static Map<String, float[]> policyGradients(double vfCoef, boolean valueModel) {
        Map<String, Object> extra = new LinkedHashMap<>(Map.of("vf_coef", vfCoef));
        if (valueModel) extra.put("value_model", "rm");
        PpoObjective ppo = ppo(extra, rewardModel(5, Map.of("reward.score.weight", scoreHead(9))));
        Transformer net = new Transformer(BE, MODEL, 3);
        Map<String, Tensor> params = TinyTraining.parameters(net, ppo);
        for (Tensor p : params.values()) p.requiresGrad(true);
        Batch b = ppo.prepare(prompts("p", 8, 1), PpoLearnsTest.SPEC, 1).get(0);
        ppo.compute(net, b).loss().backward();
        Map<String, float[]> grads = new LinkedHashMap<>();
        params.forEach((name, p) -> grads.put(name, p.hasGrad() ? p.grad().toArray() : new float[0]));
        return grads;
    }

    private static double norm(float[] g) {
        double s = 0;
        for (float v : g) s += v * v;
        return Math.sqrt(s);
    }

    @Test
    void learnsTheFormatRewardWithAValueModelOfItsOwn() {
        Transformer net = new Transformer(BE, MODEL, 3);
        PpoObjective ppo = ppo(Map.of("value_model", "rm"), rewardModel(5, Map.of("reward.score.weight", scoreHead(9))));
        double before = TinyTraining.evaluate(net, ppo, prompts("held-out", 32, 2), PpoLearnsTest.SPEC, 5).get("objective/scores");
        float[] valueBefore = ppo.head().namedParameters().get("value_score.weight").toArray();
        TinyTraining.train(net, ppo, prompts("train", 128, 1), PpoLearnsTest.SPEC, 80, 1e-2, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, ppo, prompts("held-out", 32, 2), PpoLearnsTest.SPEC, 5);
        System.out.printf("ppo, value model: held-out mean score %.3f -> %.3f, value loss %.4f%n", before, after.get("objective/scores"),
                after.get("loss/value_avg"));
        assertTrue(after.get("objective/scores") >= 0.8, "held-out mean score " + after);
        assertTrue(after.get("objective/scores") > before + 0.5, "beats the untrained policy (" + before + ") by 0.5: " + after);
        assertFalse(java.util.Arrays.equals(valueBefore, ppo.head().namedParameters().get("value_score.weight").toArray()), "the value model trained");
    }

    @Test
    void aDirectoryWithoutARewardHeadIsRefusedNamingIt() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> ppo(Map.of("value_model", "runs/clm"), rewardModel(5, Map.of("sft.classifier.weight", scoreHead(1)))));
        assertTrue(e.getMessage().contains("runs/clm") && e.getMessage().contains("reward.score.weight") && e.getMessage().contains("sft.classifier.weight"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ppo(Map.of("value_model", "rm"), rewardModel(5, Map.of("reward.score.weight", Tensor.of(BE, new float[4], 1, 4)))));
        assertTrue(e.getMessage().contains("expected [1, " + C + "]"), e.getMessage());
    }
}
