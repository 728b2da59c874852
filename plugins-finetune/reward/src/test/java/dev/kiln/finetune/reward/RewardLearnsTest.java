package dev.kiln.finetune.reward;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.testing.TinyTraining;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.kiln.finetune.reward.RewardTask.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A reward model learns the generated preference ({@link RewardTask}): held-out pairwise accuracy
 * after full training beats the untrained model and beats a control that trains only the score
 * head on the frozen random backbone.
 *
 * <p>Why that control: a reward model is backbone + head, and TRL trains both. If a linear head on
 * frozen random features already ranked the pairs, the test would show nothing about the backbone
 * learning. At init the last token's hidden state is close to an average of the token embeddings,
 * so a linear score on it is roughly additive in the tokens: it can rank completion letters in one
 * fixed order, but "the letter after the prompt's last letter" needs the pair of letters. The head
 * alone should stay well below what the trained backbone reaches.
 */
class RewardLearnsTest {
    static final BatchSpec SPEC = new BatchSpec(16, 8);
    static final Dataset TRAIN = data("train", 256, 1), HELD_OUT = data("held-out", 128, 2);
    static final int STEPS = 300;
    /** The backbone's rate (1e-2 and 3e-2 left the training loss near 0.5 in 300 steps); the head-only control gets {@link #HEAD_LR}. */
    static final double LR = 3e-3;
    /** A linear head on fixed features is a convex problem: a larger rate only helps the control (3e-3 to 3e-2 all gave it about 0.43). */
    static final double HEAD_LR = 1e-2;

    @Test
    void fullTrainingBeatsTheUntrainedModelAndTheHeadOnlyControl() {
        Transformer net = new Transformer(BE, MODEL, 3);
        RewardObjective reward = reward(Map.of(), 1);
        Map<String, Double> before = TinyTraining.evaluate(net, reward, HELD_OUT, SPEC, 5);
        TinyTraining.train(net, reward, TRAIN, SPEC, STEPS, LR, 7);
        Map<String, Double> after = TinyTraining.evaluate(net, reward, HELD_OUT, SPEC, 5);

        Transformer frozen = new Transformer(BE, MODEL, 3);
        for (Tensor p : frozen.parameters()) p.requiresGrad(false);
        RewardObjective headOnly = reward(Map.of(), 1);
        TinyTraining.train(frozen, headOnly, TRAIN, SPEC, STEPS, HEAD_LR, 7);
        Map<String, Double> control = TinyTraining.evaluate(frozen, headOnly, HELD_OUT, SPEC, 5);

        System.out.printf("reward: held-out accuracy untrained %.3f, head only %.3f, full %.3f; margin %.3f -> %.3f%n", before.get("accuracy"),
                control.get("accuracy"), after.get("accuracy"), before.get("margin"), after.get("margin"));
        assertTrue(after.get("accuracy") >= 0.9, "held-out pairwise accuracy " + after);
        assertTrue(after.get("accuracy") >= before.get("accuracy") + 0.3, "over the untrained model by 0.3: " + before + " -> " + after);
        assertTrue(after.get("accuracy") >= control.get("accuracy") + 0.15, "over the head-only control by 0.15: " + control + " vs " + after);
        assertTrue(after.get("margin") > 1.0, "the chosen reward leads by over 1 on average: " + after);
        assertTrue(after.get("loss") < before.get("loss"), before + " -> " + after);
    }

    @Test
    void centeringKeepsRewardsNearZero() {
        Transformer plain = new Transformer(BE, MODEL, 3), centred = new Transformer(BE, MODEL, 3);
        RewardObjective a = reward(Map.of(), 1), b = reward(Map.of("center_rewards_coefficient", 1.0), 1);
        TinyTraining.train(plain, a, TRAIN, SPEC, 80, 1e-2, 7);
        TinyTraining.train(centred, b, TRAIN, SPEC, 80, 1e-2, 7);
        double meanPlain = Math.abs(TinyTraining.evaluate(plain, a, HELD_OUT, SPEC, 5).get("mean_reward"));
        Map<String, Double> c = TinyTraining.evaluate(centred, b, HELD_OUT, SPEC, 5);
        System.out.printf("reward: |mean reward| without centering %.3f, with coefficient 1: %.3f (accuracy %.3f)%n", meanPlain,
                Math.abs(c.get("mean_reward")), c.get("accuracy"));
        assertTrue(Math.abs(c.get("mean_reward")) < 0.5, "centred rewards stay near 0: " + c);
        assertTrue(Math.abs(c.get("mean_reward")) < meanPlain, "closer to 0 than without the term: " + meanPlain + " vs " + c);
    }
}
