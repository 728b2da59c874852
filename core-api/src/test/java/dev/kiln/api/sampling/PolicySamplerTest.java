package dev.kiln.api.sampling;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Storage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Batched KV-cached sampling equals recomputing each row's whole context token by token, greedy and seeded. */
class PolicySamplerTest {
    static final NaiveBackend BE = new NaiveBackend();
    // rotary positions and grouped-query heads: the cached path's position offsets and KV layout are exercised
    static final TransformerConfig LLAMA = TransformerConfig.llama(40, 32, 2, 4, 2, 64, 48);
    static final TransformerConfig GPT2 = TransformerConfig.gpt2(40, 32, 2, 4, 48);
    static final int[][] PROMPTS = {{3, 7, 9, 1}, {5, 5, 2, 8}, {3, 7, 9, 1}};

    /** The reference: row by row, the whole context through the model at every step, no cache. */
    static int[] uncached(Transformer m, int[] prompt, PolicySampler.Settings s, long seed, int eos, int vocabLimit) {
        TokenSampler sampler = new TokenSampler(s.greedy(), s.temperature(), s.topK(), s.topP(), 1.0, seed);
        int[] ctx = Arrays.copyOf(prompt, prompt.length + s.maxNewTokens());
        int len = prompt.length, produced = 0;
        try (var g = GradMode.noGrad()) {
            while (produced < s.maxNewTokens()) {
                float[] logits = m.logits(m.forward(ModelInput.of(new IntTensor(Arrays.copyOf(ctx, len), 1, len)))).toArray();
                int v = logits.length / len;
                int id = sampler.next(Arrays.copyOfRange(logits, (len - 1) * v, (len - 1) * v + vocabLimit), null, 0);
                if (id == eos) break;
                ctx[len++] = id;
                produced++;
            }
        }
        return Arrays.copyOfRange(ctx, prompt.length, len);
    }

    private static void assertMatchesUncached(TransformerConfig cfg, PolicySampler.Settings s, int eos) {
        Transformer m = new Transformer(BE, cfg, 5);
        m.train(false);
        int limit = cfg.vocab() - 3;        // a model vocabulary padded past the tokenizer's
        PolicySampler.Samples got = new PolicySampler(s, eos < 0 ? new int[0] : new int[] {eos}, limit).sample(m, PROMPTS, 42);
        for (int r = 0; r < PROMPTS.length; r++) {
            int[] want = uncached(m, PROMPTS[r], s, PolicySampler.rowSeed(42, r), eos, limit);
            assertArrayEquals(want, got.completions()[r], "row " + r + " with " + s);
            assertEquals(want.length < s.maxNewTokens(), got.finished()[r], "row " + r + " finished");
            for (int id : got.completions()[r]) assertTrue(id < limit, "id " + id + " beyond the tokenizer's vocabulary");
        }
    }

    @Test
    void greedyBatchedCachedEqualsUncachedRecomputation() {
        PolicySampler.Settings greedy = new PolicySampler.Settings(true, 1.0, 0, 1.0, 12);
        assertMatchesUncached(GPT2, greedy, -1);
        assertMatchesUncached(LLAMA, greedy, -1);
    }

    @Test
    void seededSamplingEqualsUncachedRecomputationRowByRow() {
        PolicySampler.Settings s = new PolicySampler.Settings(false, 1.3, 0, 1.0, 16);
        assertMatchesUncached(GPT2, s, -1);
        assertMatchesUncached(LLAMA, new PolicySampler.Settings(false, 0.9, 12, 0.9, 16), -1);
        Transformer m = new Transformer(BE, GPT2, 5);
        PolicySampler.Samples a = new PolicySampler(s, new int[0], 40).sample(m, PROMPTS, 42);
        PolicySampler.Samples b = new PolicySampler(s, new int[0], 40).sample(m, PROMPTS, 43);
        assertFalse(Arrays.deepEquals(a.completions(), b.completions()), "another seed draws other completions");
        assertFalse(Arrays.equals(a.completions()[0], a.completions()[2]), "identical prompts draw different completions (own seeds)");
    }

    @Test
    void rowsStopAtTheirOwnEndOfSequenceWhileOthersContinue() {
        Transformer m = new Transformer(BE, GPT2, 5);
        PolicySampler.Settings s = new PolicySampler.Settings(false, 1.5, 0, 1.0, 24);
        PolicySampler.Samples free = new PolicySampler(s, new int[0], 37).sample(m, PROMPTS, 42);
        int eos = free.completions()[1][3];             // an id row 1 draws at its 4th step
        assertMatchesUncached(GPT2, s, eos);
        PolicySampler.Samples stopped = new PolicySampler(s, new int[] {eos}, 37).sample(m, PROMPTS, 42);
        assertTrue(stopped.finished()[1] && stopped.completions()[1].length <= 3, "row 1 stops at its EOS");
        assertTrue(m.isTraining(), "the model's mode is restored");
    }

    @Test
    void promptsOfDifferentLengthsOrTooLongAreRefused() {
        Transformer m = new Transformer(BE, GPT2, 5);
        PolicySampler p = new PolicySampler(new PolicySampler.Settings(true, 1, 0, 1, 8), new int[0], 40);
        assertThrows(IllegalArgumentException.class, () -> p.sample(m, new int[][] {{1, 2}, {1}}, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> new PolicySampler(new PolicySampler.Settings(true, 1, 0, 1, 46), new int[0], 40)
                .sample(m, new int[][] {{1, 2, 3}}, 1));
        assertTrue(e.getMessage().contains("max_completion_length 46") && e.getMessage().contains("48"), e.getMessage());
    }

    @Test
    void samplesWithTheModelsWeightsDeclaredFixed() {
        // a backend may keep the weights in a faster form while they do not change (the cpu backend: packed panels)
        class Recording extends NaiveBackend {
            final Set<Storage> fixed = Collections.newSetFromMap(new IdentityHashMap<>());
            int scopes, productsInside, productsOutside;
            boolean open;

            @Override
            public Scope weightsFixed(Collection<Storage> weights) {
                scopes++;
                fixed.addAll(weights);
                open = true;
                return () -> open = false;
            }

            @Override
            public void matmul(Storage a, Storage b, Storage c, int batch, int m, int n, int k, boolean transA, boolean transB,
                               int strideA, int strideB, int strideC, float alpha, boolean accumulate) {
                if (open) productsInside++;
                else productsOutside++;
                super.matmul(a, b, c, batch, m, n, k, transA, transB, strideA, strideB, strideC, alpha, accumulate);
            }
        }
        Recording be = new Recording();
        Transformer m = new Transformer(be, GPT2, 5);
        new PolicySampler(new PolicySampler.Settings(true, 1.0, 0, 1.0, 3), new int[0], GPT2.vocab()).sample(m, PROMPTS, 1);
        assertEquals(1, be.scopes, "one scope for the whole rollout");
        assertFalse(be.open, "closed when sampling returns");
        assertEquals(m.parameters().size(), be.fixed.size(), "every parameter's storage");
        for (var p : m.parameters()) assertTrue(be.fixed.contains(p.storage()), "a parameter left out");
        assertTrue(be.productsInside > 0, "the rollout's products ran inside the scope");
        assertEquals(0, be.productsOutside, "no product outside it");
    }
}
