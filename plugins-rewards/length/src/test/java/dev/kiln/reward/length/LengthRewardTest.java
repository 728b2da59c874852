package dev.kiln.reward.length;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardFunction;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class LengthRewardTest {
    static Completion of(int tokens) {
        return new Completion("p", "x".repeat(tokens), new int[] {1}, new int[tokens], true);
    }

    @Test
    void scoresMinusTheRelativeDistanceToTheTarget() {
        RewardFunction f = new LengthRewardFactory().create(new Config("rewards[0]", Map.of("target", 4)), null);
        assertEquals("length", f.name());
        assertArrayEquals(new double[] {-1.0, -0.5, 0.0, -0.25, -1.5}, f.score(List.of(of(0), of(2), of(4), of(5), of(10))), 1e-12);
    }

    @Test
    void aMissingOrBadTargetAndUnknownKeysAreRefusedNamingTheKey() {
        var f = new LengthRewardFactory();
        assertTrue(assertThrows(ConfigException.class, () -> f.create(new Config("rewards[0]", Map.of()), null)).getMessage().contains("'target'"));
        assertTrue(assertThrows(ConfigException.class, () -> f.create(new Config("rewards[0]", Map.of("target", 0)), null)).getMessage().contains("'target'"));
        var e = assertThrows(ConfigException.class, () -> f.create(new Config("rewards[0]", Map.of("target", 3, "tagret", 1)), null));
        assertTrue(e.getMessage().contains("tagret") && e.getMessage().contains("target"), e.getMessage());
    }
}
