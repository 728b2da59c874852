package dev.kiln.api.rl;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Advantages against hand-computed values (unbiased standard deviations, as torch.std). */
class AdvantagesTest {
    @Test
    void grpoCentresOnTheGroupMeanAndDividesByTheGroupStd() {
        // group [1, 2, 3, 4]: mean 2.5, unbiased std sqrt(5/3) = 1.2909944
        double s = Math.sqrt(5.0 / 3) + 1e-4;
        assertArrayEquals(new double[] {-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s}, Advantages.grpo(new double[] {1, 2, 3, 4}, 4, Advantages.Scale.GROUP), 1e-12);
        // two groups of 2: [0, 2] (mean 1, std sqrt 2) and [5, 5] (std 0: advantages 0)
        double s2 = Math.sqrt(2) + 1e-4;
        assertArrayEquals(new double[] {-1 / s2, 1 / s2, 0, 0}, Advantages.grpo(new double[] {0, 2, 5, 5}, 2, Advantages.Scale.GROUP), 1e-12);
    }

    @Test
    void drGrpoOnlyCentresAndBatchScalingUsesTheBatchStd() {
        assertArrayEquals(new double[] {-0.5, 0.5, -1, 1}, Advantages.grpo(new double[] {0, 1, 2, 4}, 2, Advantages.Scale.NONE), 1e-12);
        // batch [0, 1, 2, 4]: mean 1.75, unbiased variance 8.75 / 3
        double s = Math.sqrt(8.75 / 3) + 1e-4;
        assertArrayEquals(new double[] {-0.5 / s, 0.5 / s, -1 / s, 1 / s}, Advantages.grpo(new double[] {0, 1, 2, 4}, 2, Advantages.Scale.BATCH), 1e-12);
    }

    @Test
    void leaveOneOutSubtractsTheMeanOfTheOthers() {
        // [1, 2, 3]: 1 − (2 + 3)/2, 2 − (1 + 3)/2, 3 − (1 + 2)/2; [0, 1]: 0 − 1, 1 − 0
        assertArrayEquals(new double[] {-1.5, 0, 1.5}, Advantages.leaveOneOut(new double[] {1, 2, 3}, 3), 1e-12);
        assertArrayEquals(new double[] {-1, 1, 0, 0}, Advantages.leaveOneOut(new double[] {0, 1, 7, 7}, 2), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Advantages.leaveOneOut(new double[] {1, 2}, 1));
        assertThrows(IllegalArgumentException.class, () -> Advantages.grpo(new double[] {1, 2, 3}, 2, Advantages.Scale.GROUP));
    }

    @Test
    void groupStatistics() {
        double[] r = {0, 2, 5, 5};
        assertEquals(Math.sqrt(2) / 2, Advantages.meanGroupStd(r, 2), 1e-12);
        assertEquals(0.5, Advantages.fracZeroStd(r, 2), 0);
        double[] w = Advantages.whiten(new double[] {-1, 1});
        assertArrayEquals(new double[] {-1 / (Math.sqrt(2) + 1e-4), 1 / (Math.sqrt(2) + 1e-4)}, w, 1e-12);
    }
}
