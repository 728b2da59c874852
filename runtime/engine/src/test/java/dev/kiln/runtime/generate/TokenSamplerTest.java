package dev.kiln.runtime.generate;

import dev.kiln.api.sampling.TokenSampler;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class TokenSamplerTest {
    private static final float[] LOGITS = {1f, 3f, 2f, 0f, -1f};

    @Test
    void topKRestrictsToTheKBest() {
        TokenSampler s = (SamplingSettings.defaults().withTopK(2).withTopP(1.0).withTemperature(5.0)).sampler();
        for (int i = 0; i < 200; i++) {
            int id = s.next(LOGITS, null, 0);
            assertTrue(id == 1 || id == 2, "top-2 drew " + id);
        }
    }

    @Test
    void topPKeepsTheNucleus() {
        // softmax of LOGITS: p(1) ≈ 0.64, p(2) ≈ 0.24; top_p 0.7 keeps exactly {1, 2}
        TokenSampler s = (SamplingSettings.defaults().withTopK(0).withTopP(0.7).withTemperature(1.0)).sampler();
        boolean sawTwo = false;
        for (int i = 0; i < 300; i++) {
            int id = s.next(LOGITS, null, 0);
            assertTrue(id == 1 || id == 2, "top-p 0.7 drew " + id);
            sawTwo |= id == 2;
        }
        assertTrue(sawTwo);
    }

    @Test
    void repetitionPenaltyDemotesSeenTokens() {
        TokenSampler s = (SamplingSettings.greedy(1).withRepetitionPenalty(2.0)).sampler();
        assertEquals(2, s.next(LOGITS, new int[] {1}, 1), "3/2 = 1.5 < 2, so token 2 wins");
    }

    @Test
    void invalidSettingsNameTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> SamplingSettings.defaults().withTopP(0));
        assertTrue(e.getMessage().contains("top_p"));
        e = assertThrows(IllegalArgumentException.class, () -> SamplingSettings.defaults().withTemperature(-1));
        assertTrue(e.getMessage().contains("temperature"));
    }
}
