package dev.kiln.objective.contrastive;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Which sentences of a SimCSE batch's documents become its rows, chosen from the batch alone (no
 * corpus-wide sentence list): when the documents have at most B sentences together, all of them in
 * document order; otherwise B of them, round-robin over the documents in batch order (every
 * document with a sentence gives one before any gives a second), each document's sentences in an
 * order drawn from the batch's random stream. Spreading the rows over the documents keeps the
 * in-batch negatives as unlike as the batch allows.
 */
final class SentencePicks {
    private SentencePicks() {}

    /** Picks as {document, sentence} pairs, at most {@code max}, from {@code counts[d]} sentences per document. */
    static List<int[]> pick(int[] counts, int max, Random rng) {
        long total = 0;
        for (int c : counts) total += c;
        List<int[]> out = new ArrayList<>((int) Math.min(total, max));
        if (total <= max) {
            for (int d = 0; d < counts.length; d++)
                for (int j = 0; j < counts[d]; j++) out.add(new int[] {d, j});
            return out;
        }
        int[][] order = new int[counts.length][];
        for (int d = 0; d < counts.length; d++) order[d] = shuffled(counts[d], rng);
        for (int round = 0; out.size() < max; round++)
            for (int d = 0; d < counts.length && out.size() < max; d++)
                if (round < counts[d]) out.add(new int[] {d, order[d][round]});
        return out;
    }

    private static int[] shuffled(int n, Random rng) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1), tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
        return a;
    }
}
