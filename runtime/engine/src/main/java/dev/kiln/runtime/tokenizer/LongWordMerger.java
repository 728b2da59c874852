package dev.kiln.runtime.tokenizer;

import java.util.Arrays;

/**
 * BPE merging for long pieces (a run of thousands of letters or spaces) in O(n log n): symbols
 * in a linked list, candidate pairs in a min-heap keyed by (rank, position). Pops the lowest
 * rank, leftmost first, skipping stale entries: for vocabularies whose merges come in training
 * order this is the same result as GPT-2's merge-all-occurrences loop.
 */
final class LongWordMerger {
    private LongWordMerger() {}

    static int[] merge(MergeTable table, int[] sym) {
        int n = sym.length;
        int[] next = new int[n], prev = new int[n];
        for (int i = 0; i < n; i++) { next[i] = i + 1 < n ? i + 1 : -1; prev[i] = i - 1; }
        boolean[] dead = new boolean[n];
        long[] heap = new long[Math.max(4, n * 2)];
        int size = 0;
        for (int i = 0; i + 1 < n; i++) {
            int s = table.find(sym[i], sym[i + 1]);
            if (s >= 0) { heap = grow(heap, size); size = push(heap, size, key(table.rank(s), i)); }
        }
        while (size > 0) {
            long top = heap[0];
            size = pop(heap, size);
            int rank = (int) (top >>> 32), pos = (int) top;
            if (dead[pos] || next[pos] < 0) continue;
            int right = next[pos];
            int s = table.find(sym[pos], sym[right]);
            if (s < 0 || table.rank(s) != rank) continue;         // stale: the pair changed
            sym[pos] = table.merged(s);
            dead[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) {
                int l = table.find(sym[prev[pos]], sym[pos]);
                if (l >= 0) { heap = grow(heap, size); size = push(heap, size, key(table.rank(l), prev[pos])); }
            }
            if (next[pos] >= 0) {
                int r = table.find(sym[pos], sym[next[pos]]);
                if (r >= 0) { heap = grow(heap, size); size = push(heap, size, key(table.rank(r), pos)); }
            }
        }
        int[] out = new int[n];
        int w = 0;
        for (int i = 0; i >= 0; i = next[i]) out[w++] = sym[i];
        return Arrays.copyOf(out, w);
    }

    private static long key(int rank, int pos) { return ((long) rank << 32) | pos; }

    private static long[] grow(long[] heap, int size) {
        return size < heap.length ? heap : Arrays.copyOf(heap, heap.length * 2);
    }

    private static int push(long[] h, int size, long v) {
        int i = size++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (h[p] <= v) break;
            h[i] = h[p];
            i = p;
        }
        h[i] = v;
        return size;
    }

    private static int pop(long[] h, int size) {
        long last = h[--size];
        int i = 0;
        while (true) {
            int c = 2 * i + 1;
            if (c >= size) break;
            if (c + 1 < size && h[c + 1] < h[c]) c++;
            if (h[c] >= last) break;
            h[i] = h[c];
            i = c;
        }
        if (size > 0) h[i] = last;
        return size;
    }
}
