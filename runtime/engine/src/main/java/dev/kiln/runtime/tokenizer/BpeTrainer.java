package dev.kiln.runtime.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Trains a byte-level BPE tokenizer the way Hugging Face's {@code BpeTrainer} does: special
 * tokens take ids 0..k-1, the 256 byte characters follow (sorted by code point), then one token
 * per merge. Each step merges the most frequent adjacent pair within GPT-2 pre-tokenized pieces
 * (ties: the pair of lower ids), until the vocabulary reaches its target size or no pair occurs
 * {@code minFrequency} times. Deterministic.
 */
public final class BpeTrainer {
    private final int vocabSize;
    private final List<String> specials;
    private final int minFrequency;

    /** One unique piece: its symbols and how often it occurs. */
    private static final class Word {
        int[] sym;
        final long count;
        Word(int[] sym, long count) { this.sym = sym; this.count = count; }
    }

    /** An adjacent pair's total count and the words it occurs in (a superset; stale entries are skipped). */
    private static final class PairStat {
        long count;
        final List<Integer> words = new ArrayList<>();
    }

    public BpeTrainer(int vocabSize, List<String> specialTokens, int minFrequency) {
        if (vocabSize < 256 + specialTokens.size())
            throw new IllegalArgumentException("bpe trainer: vocab_size " + vocabSize + " is below 256 bytes + "
                    + specialTokens.size() + " special tokens");
        if (minFrequency < 1) throw new IllegalArgumentException("bpe trainer: min_frequency must be at least 1, got " + minFrequency);
        if (specialTokens.stream().distinct().count() != specialTokens.size() || specialTokens.stream().anyMatch(String::isEmpty))
            throw new IllegalArgumentException("bpe trainer: special tokens must be distinct and non-empty: " + specialTokens);
        this.vocabSize = vocabSize;
        this.specials = List.copyOf(specialTokens);
        this.minFrequency = minFrequency;
    }

    /** A tokenizer trained on {@code corpus}. */
    public BpeTokenizer train(String corpus) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> tokens = new ArrayList<>();
        for (String s : specials) add(s, vocab, tokens);
        char[] alphabet = new char[256];
        for (int b = 0; b < 256; b++) alphabet[b] = ByteLevel.charOf(b);
        Arrays.sort(alphabet);
        int[] byteId = new int[256];
        for (char c : alphabet) byteId[ByteLevel.byteOf(c)] = add(String.valueOf(c), vocab, tokens);

        List<Word> words = words(corpus, byteId);
        Map<Long, PairStat> pairs = new HashMap<>();
        for (int w = 0; w < words.size(); w++) count(words.get(w), w, +1, pairs);
        PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(y[0], x[0]) : Long.compare(x[1], y[1]));
        for (var e : pairs.entrySet()) heap.add(new long[] {e.getValue().count, e.getKey()});

        List<BpeModel.Merge> merges = new ArrayList<>();
        while (tokens.size() < vocabSize && !heap.isEmpty()) {
            long[] top = heap.poll();
            PairStat stat = pairs.get(top[1]);
            long now = stat == null ? 0 : stat.count;
            if (now != top[0]) {                                    // stale: re-queue with the current count
                if (now > 0) heap.add(new long[] {now, top[1]});
                continue;
            }
            if (now < minFrequency) break;
            int a = (int) (top[1] >>> 32), b = (int) top[1];
            String merged = tokens.get(a) + tokens.get(b);
            Integer existing = vocab.get(merged);
            int id = existing != null ? existing : add(merged, vocab, tokens);
            merges.add(new BpeModel.Merge(tokens.get(a), tokens.get(b), "trainer"));
            List<Long> touched = new ArrayList<>();
            for (int w : new ArrayList<>(stat.words)) {
                Word word = words.get(w);
                if (!contains(word.sym, a, b)) continue;
                count(word, w, -1, pairs);
                word.sym = replace(word.sym, a, b, id);
                touched.addAll(count(word, w, +1, pairs));
            }
            pairs.remove(top[1]);
            for (long key : touched) {
                PairStat s = pairs.get(key);
                if (s != null && s.count > 0) heap.add(new long[] {s.count, key});
            }
        }
        BpeModel model = new BpeModel(vocab, merges, false, "bpe trainer");
        List<AddedToken> added = new ArrayList<>();
        for (String s : specials) added.add(AddedToken.special(vocab.get(s), s));
        return new BpeTokenizer(model, added, BpeOptions.gpt2(), null);
    }

    private static int add(String token, Map<String, Integer> vocab, List<String> tokens) {
        vocab.put(token, tokens.size());
        tokens.add(token);
        return tokens.size() - 1;
    }

    /** The corpus's unique GPT-2 pieces with their counts, in first-seen order. */
    private static List<Word> words(String corpus, int[] byteId) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        GptPreTokenizer.split(corpus, (s, e) -> counts.computeIfAbsent(corpus.substring(s, e), k -> new long[1])[0]++);
        List<Word> out = new ArrayList<>(counts.size());
        for (var e : counts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] sym = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) sym[i] = byteId[bytes[i] & 0xFF];
            out.add(new Word(sym, e.getValue()[0]));
        }
        return out;
    }

    /** Adds (sign +1) or removes (-1) a word's pairs; returns the pairs it touched. */
    private static List<Long> count(Word word, int w, int sign, Map<Long, PairStat> pairs) {
        List<Long> keys = new ArrayList<>(word.sym.length);
        for (int i = 0; i + 1 < word.sym.length; i++) {
            long key = ((long) word.sym[i] << 32) | (word.sym[i + 1] & 0xFFFFFFFFL);
            PairStat s = pairs.computeIfAbsent(key, k -> new PairStat());
            s.count += sign * word.count;
            if (sign > 0 && (s.words.isEmpty() || s.words.get(s.words.size() - 1) != w)) s.words.add(w);
            keys.add(key);
        }
        return keys;
    }

    private static boolean contains(int[] sym, int a, int b) {
        for (int i = 0; i + 1 < sym.length; i++) if (sym[i] == a && sym[i + 1] == b) return true;
        return false;
    }

    /** Every non-overlapping (a, b), left to right, replaced by {@code id}. */
    private static int[] replace(int[] sym, int a, int b, int id) {
        int[] out = new int[sym.length];
        int n = 0;
        for (int i = 0; i < sym.length; ) {
            if (i + 1 < sym.length && sym[i] == a && sym[i + 1] == b) { out[n++] = id; i += 2; }
            else out[n++] = sym[i++];
        }
        return Arrays.copyOf(out, n);
    }
}
