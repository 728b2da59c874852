package dev.kiln.objective.nsp;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Sentence pairs for next-sentence prediction, on the host. Every document is split by
 * {@link SentenceSplitter} and each sentence tokenized (cached for the last dataset seen). For
 * each sentence A that has a successor in its document, one pair per epoch:
 * <ul>
 *   <li>with probability {@code next_prob}: B = the sentence after A, label 0 (IsNext);</li>
 *   <li>otherwise: B = a uniformly random sentence of a uniformly random <i>other</i> document
 *       with sentences, label 1 (NotNext). With a single such document, B is a random sentence of
 *       the same document other than A and its successor; with none available the pair stays IsNext.</li>
 * </ul>
 * HF's labels: 0 = B continues A, 1 = B is random. Each pair is then fitted to T tokens of
 * {@code [CLS] A [SEP] B [SEP]} by dropping tokens from the end of the longer of A and B (HF's
 * "longest_first"), never below one token each.
 */
final class NspPairs {
    /** One example: A and B (already truncated) and the label. */
    record Pair(int[] a, int[] b, int label) {}

    private final Tokenizer tokenizer;
    private Dataset cachedData;
    private List<List<int[]>> cachedDocs;

    NspPairs(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** This epoch's pairs in document order, drawn with {@code rng}, fitted to {@code seqLen}. */
    List<Pair> pairs(Dataset data, int seqLen, double nextProb, Random rng) {
        if (seqLen < 5) throw new IllegalArgumentException("objective 'nsp': seq_len must be at least 5 for [CLS] a [SEP] b [SEP], got " + seqLen);
        List<List<int[]>> docs = documents(data);
        int[] withSentences = IntStream.range(0, docs.size()).filter(d -> !docs.get(d).isEmpty()).toArray();
        List<Pair> out = new ArrayList<>();
        for (int d = 0; d < docs.size(); d++) {
            List<int[]> doc = docs.get(d);
            for (int i = 0; i + 1 < doc.size(); i++) {
                int[] a = doc.get(i), b = doc.get(i + 1);
                int label = 0;
                if (rng.nextDouble() >= nextProb) {
                    int[] random = randomOther(docs, withSentences, d, i, rng);
                    if (random != null) {
                        b = random;
                        label = 1;
                    }
                }
                out.add(fit(a, b, label, seqLen - 3));
            }
        }
        return out;
    }

    /** A random sentence of another document with sentences, or (one such document) a non-adjacent one of the same. */
    private static int[] randomOther(List<List<int[]>> docs, int[] withSentences, int d, int i, Random rng) {
        if (withSentences.length >= 2) {
            int pos = Arrays.binarySearch(withSentences, d);                // d has sentences, so it is listed
            int k = rng.nextInt(withSentences.length - 1);
            List<int[]> other = docs.get(withSentences[k >= pos ? k + 1 : k]);
            return other.get(rng.nextInt(other.size()));
        }
        List<int[]> doc = docs.get(d);
        if (doc.size() < 3) return null;
        int j = rng.nextInt(doc.size() - 2);                                // any sentence but i and i + 1
        if (j >= i) j += 2;
        return doc.get(j);
    }

    /** Drops tokens from the end of the longer segment until |A| + |B| ≤ room. */
    static Pair fit(int[] a, int[] b, int label, int room) {
        int la = a.length, lb = b.length;
        while (la + lb > room) {
            if (la >= lb && la > 1) la--;
            else if (lb > 1) lb--;
            else la--;
        }
        return new Pair(la == a.length ? a : Arrays.copyOf(a, la), lb == b.length ? b : Arrays.copyOf(b, lb), label);
    }

    /** Tokenized sentences per document (documents without text keep an empty list), cached. */
    private List<List<int[]>> documents(Dataset data) {
        if (data == cachedData) return cachedDocs;
        List<List<int[]>> docs = new ArrayList<>(data.size());
        for (Example ex : data.examples()) {
            List<int[]> sentences = new ArrayList<>();
            for (String s : SentenceSplitter.split(ex.text())) {
                int[] ids = tokenizer.encode(s);
                if (ids.length > 0) sentences.add(ids);
            }
            docs.add(sentences);
        }
        cachedData = data;
        cachedDocs = docs;
        return docs;
    }
}
