package dev.kiln.runtime.generate;

import dev.kiln.api.nn.Transformer;
import dev.kiln.api.sampling.PolicySampler;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Row 0 of core-api's batched policy sampler draws what the runtime's generator draws for the same seed and settings. */
class PolicySamplerMatchesGeneratorTest {
    private static final int[] PROMPT = {3, 14, 15, 62, 35};

    @Test
    void aSingleRowEqualsTheGeneratorGreedyAndSeeded() {
        Transformer model = GeneratorTest.tinyModel(64, 64);
        for (SamplingSettings s : List.of(SamplingSettings.greedy(20),
                new SamplingSettings(false, 1.2, 0, 1.0, 1.0, 20, 99, List.of()),
                new SamplingSettings(false, 0.8, 10, 0.9, 1.0, 20, 7, List.of()))) {
            int eos = 17;
            Generation g = new Generator(model, null).generateIds(PROMPT, s, null, eos);
            PolicySampler.Samples p = new PolicySampler(new PolicySampler.Settings(s.isGreedy(), s.temperature(), s.topK(), s.topP(), s.maxNewTokens()),
                    new int[] {eos}, 64).sample(model, new int[][] {PROMPT, PROMPT}, s.seed());
            assertArrayEquals(g.tokens(), p.completions()[0], s.toString());
            assertEquals(g.reason() == Generation.StopReason.EOS, p.finished()[0], s.toString());
        }
    }
}
