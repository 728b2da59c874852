package dev.kiln.api.sampling;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.nn.KVCache;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Shapes;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;

import java.util.Arrays;

/**
 * Batched, KV-cached sampling from a causal policy inside training (GRPO, RLOO): N prompts of the
 * same token length (e.g. G copies of one prompt) run through the model as one [N, P] batch, then
 * each step feeds the N new tokens as one [N, 1] batch. Positions are shared by every row (no left
 * padding is needed), so the cached forward equals recomputing the whole context. A row stops at its
 * first end-of-sequence id; it keeps being fed {@code pad} afterwards (those tokens are never read).
 * Runs without the tape and in evaluation mode; both are restored, and with the model's weights declared fixed
 * ({@link dev.kiln.api.backend.Backend#weightsFixed}), as they are until the next optimizer step.
 *
 * <p>Each row has its own {@link TokenSampler}: row r is seeded with {@link #rowSeed}(seed, r), so
 * row 0 draws what the runtime's generator draws for the same seed and settings.
 */
public final class PolicySampler {
    /** How each token is picked: top_k 0 and top_p 1 are off; greedy takes the arg-max. */
    public record Settings(boolean greedy, double temperature, int topK, double topP, int maxNewTokens) {
        public Settings {
            if (maxNewTokens < 1) throw new IllegalArgumentException("sampling: max_new_tokens must be >= 1, got " + maxNewTokens);
        }
    }

    /**
     * N sampled completions.
     *
     * @param completions each row's new ids, stopping before its end-of-sequence id
     * @param finished    whether the row produced an end-of-sequence id (false: cut at max_new_tokens)
     */
    public record Samples(int[][] completions, boolean[] finished) {}

    private final Settings settings;
    private final int[] eos;
    private final int vocabLimit;

    /**
     * @param eos        ids that end a completion (may be empty: then only max_new_tokens stops)
     * @param vocabLimit ids at or above it are never drawn (the tokenizer's size when the model's vocabulary is padded)
     */
    public PolicySampler(Settings settings, int[] eos, int vocabLimit) {
        this.settings = settings;
        this.eos = eos.clone();
        this.vocabLimit = vocabLimit;
    }

    /** The seed row {@code row} of a batch seeded with {@code seed} draws with (row 0: the seed itself). */
    public static long rowSeed(long seed, int row) {
        return seed + 0x9e3779b97f4a7c15L * row;
    }

    /** Samples one completion per row of {@code prompts} [N][P] (every row the same length P). */
    public Samples sample(Transformer model, int[][] prompts, long seed) {
        int n = prompts.length;
        if (n == 0) throw new IllegalArgumentException("sampling: no prompts");
        int p = prompts[0].length;
        if (p == 0) throw new IllegalArgumentException("sampling: a prompt has no tokens");
        for (int[] row : prompts)
            if (row.length != p) throw new IllegalArgumentException("sampling: prompts of one batch must have the same length, got " + p + " and " + row.length);
        int max = settings.maxNewTokens(), usable = model.config().usablePositions() - model.prefixTokens()
                - (model.softPrompt() == null ? 0 : model.softPrompt().tokens());
        if (p + max > usable)
            throw new IllegalArgumentException("sampling: a prompt of " + p + " tokens plus max_completion_length " + max
                    + " exceeds the model's " + usable + " positions; lower max_prompt_length or max_completion_length");
        TokenSampler[] samplers = new TokenSampler[n];
        for (int r = 0; r < n; r++)
            samplers[r] = new TokenSampler(settings.greedy(), settings.temperature(), settings.topK(), settings.topP(), 1.0, rowSeed(seed, r));
        int[][] out = new int[n][max];
        int[] produced = new int[n];
        boolean[] finished = new boolean[n];
        int pad = eos.length > 0 ? eos[0] : 0;
        KVCache cache = new KVCache(model.config().layers());
        boolean training = model.isTraining();
        model.train(false);
        try (var g = GradMode.noGrad();
             var fixed = model.backend().weightsFixed(model.parameters().stream().map(Tensor::storage).toList())) {
            int[] feed = new int[n * p];
            for (int r = 0; r < n; r++) System.arraycopy(prompts[r], 0, feed, r * p, p);
            int width = p, open = n;
            for (int step = 0; step < max && open > 0; step++) {
                float[] last = lastLogits(model, new IntTensor(feed, n, width), cache);      // [N, V]
                int v = last.length / n;
                int[] next = new int[n];
                for (int r = 0; r < n; r++) {
                    if (finished[r]) { next[r] = pad; continue; }
                    float[] row = Arrays.copyOfRange(last, r * v, r * v + Math.min(v, vocabLimit));
                    int id = samplers[r].next(row, null, 0);
                    if (contains(eos, id)) {
                        finished[r] = true;
                        open--;
                        next[r] = pad;
                    } else {
                        out[r][produced[r]++] = id;
                        next[r] = id;
                    }
                }
                feed = next;
                width = 1;
            }
        } finally {
            model.train(training);
        }
        int[][] completions = new int[n][];
        for (int r = 0; r < n; r++) completions[r] = Arrays.copyOf(out[r], produced[r]);
        return new Samples(completions, finished);
    }

    /** ids [N, t] through the model, appended to the cache; the last position's logits, [N·V] row-major. */
    private static float[] lastLogits(Transformer model, IntTensor ids, KVCache cache) {
        int t = ids.dim(1);
        Tensor hidden = model.forward(ModelInput.of(ids).withCache(cache));              // [N, t, C]
        return model.logits(Shapes.slice(hidden, 1, t - 1, t)).toArray();               // [N, 1, V]
    }

    private static boolean contains(int[] ids, int id) {
        for (int i : ids) if (i == id) return true;
        return false;
    }
}
