package dev.kiln.api.rl;

import dev.kiln.api.tensor.IntTensor;

/**
 * N sampled completions laid out for the loss forward: row i is prompt i, then completion i, then
 * its end-of-sequence id when it produced one, right-padded to the longest row. The completion
 * tokens (the EOS included, as TRL's {@code completion_mask}) are the trained ones.
 *
 * @param ids           [N, L] tokens (padding 0)
 * @param attentionMask [N, L] 1 on real tokens
 * @param trained       [N, L] 1 on completion tokens
 * @param lengths       each completion's token count (its EOS included)
 */
public record Rollout(IntTensor ids, IntTensor attentionMask, IntTensor trained, int[] lengths) {

    /**
     * @param prompts     [N][*] each row's prompt ids
     * @param completions [N][*] each row's sampled ids, without the EOS
     * @param finished    whether each completion ended with {@code eos}
     * @param eos         the id appended to a finished completion
     */
    public static Rollout of(int[][] prompts, int[][] completions, boolean[] finished, int eos) {
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
        return new Rollout(new IntTensor(ids, n, width), new IntTensor(mask, n, width), new IntTensor(trained, n, width), lengths);
    }
}
