package dev.kiln.runtime.generate;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GeneratorTest {
    private static final int[] PROMPT = {3, 14, 15, 62, 35};

    /** A random tiny causal model; a large init spreads the logits so arg-max has no near-ties. */
    static Transformer tinyModel(int vocab, int maxSeq) {
        TransformerConfig cfg = TransformerConfig.fromConfig(new Config("model", Map.of(
                "vocab", vocab, "d_model", 32, "layers", 2, "heads", 4, "max_seq", maxSeq, "init_std", 0.4)));
        return new Transformer(new NaiveBackend(), cfg, 7);
    }

    @Test
    void greedyWithCacheEqualsRecomputingTheWholeSequence() {
        Transformer model = tinyModel(64, 64);
        Generation cached = new Generator(model, null).generateIds(PROMPT, SamplingSettings.greedy(24), null, -1);
        Generation full = new Generator(model, null).useCache(false).generateIds(PROMPT, SamplingSettings.greedy(24), null, -1);
        assertArrayEquals(full.tokens(), cached.tokens());
        assertEquals(24, cached.tokens().length);
        assertEquals(Generation.StopReason.MAX_TOKENS, cached.reason());
        assertEquals(0, cached.contextSlides());
    }

    @Test
    void slidingPastMaxSeqMatchesTheUncachedWindow() {
        Transformer model = tinyModel(64, 12);
        Generation cached = new Generator(model, null).generateIds(PROMPT, SamplingSettings.greedy(30), null, -1);
        Generation full = new Generator(model, null).useCache(false).generateIds(PROMPT, SamplingSettings.greedy(30), null, -1);
        assertArrayEquals(full.tokens(), cached.tokens());
        assertEquals(30, cached.tokens().length);
        assertTrue(cached.contextSlides() > 0, "a 35-token context in a 12-token window must slide");
        assertEquals(full.contextSlides(), cached.contextSlides());
    }

    /** With position_offset 4 of max_seq 12, only 8 positions exist: the window slides at 8 tokens, not 12. */
    @Test
    void aPositionOffsetShortensTheWindow() {
        Transformer base = tinyModel(64, 12);
        Transformer model = new Transformer(new NaiveBackend(), base.config().toBuilder().positionOffset(4).build(), 7);
        assertEquals(8, model.config().usablePositions());
        for (boolean cache : new boolean[] {true, false}) {
            Generation g = new Generator(model, null).useCache(cache).generateIds(PROMPT, SamplingSettings.greedy(12), null, -1);
            assertEquals(12, g.tokens().length);
            assertTrue(g.contextSlides() > 0, "17 tokens in 8 usable positions must slide");
        }
        int[] eight = new int[8];
        for (int i = 0; i < eight.length; i++) eight[i] = i + 1;
        assertEquals(0, new Generator(model, null).generateIds(eight, SamplingSettings.greedy(1), null, -1).contextSlides(),
                "8 tokens fit the 8 usable positions");
    }

    @Test
    void promptLongerThanMaxSeqKeepsItsEnd() {
        Transformer model = tinyModel(64, 8);
        int[] longPrompt = new int[20];
        for (int i = 0; i < longPrompt.length; i++) longPrompt[i] = (i * 7) % 64;
        Generation g = new Generator(model, null).generateIds(longPrompt, SamplingSettings.greedy(5), null, -1);
        assertEquals(5, g.tokens().length);
        assertEquals(20, g.promptTokens());
    }

    @Test
    void topKOneAndTinyTopPEqualGreedy() {
        Transformer model = tinyModel(64, 64);
        int[] greedy = new Generator(model, null).generateIds(PROMPT, SamplingSettings.greedy(16), null, -1).tokens();
        SamplingSettings sampled = SamplingSettings.defaults().withMaxNewTokens(16).withTemperature(1.0).withSeed(99);
        int[] topK1 = new Generator(model, null).generateIds(PROMPT, sampled.withTopK(1).withTopP(1.0), null, -1).tokens();
        int[] topPTiny = new Generator(model, null).generateIds(PROMPT, sampled.withTopK(0).withTopP(1e-9), null, -1).tokens();
        assertArrayEquals(greedy, topK1);
        assertArrayEquals(greedy, topPTiny);
    }

    @Test
    void sameSeedSameSampleOtherSeedOtherSample() {
        Transformer model = tinyModel(64, 64);
        SamplingSettings s = SamplingSettings.defaults().withMaxNewTokens(24).withTemperature(1.5).withTopK(0).withTopP(1.0);
        int[] a = new Generator(model, null).generateIds(PROMPT, s.withSeed(1), null, -1).tokens();
        int[] b = new Generator(model, null).generateIds(PROMPT, s.withSeed(1), null, -1).tokens();
        int[] c = new Generator(model, null).generateIds(PROMPT, s.withSeed(2), null, -1).tokens();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c), "different seeds should give different 24-token samples at T=1.5");
    }

    @Test
    void temperatureToZeroIsGreedyWithoutNaN() {
        Transformer model = tinyModel(64, 64);
        int[] greedy = new Generator(model, null).generateIds(PROMPT, SamplingSettings.greedy(12), null, -1).tokens();
        for (double t : new double[] {0.0, 1e-9, 1e-5}) {
            SamplingSettings s = SamplingSettings.defaults().withMaxNewTokens(12).withTemperature(t).withSeed(5);
            assertArrayEquals(greedy, new Generator(model, null).generateIds(PROMPT, s, null, -1).tokens(), "T=" + t);
        }
        // just above the greedy cut-off the sampler divides by T: the distribution is a point mass, not NaN
        SamplingSettings small = SamplingSettings.defaults().withMaxNewTokens(12).withTemperature(1e-3).withTopK(0).withTopP(1.0);
        assertArrayEquals(greedy, new Generator(model, null).generateIds(PROMPT, small, null, -1).tokens());
    }

    @Test
    void stopsAtEosAndOnCallback() {
        Transformer model = tinyModel(64, 64);
        int[] greedy = new Generator(model, null).generateIds(PROMPT, SamplingSettings.greedy(8), null, -1).tokens();
        Generation atEos = new Generator(model, null).generateIds(PROMPT, SamplingSettings.greedy(8), null, greedy[3]);
        assertEquals(Generation.StopReason.EOS, atEos.reason());
        assertTrue(atEos.tokens().length <= 3);
        List<Integer> seen = new ArrayList<>();
        Generation cb = new Generator(model, null).generateIds(PROMPT, SamplingSettings.greedy(8), id -> {
            seen.add(id);
            return seen.size() == 2;
        }, -1);
        assertEquals(Generation.StopReason.CALLBACK, cb.reason());
        assertEquals(2, cb.tokens().length);
    }

    @Test
    void textGenerationStreamsWhatItReturns() {
        Transformer model = tinyModel(257, 64);
        StringBuilder streamed = new StringBuilder();
        Generation g = new Generator(model, new TestBytes()).generate("hi", SamplingSettings.greedy(20), streamed::append);
        assertEquals(g.text(), streamed.toString());
        assertEquals(2, g.promptTokens());
        assertTrue(model.isTraining(), "the model's training mode is restored");
    }

    @Test
    void onlyIdsTheTokenizerKnowsAreSampled() {
        Transformer model = tinyModel(300, 64); // vocab padded past the tokenizer's 257 ids
        SamplingSettings hot = SamplingSettings.defaults().withTemperature(3.0).withTopK(0).withTopP(1.0).withMaxNewTokens(60);
        Generation g = new Generator(model, new TestBytes()).generate("ab", hot, null);
        for (int id : g.tokens()) assertTrue(id < 257, "sampled id " + id);
    }

    @Test
    void bidirectionalModelIsRefused() {
        TransformerConfig bert = TransformerConfig.bert(64, 32, 1, 4, 16);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Generator(new Transformer(new NaiveBackend(), bert, 1), null));
        assertTrue(e.getMessage().contains("causal"), e.getMessage());
    }
}
