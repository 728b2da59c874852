package dev.kiln.api.autograd;

/**
 * Whether ops record the autograd tape on this thread. Use {@code try (var g = GradMode.noGrad()) {...}}
 * for evaluation and generation: no graph is built and no activations are kept for a backward pass.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Disables recording until the returned scope is closed (restores the previous state). */
    public static Scope noGrad() {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = false;
        return () -> flag[0] = previous;
    }

    /** Enables recording until the returned scope is closed (a checkpoint's recompute inside a backward pass). */
    public static Scope enableGrad() {
        boolean[] flag = ENABLED.get();
        boolean previous = flag[0];
        flag[0] = true;
        return () -> flag[0] = previous;
    }

    /** A scope that restores the grad mode it replaced. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
