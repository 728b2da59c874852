package dev.kiln.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The last block of a product that one thread runs alone ({@link Gemm#runSharingTail}), whose row panels a second
 * thread takes a share of once it has run out of work of its own ({@link #help}): two products side by side, one per
 * thread, end together even when one takes longer than the other. Both threads claim panels in chunks that shrink as
 * the block runs out, as {@link Parallel#guided} hands them out: half an even share of what is left, at least
 * minChunk, so the owner, alone until the helper comes, leaves chunks to share.
 */
final class SharedTail {
    /** A block offered for sharing: panels [0, panels) of rows, claimed through next. */
    private record Block(int panels, int minChunk, Parallel.Range rows, AtomicInteger next) {}

    /** What the owner leaves when it ends without offering a block (an empty product, or a failure). */
    private static final Block NONE = new Block(0, 1, (q0, q1) -> {}, new AtomicInteger());

    private final AtomicReference<Block> block = new AtomicReference<>();

    /** The owner: offers panels [0, panels) of its last block, run by rows(q0, q1), and runs its own share of them. */
    void offer(int panels, int minChunk, Parallel.Range rows) {
        Block b = new Block(panels, Math.max(1, minChunk), rows, new AtomicInteger());
        if (!block.compareAndSet(null, b)) throw new IllegalStateException("a product offers one last block");
        claim(b);
    }

    /** The owner, as it returns: a helper waiting for a block that never came stops waiting. */
    void close() { block.compareAndSet(null, NONE); }

    /**
     * The helper: waits until the owner offers its last block (spinning, then yielding the core, as the team's
     * threads wait) and takes chunks of it until none are left; returns at once if the owner ended without one.
     */
    void help() {
        long start = System.nanoTime();
        Block b;
        while ((b = block.get()) == null) {
            if (System.nanoTime() - start < Parallel.YIELD_AFTER_NANOS) Thread.onSpinWait();
            else Thread.yield();
        }
        claim(b);
    }

    // chunks of two claimants' guided shares until the block's panels run out
    private static void claim(Block b) {
        AtomicInteger next = b.next();
        for (int i = next.get(); i < b.panels(); i = next.get()) {
            int chunk = Math.min(b.panels() - i, Math.max(b.minChunk(), (b.panels() - i) / 4));
            if (next.compareAndSet(i, i + chunk)) b.rows().run(i, i + chunk);
        }
    }
}
