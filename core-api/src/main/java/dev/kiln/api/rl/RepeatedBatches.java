package dev.kiln.api.rl;

import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Batches;
import dev.kiln.api.tensor.IntTensor;

/**
 * Several optimizer steps per rollout (GRPO's num_iterations μ, PPO's num_ppo_epochs) on a trainer
 * that takes one step per batch: each batch is handed out {@code k} times in a row, tagged with its
 * repeat index (0 samples a rollout, the later ones train on the kept rollout).
 */
public final class RepeatedBatches {
    private RepeatedBatches() {}

    /** Each batch of {@code base} {@code k} times in a row, the i-th repeat tagged {@code key} = [i]. */
    public static Batches repeat(Batches base, int k, String key) {
        if (k <= 1) return base;
        return Batches.lazy(base.size() * k, i -> base.get(i / k).putWhole(key, new IntTensor(new int[] {(int) (i % k)}, 1)));
    }

    /** The repeat index of a batch (0 when it was not repeated). */
    public static int index(Batch batch, String key) {
        IntTensor t = batch.intsOrNull(key);
        return t == null ? 0 : t.data()[0];
    }
}
