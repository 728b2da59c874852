package dev.kiln.runtime.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LossSpikesTest {

    @Test
    void aFallingNoisyLossIsSaneABlowUpIsNotARecoveryIsAgain() {
        LossSpikes s = new LossSpikes(3.0);
        assertFalse(s.sane(), "nothing observed yet");
        for (int i = 0; i < 50; i++) s.observe(5.0 - i * 0.05 + (i % 2 == 0 ? 0.3 : -0.3));   // 5 → 2.5, noisy
        assertTrue(s.sane());
        for (int i = 0; i < 20; i++) s.observe(Math.pow(10, i));                              // growing to 1e19: |w| blowing up
        assertFalse(s.sane(), "moving average " + s.average());
        for (int i = 0; i < 400; i++) s.observe(2.4);                                         // back to normal
        assertTrue(s.sane(), "moving average " + s.average());
        s.observe(Double.NaN);
        assertFalse(s.sane());
    }

    @Test
    void oneSpikeTheRunRecoversFromPassesWhileItsAverageStaysUnderTheFactor() {
        LossSpikes s = new LossSpikes(3.0);
        for (int i = 0; i < 30; i++) s.observe(2.0);
        s.observe(12.0);                                   // average 0.9·2 + 0.1·12 = 3.0 ≤ 3 × 2
        assertTrue(s.sane(), "average " + s.average());
        s.observe(60.0);                                   // average 0.9·3 + 0.1·60 = 8.7 > 6
        assertFalse(s.sane(), "average " + s.average());
    }

    @Test
    void factorZeroChecksOnlyFiniteness() {
        LossSpikes s = new LossSpikes(0);
        s.observe(1.0);
        s.observe(1e20);
        assertTrue(s.sane());
        s.observe(Double.POSITIVE_INFINITY);
        assertFalse(s.sane());
    }
}
