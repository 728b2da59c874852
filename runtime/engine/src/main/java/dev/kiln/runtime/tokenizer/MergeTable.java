package dev.kiln.runtime.tokenizer;

import java.util.Arrays;

/**
 * BPE merge rules as an open-addressing hash table from a pair of token ids to the merge's rank
 * (its line in the merges list, lower merges first) and the id of the merged token. No boxing:
 * the lookup in the encoder's inner loop is one multiply and a probe or two.
 */
final class MergeTable {
    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;
    private int size;

    MergeTable(int capacity) {
        int cap = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
        ranks = new int[cap];
        merged = new int[cap];
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /**
     * Adds a rule; a pair listed twice keeps its last rank, as Python's {@code dict(zip(merges, ...))}
     * and Hugging Face tokenizers do. Returns false when the pair was already there.
     */
    boolean put(int left, int right, int rank, int mergedId) {
        if (size * 2 >= keys.length) throw new IllegalStateException("merge table is full");
        long k = key(left, right);
        int s = slot(k);
        boolean fresh = true;
        while (keys[s] != -1L) {
            if (keys[s] == k) { fresh = false; break; }
            s = (s + 1) & mask;
        }
        keys[s] = k;
        ranks[s] = rank;
        merged[s] = mergedId;
        if (fresh) size++;
        return fresh;
    }

    /** The slot of the pair's rule, or -1 when the pair does not merge. */
    int find(int left, int right) {
        long k = key(left, right);
        int s = slot(k);
        while (true) {
            long at = keys[s];
            if (at == k) return s;
            if (at == -1L) return -1;
            s = (s + 1) & mask;
        }
    }

    int rank(int slot) { return ranks[slot]; }

    int merged(int slot) { return merged[slot]; }

    int size() { return size; }
}
