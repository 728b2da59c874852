package dev.kiln.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's Unigram model (SentencePiece's): the segmentation of a piece into vocabulary
 * tokens with the highest total score (Viterbi over a trie of the vocabulary). A character no
 * token starts with costs the lowest score minus 10 as the unk token; consecutive unknowns are
 * fused into one, which with {@code byte_fallback} becomes its {@code <0xNN>} byte tokens when
 * the vocabulary has them all.
 */
final class UnigramModel implements TokenModel {
    private static final double UNK_PENALTY = 10.0;

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final double[] scores;
    private final MergeTable trie;          // (node, char) → child node; "merged" is the child, "rank" unused
    private final int[] nodeToken;          // the token id ending at each trie node, or -1
    private final int unk;
    private final boolean byteFallback;
    private final double unkScore;

    UnigramModel(List<String> pieces, double[] scores, int unkId, boolean byteFallback) {
        this.tokens = pieces.toArray(new String[0]);
        this.scores = scores;
        this.unk = unkId;
        this.byteFallback = byteFallback;
        Map<String, Integer> v = new LinkedHashMap<>();
        double min = Double.POSITIVE_INFINITY;
        int chars = 0;
        for (int id = 0; id < tokens.length; id++) {
            v.put(tokens[id], id);                               // a repeated piece keeps its last id, as in Hugging Face
            min = Math.min(min, scores[id]);
            chars += tokens[id].length();
        }
        this.vocab = java.util.Collections.unmodifiableMap(v);
        this.unkScore = min - UNK_PENALTY;
        trie = new MergeTable(Math.max(4, chars));
        int[] ends = new int[chars + 1];
        Arrays.fill(ends, -1);
        int nodes = 1;
        for (var e : v.entrySet()) {
            String t = e.getKey();
            int node = 0;
            for (int i = 0; i < t.length(); i++) {
                int slot = trie.find(node, t.charAt(i));
                if (slot >= 0) {
                    node = trie.merged(slot);
                } else {
                    trie.put(node, t.charAt(i), 0, nodes);
                    node = nodes++;
                }
            }
            ends[node] = e.getValue();
        }
        nodeToken = Arrays.copyOf(ends, nodes);
    }

    static UnigramModel fromJson(JsonAt j) {
        List<?> raw = j.list("vocab");
        if (raw.isEmpty()) throw j.error("vocab", "is empty");
        String[] pieces = new String[raw.size()];
        double[] scores = new double[raw.size()];
        for (int i = 0; i < pieces.length; i++) {
            String key = "model.vocab[" + i + "]";
            if (!(raw.get(i) instanceof List<?> pair) || pair.size() != 2 || !(pair.get(0) instanceof String p)
                    || !(pair.get(1) instanceof Number s))
                throw HfJson.error(j.file(), key, "expected [\"piece\", score], got " + HfJson.describe(raw.get(i)));
            pieces[i] = p;
            scores[i] = s.doubleValue();
        }
        int unk = -1;
        if (j.has("unk_id")) {
            unk = j.integer("unk_id");
            if (unk < 0 || unk >= pieces.length) throw j.error("unk_id", "is " + unk + ", outside the vocabulary of " + pieces.length);
        }
        return new UnigramModel(List.of(pieces), scores, unk, j.bool("byte_fallback", false));
    }

    @Override
    public void tokenize(String s, IntList out) {
        int n = s.length();
        double[] best = new double[n + 1];
        int[] from = new int[n + 1], id = new int[n + 1];
        Arrays.fill(from, -1);
        for (int start = 0; start < n; ) {
            double base = best[start];
            int charLen = Character.charCount(s.codePointAt(start));
            boolean single = false;
            int node = 0;
            for (int i = start; i < n; i++) {
                int slot = trie.find(node, s.charAt(i));
                if (slot < 0) break;
                node = trie.merged(slot);
                int tok = nodeToken[node];
                if (tok < 0) continue;
                int end = i + 1;
                double candidate = base + scores[tok];
                if (from[end] < 0 || candidate > best[end]) { best[end] = candidate; from[end] = start; id[end] = tok; }
                if (end - start == charLen) single = true;
            }
            if (!single) {
                int end = start + charLen;
                double candidate = base + unkScore;
                if (from[end] < 0 || candidate > best[end]) { best[end] = candidate; from[end] = start; id[end] = unk; }
            }
            start += charLen;
        }
        IntList ends = new IntList(16);
        for (int end = n; end > 0; end = from[end]) ends.add(end);
        int unkFrom = -1;
        for (int k = ends.size() - 1; k >= 0; k--) {
            int end = ends.get(k), start = from[end], tok = id[end];
            if (tok == unk && unk >= 0) {
                if (unkFrom < 0) unkFrom = start;
                continue;
            }
            if (unkFrom >= 0) { unknown(s.substring(unkFrom, start), out); unkFrom = -1; }
            if (tok < 0) throw new IllegalArgumentException("Unigram: '" + s.substring(start, end) + "' is unknown and the model has no unk_id");
            out.add(tok);
        }
        if (unkFrom >= 0) unknown(s.substring(unkFrom), out);
    }

    /** A fused run of unknown characters: a token if it is one, its byte tokens, or unk. */
    private void unknown(String text, IntList out) {
        Integer whole = vocab.get(text);
        if (whole != null) { out.add(whole); return; }
        if (byteFallback) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[bytes.length];
            boolean all = true;
            for (int i = 0; i < bytes.length && all; i++) {
                Integer b = vocab.get(BpeMergeModel.byteToken(bytes[i] & 0xFF));
                if (b == null) all = false;
                else ids[i] = b;
            }
            if (all) { out.addAll(ids); return; }
        }
        out.add(unk);
    }

    @Override
    public Map<String, Integer> vocab() { return vocab; }

    @Override
    public String token(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }

    @Override
    public int size() { return tokens.length; }
}
