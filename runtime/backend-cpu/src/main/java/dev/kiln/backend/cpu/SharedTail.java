package dev.kiln.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The last block of a product that one thread runs alone ({@link Gemm#runSharingTail}), whose row panels a second
 * thread takes a share of once it has run out of work of its own ({@link #help}): two products side by side, one per
 * thread, end together even when one takes longer than the other. Both threads claim panels as {@link Parallel#guided}
 * hands them out ({@link Parallel#claimGuided}): chunks of half an even share of what is left, at least minChunk, so
 * the owner, alone until the helper comes, leaves chunks to share.
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
        while ((b = block.get()) == null) Parallel.pause(start);
        claim(b);
    }

    // the owner's and the helper's guided shares until the block's panels run out
    private static void claim(Block b) {
        Parallel.claimGuided(b.next(), b.panels(), b.minChunk(), 2, b.rows());
    }
}
