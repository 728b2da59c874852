package dev.kiln.runtime.hf;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.generate.Generation;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.SamplingSettings;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Text generation runs on loaded Hugging Face checkpoints, with the KV cache agreeing with full
 * recomputation. (Not for dynamic rope scaling: there, as in transformers, cached keys keep the
 * rotation of the length they were computed at.)
 */
class HfGenerateTest {

    @Test
    void greedyGenerationRunsOnTheGpt2FixtureWithItsTokenizer() throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir("gpt2"), new NaiveBackend());
        Tokenizer tok = TokenizerFiles.load(HfFixtures.dir("gpt2"));   // vocab.json + merges.txt
        assertEquals(262, tok.vocabSize());
        assertEquals(261, tok.special(Tokenizer.EOS).orElse(-1));
        StringBuilder streamed = new StringBuilder();
        Generation g = new Generator(m.model(), tok).generate("the heron", SamplingSettings.greedy(6), streamed::append);
        assertTrue(g.tokens().length > 0, "no tokens generated: " + g.reason());
        assertEquals(g.text(), streamed.toString());
        Generation again = new Generator(m.model(), tok).useCache(false).generate("the heron", SamplingSettings.greedy(6), s -> {});
        assertArrayEquals(again.tokens(), g.tokens(), "cached and uncached greedy decoding differ");
    }

    /** Mistral's window (3) is shorter than the 16 decoded positions; Qwen3 has q/k norms; llama3 scaled frequencies. */
    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3", "llama-linear", "mistral", "qwen2", "qwen3"})
    void cachedDecodingEqualsRecomputation(String fixture) throws IOException {
        HfModel m = HfCheckpoints.load(HfFixtures.dir(fixture), new NaiveBackend());
        int[] prompt = {1, 17, 42, 5};
        Generation cached = new Generator(m.model(), null).generateIds(prompt, SamplingSettings.greedy(12), null, -1);
        Generation full = new Generator(m.model(), null).useCache(false).generateIds(prompt, SamplingSettings.greedy(12), null, -1);
        assertEquals(12, cached.tokens().length);
        assertArrayEquals(full.tokens(), cached.tokens());
    }
}
