package dev.kiln.objective.nsp;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Sentence pairs for next-sentence prediction, made one document at a time on the host: nothing
 * is split or tokenized before a batch asks for it, and no list of pairs or sentences is kept.
 * A document's text is split by {@link SentenceSplitter} and each sentence tokenized alone (also
 * for a prepared corpus: sentence boundaries are found in text, and a sentence encoded alone is
 * not its span of the document's tokens, so {@code Dataset.tokens()} is not read). A document's
 * pair for the epoch, drawn from the batch's random stream:
 * <ul>
 *   <li>A = a uniformly random sentence that has a successor in its document;</li>
 *   <li>with probability {@code next_prob}: B = the sentence after A, label 0 (IsNext);</li>
 *   <li>otherwise: B = a uniformly random sentence of a random <i>other</i> document (an index
 *       drawn uniformly from the dataset, drawn again while it has no sentences, up to
 *       {@value #DRAWS} draws), label 1 (NotNext). When none is found (a single document, or
 *       nearly all others empty), B is a random sentence of A's document other than A and its
 *       successor; with none available the pair stays IsNext.</li>
 * </ul>
 * A document with fewer than two sentences has no pair of its own: a random document that has one
 * (up to {@value #DRAWS} draws) gives it instead, or the row is left out.
 * HF's labels: 0 = B continues A, 1 = B is random. Each pair is then fitted to T tokens of
 * {@code [CLS] A [SEP] B [SEP]} by dropping tokens from the end of the longer of A and B (HF's
 * "longest_first"), never below one token each.
 */
final class NspPairs {
    /** How many random document indices are tried for a NotNext sentence or a stand-in document. */
    static final int DRAWS = 32;

    /** One example: A and B (already truncated) and the label. */
    record Pair(int[] a, int[] b, int label) {}

    private final Tokenizer tokenizer;

    NspPairs(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

    /** Rejects a sequence length with no room for {@code [CLS] a [SEP] b [SEP]}; returns the room for A and B. */
    static int room(int seqLen) {
        if (seqLen < 5) throw new IllegalArgumentException("objective 'nsp': seq_len must be at least 5 for [CLS] a [SEP] b [SEP], got " + seqLen);
        return seqLen - 3;
    }

    /** Document {@code doc}'s pair for this epoch, fitted to {@code seqLen}; null when no document with two sentences was found. */
    Pair pair(Dataset data, int doc, int seqLen, double nextProb, Random rng) {
        int room = room(seqLen), source = doc;
        List<int[]> sentences = sentences(data, doc);
        for (int draw = 0; sentences.size() < 2 && draw < DRAWS; draw++) {
            source = rng.nextInt(data.size());
            sentences = sentences(data, source);
        }
        if (sentences.size() < 2) return null;
        int i = rng.nextInt(sentences.size() - 1);
        int[] a = sentences.get(i), b = sentences.get(i + 1);
        int label = 0;
        if (rng.nextDouble() >= nextProb) {
            int[] random = randomOther(data, source, sentences, i, rng);
            if (random != null) {
                b = random;
                label = 1;
            }
        }
        return fit(a, b, label, room);
    }

    /** A random sentence of another document with sentences, else a non-adjacent one of A's own document, else null. */
    private int[] randomOther(Dataset data, int doc, List<int[]> own, int i, Random rng) {
        int n = data.size();
        for (int draw = 0; n >= 2 && draw < DRAWS; draw++) {
            int other = rng.nextInt(n - 1);
            if (other >= doc) other++;                                        // any index but doc
            List<int[]> sentences = sentences(data, other);
            if (!sentences.isEmpty()) return sentences.get(rng.nextInt(sentences.size()));
        }
        if (own.size() < 3) return null;
        int j = rng.nextInt(own.size() - 2);                                  // any sentence but i and i + 1
        if (j >= i) j += 2;
        return own.get(j);
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

    /** Document {@code doc}'s sentences, tokenized (those that encode to nothing dropped). */
    private List<int[]> sentences(Dataset data, int doc) {
        List<int[]> out = new ArrayList<>();
        for (String s : SentenceSplitter.split(data.examples().get(doc).text())) {
            int[] ids = tokenizer.encode(s);
            if (ids.length > 0) out.add(ids);
        }
        return out;
    }
}
