package dev.kiln.finetune.reward;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static dev.kiln.finetune.reward.RewardTask.*;
import static org.junit.jupiter.api.Assertions.*;

/** The reward is read at each row's last non-padding token, and right padding does not change it. */
class SequenceRewardsTest {

    @Test
    void lastRealTokenIsPickedPerRowUnderRightPadding() {
        // hidden [3, 4, 2]: position t of row r holds (10r + t, −(10r + t)); rows have 4, 2 and 1 real tokens
        float[] h = new float[3 * 4 * 2];
        for (int r = 0; r < 3; r++)
            for (int t = 0; t < 4; t++) {
                h[(r * 4 + t) * 2] = 10 * r + t;
                h[(r * 4 + t) * 2 + 1] = -(10 * r + t);
            }
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0}, 3, 4);
        Tensor pooled = SequenceRewards.lastReal(Tensor.of(BE, h, 3, 4, 2), mask);
        assertArrayEquals(new float[] {3, -3, 11, -11, 20, -20}, pooled.toArray(), 0f, "positions 3, 1 and 0");
        var empty = assertThrows(IllegalArgumentException.class, () -> SequenceRewards.lastRealIndex(new IntTensor(new int[] {1, 0, 0, 0}, 2, 2), 1));
        assertTrue(empty.getMessage().contains("row 1"), empty.getMessage());
    }

    @Test
    void aPaddedRowScoresAsItDoesAlone() {
        Transformer net = new Transformer(BE, MODEL, 3);
        net.train(false);
        RewardHead head = reward(java.util.Map.of(), 5).rewardHead();
        int pad = TOKENIZER.special(dev.kiln.api.tokenizer.Tokenizer.PAD).orElseThrow();
        try (var g = GradMode.noGrad()) {
            float alone = SequenceRewards.score(net, head, new IntTensor(new int[] {5, 6, 7}, 1, 3), new IntTensor(new int[] {1, 1, 1}, 1, 3)).item();
            float[] padded = SequenceRewards.score(net, head, new IntTensor(new int[] {5, 6, 7, pad, pad, 8, 9, 10, 11, 12}, 2, 5),
                    new IntTensor(new int[] {1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, 2, 5)).toArray();
            assertEquals(alone, padded[0], 1e-5f, "the row [5 6 7] padded to 5 scores at its third token");
            float lastPad = SequenceRewards.score(net, head, new IntTensor(new int[] {5, 6, 7, pad, pad}, 1, 5),
                    new IntTensor(new int[] {1, 1, 1, 1, 1}, 1, 5)).item();
            assertNotEquals(alone, lastPad, 1e-4f, "reading the last position instead (a pad) would give another reward");
        }
    }
}
