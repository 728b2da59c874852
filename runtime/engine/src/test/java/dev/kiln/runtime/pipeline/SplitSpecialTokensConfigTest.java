package dev.kiln.runtime.pipeline;

import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.tokenizer.ByteTokenizer;
import dev.kiln.runtime.tokenizer.SpecialTokenSplitting;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** {@code data.split_special_tokens}: absent keeps the tokenizer, true encodes special-token strings as text. */
class SplitSpecialTokensConfigTest {

    private static Config root(Object value) {
        Map<String, Object> data = value == null ? Map.of("train", "x.txt") : Map.of("train", "x.txt", "split_special_tokens", value);
        return new Config("pipeline", Map.of("data", data));
    }

    @Test
    void absentKeepsTheTokenizerAndTrueSplits() {
        ByteTokenizer t = new ByteTokenizer();
        assertSame(t, PipelineInputs.specialTokens(root(null), t));
        Tokenizer split = PipelineInputs.specialTokens(root(true), t);
        assertTrue(SpecialTokenSplitting.splits(split));
        assertEquals("<|endoftext|>".length(), split.encode("<|endoftext|>").length);
        assertArrayEquals(new int[] {256}, PipelineInputs.specialTokens(root(false), t).encode("<|endoftext|>"));
    }

    @Test
    void aValueThatIsNotABooleanIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> PipelineInputs.specialTokens(root("sometimes"), new ByteTokenizer()));
        assertTrue(e.getMessage().contains("pipeline.data") && e.getMessage().contains("split_special_tokens"), e.getMessage());
    }
}
