package dev.kiln.reward.format;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.reward.RewardFunction;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class FormatRewardTest {
    static Completion text(String s) {
        return new Completion("p", s, new int[] {1}, new int[s.length()], true);
    }

    @Test
    void oneWhenThePatternIsFoundElseZero() {
        RewardFunction f = new FormatRewardFactory().create(new Config("rewards[0]", Map.of("pattern", "^<think>.*</think>")), null);
        assertEquals("format", f.name());
        assertArrayEquals(new double[] {1, 1, 0, 0}, f.score(List.of(text("<think>a\nb</think> 4"), text("<think></think>"),
                text(" <think>x</think>"), text("4"))), 0);
    }

    @Test
    void fullMatchRequiresTheWholeText() {
        RewardFunction f = new FormatRewardFactory().create(new Config("rewards[0]", Map.of("pattern", "a+", "full_match", true)), null);
        assertArrayEquals(new double[] {1, 0}, f.score(List.of(text("aaa"), text("aab"))), 0);
    }

    @Test
    void aBadRegexIsRefusedNamingTheKey() {
        var e = assertThrows(ConfigException.class, () -> new FormatRewardFactory().create(new Config("finetune.signal.rewards[0]",
                Map.of("pattern", "(unclosed")), null));
        assertTrue(e.getMessage().contains("finetune.signal.rewards[0]: key 'pattern'") && e.getMessage().contains("(unclosed"), e.getMessage());
        assertThrows(ConfigException.class, () -> new FormatRewardFactory().create(new Config("r", Map.of()), null));
    }
}
