package dev.kiln.runtime.tokenizer;

import dev.kiln.api.config.ConfigException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE vocabulary and its merge rules: turns one pre-tokenized piece (as bytes) into
 * token ids by applying the lowest-ranked applicable merge until none applies, as GPT-2's
 * {@code bpe()} does (all occurrences of the best pair merged left to right). Immutable.
 */
final class BpeModel {
    /** One merge rule as read, with where it was read (for errors): "vocab.bpe: line 7". */
    record Merge(String left, String right, String where) {}

    private static final int LONG_WORD = 64;

    private final String[] tokens;               // by id; null for unused ids
    private final Map<String, Integer> ids;
    private final List<Merge> merges;
    private final MergeTable table;
    private final int[] byteIds = new int[256];  // id of each byte's one-character token, or -1
    private final boolean ignoreMerges;

    /**
     * Checks and indexes a vocabulary and merges; {@code where} names the vocabulary's source.
     * Errors: negative or shared ids, merges whose parts or result are not in the vocabulary.
     */
    BpeModel(Map<String, Integer> vocab, List<Merge> merges, boolean ignoreMerges, String where) {
        int max = -1;
        for (var e : vocab.entrySet()) {
            Integer id = e.getValue();
            if (id == null || id < 0) throw new ConfigException(where + ": token '" + e.getKey() + "' has invalid id " + id);
            max = Math.max(max, id);
        }
        if (max >= HfJson.MAX_ID) throw new ConfigException(where + ": token id " + max + " is implausibly large");
        tokens = new String[max + 1];
        for (var e : vocab.entrySet()) {
            int id = e.getValue();
            if (tokens[id] != null)
                throw new ConfigException(where + ": tokens '" + tokens[id] + "' and '" + e.getKey() + "' share id " + id);
            tokens[id] = e.getKey();
        }
        this.ids = Collections.unmodifiableMap(vocab);          // callers hand over a map they no longer touch
        this.merges = List.copyOf(merges);
        this.ignoreMerges = ignoreMerges;
        table = new MergeTable(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            Merge m = merges.get(rank);
            int a = idOf(m.left, m, "its first part"), b = idOf(m.right, m, "its second part");
            int c = idOf(m.left + m.right, m, "the merged token");
            table.put(a, b, rank, c);
        }
        for (int b = 0; b < 256; b++) byteIds[b] = ids.getOrDefault(String.valueOf(ByteLevel.charOf(b)), -1);
    }

    private int idOf(String token, Merge m, String what) {
        Integer id = ids.get(token);
        if (id == null)
            throw new ConfigException(m.where + ": merge '" + m.left + " " + m.right + "': " + what + " '" + token + "' is not in the vocabulary");
        return id;
    }

    /** Ids 0..size-1 (some may be unused). */
    int size() { return tokens.length; }

    /** The token of an id, or null. */
    String token(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }

    Integer id(String token) { return ids.get(token); }

    Map<String, Integer> vocab() { return ids; }

    List<Merge> merges() { return merges; }

    boolean ignoreMerges() { return ignoreMerges; }

    /** The id of a byte's single-character token, or -1 when the vocabulary lacks it. */
    int byteId(int b) { return byteIds[b & 0xFF]; }

    /** The ids of one piece given as the ids of its bytes, all ≥ 0 (the array is reused). */
    int[] merge(int[] sym) {
        int len = sym.length;
        if (len > LONG_WORD) return LongWordMerger.merge(table, sym);
        while (len > 1) {
            int bestRank = Integer.MAX_VALUE, bestSlot = -1, a = 0, b = 0;
            for (int i = 0; i < len - 1; i++) {
                int s = table.find(sym[i], sym[i + 1]);
                if (s >= 0 && table.rank(s) < bestRank) {
                    bestRank = table.rank(s);
                    bestSlot = s;
                    a = sym[i];
                    b = sym[i + 1];
                }
            }
            if (bestSlot < 0) break;
            int merged = table.merged(bestSlot);
            int w = 0;
            for (int i = 0; i < len; ) {
                if (i < len - 1 && sym[i] == a && sym[i + 1] == b) {
                    sym[w++] = merged;
                    i += 2;
                } else {
                    sym[w++] = sym[i++];
                }
            }
            len = w;
        }
        return len == sym.length ? sym : java.util.Arrays.copyOf(sym, len);
    }

    /** The ids of a piece's bytes, in a fresh array; -1 for a byte without a token. */
    int[] byteIds(byte[] bytes) {
        int[] out = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = byteIds[bytes[i] & 0xFF];
        return out;
    }

    /** All merges as "left right" strings (for writing). */
    List<String> mergeStrings() {
        List<String> out = new ArrayList<>(merges.size());
        for (Merge m : merges) out.add(m.left + " " + m.right);
        return out;
    }
}
