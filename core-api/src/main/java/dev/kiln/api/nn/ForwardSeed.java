package dev.kiln.api.nn;

import java.util.function.Supplier;

/**
 * The dropout seed of the block (or model) forward pass running on this thread, for modules that
 * draw dropout masks but are not handed a seed: adapters inside a {@link Linear} (LoRA's dropout).
 * Mixed with the module's own seed it gives masks that depend only on the training step, the layer
 * and the module, so a resumed run and a gradient-checkpointing recompute (which re-runs the block
 * with the same seed) draw the same masks as the original pass.
 */
public final class ForwardSeed {
    private static final ThreadLocal<long[]> CURRENT = ThreadLocal.withInitial(() -> new long[] {0});

    private ForwardSeed() {}

    /** The seed of the innermost forward pass running on this thread (0 outside any). */
    public static long current() { return CURRENT.get()[0]; }

    /** Runs {@code pass} with {@code seed} as the current seed, restoring the outer one after. */
    public static <T> T with(long seed, Supplier<T> pass) {
        long[] slot = CURRENT.get();
        long outer = slot[0];
        slot[0] = seed;
        try {
            return pass.get();
        } finally {
            slot[0] = outer;
        }
    }
}
