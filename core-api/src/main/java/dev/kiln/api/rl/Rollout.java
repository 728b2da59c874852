package dev.kiln.api.rl;

import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.ops.Arithmetic;
import dev.kiln.api.reward.Completion;
import dev.kiln.api.sampling.PolicySampler;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * N sampled completions (G per prompt, consecutive) laid out for the loss forward: row i is its
 * prompt, then its completion, then its end-of-sequence id when it produced one, right-padded to the
 * longest row. The completion tokens (the EOS included, as TRL's {@code completion_mask}) are the
 * trained ones.
 *
 * @param ids           [N, L] tokens (padding 0)
 * @param attentionMask [N, L] 1 on real tokens
 * @param trained       [N, L] 1 on completion tokens
 * @param lengths       each completion's token count (its EOS included)
 * @param finished      whether each completion ended with EOS (false: cut at the token limit)
 * @param completions   what the reward functions score, in row order
 */
public record Rollout(IntTensor ids, IntTensor attentionMask, IntTensor trained, int[] lengths, boolean[] finished, List<Completion> completions) {

    /**
     * Samples {@code g} completions of each prompt with the policy (prompt i's batch seeded from
     * {@code seed} and its place in the whole batch, {@code positions[i]}) and lays them out.
     *
     * @param eos the id appended to a finished completion (negative: the tokenizer has none; nothing finishes)
     */
    public static Rollout sample(PolicySampler sampler, Transformer policy, Tokenizer tokenizer, int[][] prompts, int[] positions, int g, long seed, int eos) {
        int n = prompts.length * g;
        int[][] rows = new int[n][], completions = new int[n][];
        boolean[] finished = new boolean[n];
        List<Completion> scored = new ArrayList<>(n);
        for (int i = 0; i < prompts.length; i++) {
            int[][] copies = new int[g][];
            Arrays.fill(copies, prompts[i]);
            PolicySampler.Samples drawn = sampler.sample(policy, copies, seed + 0x632be59bd9b4e019L * positions[i]);
            String promptText = tokenizer.decode(prompts[i]);
            for (int j = 0; j < g; j++) {
                int k = i * g + j;
                rows[k] = prompts[i];
                completions[k] = drawn.completions()[j];
                finished[k] = drawn.finished()[j];
                scored.add(new Completion(promptText, tokenizer.decode(completions[k], true), prompts[i], completions[k], finished[k]));
            }
        }
        return of(rows, completions, finished, Math.max(eos, 0), scored);
    }

    /**
     * @param prompts     [N][*] each row's prompt ids
     * @param completions [N][*] each row's sampled ids, without the EOS
     * @param finished    whether each completion ended with {@code eos}
     * @param eos         the id appended to a finished completion
     */
    public static Rollout of(int[][] prompts, int[][] completions, boolean[] finished, int eos, List<Completion> scored) {
        int n = prompts.length, width = 1;
        int[] lengths = new int[n];
        for (int i = 0; i < n; i++) {
            lengths[i] = completions[i].length + (finished[i] ? 1 : 0);
            width = Math.max(width, prompts[i].length + lengths[i]);
        }
        int[] ids = new int[n * width], mask = new int[n * width], trained = new int[n * width];
        for (int i = 0; i < n; i++) {
            int at = i * width, p = prompts[i].length;
            System.arraycopy(prompts[i], 0, ids, at, p);
            System.arraycopy(completions[i], 0, ids, at + p, completions[i].length);
            if (finished[i]) ids[at + p + completions[i].length] = eos;
            for (int t = 0; t < p + lengths[i]; t++) mask[at + t] = 1;
            for (int t = p; t < p + lengths[i]; t++) trained[at + t] = 1;
        }
        return new Rollout(new IntTensor(ids, n, width), new IntTensor(mask, n, width), new IntTensor(trained, n, width), lengths,
                finished.clone(), List.copyOf(scored));
    }

    /** How many completions. */
    public int size() { return lengths.length; }

    /** [N, L, V] {@code model}'s next-token logits of these rows divided by the sampling temperature, as TRL scores them. */
    public Tensor scaledLogits(Transformer model, double temperature) {
        Tensor logits = model.logits(model.forward(ModelInput.of(ids).withAttentionMask(attentionMask)));
        return temperature == 1.0 ? logits : Arithmetic.mulScalar(logits, (float) (1.0 / temperature));
    }

    /**
     * TRL's completion metrics, {@code completions/mean_length}, {@code min_length}, {@code max_length},
     * {@code clipped_ratio} (cut at the limit), and {@code completions/distinct_2} (unique token bigrams over all
     * bigrams of the batch's completions, {@link DistinctNgrams}; not TRL's: a falling share shows a policy
     * repeating what the reward likes).
     */
    public Map<String, Double> completionMetrics() {
        double sum = 0, min = Double.MAX_VALUE, max = 0, cut = 0;
        for (int i = 0; i < lengths.length; i++) {
            sum += lengths[i];
            min = Math.min(min, lengths[i]);
            max = Math.max(max, lengths[i]);
            if (!finished[i]) cut++;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("completions/mean_length", sum / lengths.length);
        m.put("completions/min_length", min);
        m.put("completions/max_length", max);
        m.put("completions/clipped_ratio", cut / lengths.length);
        m.put("completions/distinct_2", DistinctNgrams.of(completions.stream().map(Completion::ids).toList(), 2));
        return m;
    }
}
