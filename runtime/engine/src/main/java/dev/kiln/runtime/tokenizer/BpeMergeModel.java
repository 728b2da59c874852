package dev.kiln.runtime.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's BPE model on one piece: each character becomes its vocabulary token (with
 * {@code continuing_subword_prefix} after the first, {@code end_of_word_suffix} on the last),
 * else its UTF-8 bytes as {@code <0xNN>} tokens ({@code byte_fallback}), else the unk token
 * (consecutive ones fused with {@code fuse_unk}; dropped when there is no unk token, as
 * Hugging Face does). Then the lowest-ranked merge applies first, leftmost among equals, until
 * none applies. With {@code ignore_merges} a piece that is itself a token is that token.
 */
final class BpeMergeModel implements TokenModel {
    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final MergeTable merges;
    private final int[] charIds = new int[65536];       // the id of each one-character token, or -1
    private final int[] byteFallbackIds = new int[256]; // the id of <0xNN>, or -1
    private final String prefix, suffix;
    private final int unk;
    private final boolean fuseUnk, byteFallback, ignoreMerges;

    BpeMergeModel(Map<String, Integer> vocab, List<BpeModel.Merge> mergeList, String prefix, String suffix, String unkToken,
                  boolean fuseUnk, boolean byteFallback, boolean ignoreMerges, String file) {
        this.vocab = vocab;
        this.tokens = TokenModel.byId(vocab);
        this.prefix = prefix == null || prefix.isEmpty() ? null : prefix;
        this.suffix = suffix == null || suffix.isEmpty() ? null : suffix;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        if (unkToken != null && !vocab.containsKey(unkToken))
            throw HfJson.error(file, "model.unk_token", "'" + unkToken + "' is not in the vocabulary");
        this.unk = unkToken == null ? -1 : vocab.get(unkToken);
        Arrays.fill(charIds, -1);
        for (var e : vocab.entrySet()) if (e.getKey().length() == 1) charIds[e.getKey().charAt(0)] = e.getValue();
        Arrays.fill(byteFallbackIds, -1);
        for (int b = 0; b < 256; b++) byteFallbackIds[b] = vocab.getOrDefault(byteToken(b), -1);
        int prefixLen = this.prefix == null ? 0 : this.prefix.length();
        merges = new MergeTable(mergeList.size());
        for (int rank = 0; rank < mergeList.size(); rank++) {
            BpeModel.Merge m = mergeList.get(rank);
            int a = idOf(m.left(), m, "its first part"), b = idOf(m.right(), m, "its second part");
            String right = m.right().length() >= prefixLen ? m.right().substring(prefixLen) : m.right();
            merges.put(a, b, rank, idOf(m.left() + right, m, "the merged token"));
        }
    }

    static String byteToken(int b) {
        return String.format("<0x%02X>", b);
    }

    private int idOf(String token, BpeModel.Merge m, String what) {
        Integer id = vocab.get(token);
        if (id == null)
            throw new dev.kiln.api.config.ConfigException(m.where() + ": merge '" + m.left() + " " + m.right() + "': " + what
                    + " '" + token + "' is not in the vocabulary");
        return id;
    }

    static BpeMergeModel fromJson(JsonAt j) {
        Object dropout = j.raw("dropout");
        if (dropout != null && !(dropout instanceof Number d && d.doubleValue() == 0))
            throw j.error("dropout", "is " + dropout + "; BPE dropout is not supported (use null)");
        Map<String, Integer> vocab = HfJson.vocab(j.raw("vocab"), j.file(), "model.vocab");
        List<?> raw = j.list("merges");
        BpeModel.Merge[] merges = new BpeModel.Merge[raw.size()];
        for (int i = 0; i < merges.length; i++) merges[i] = merge(raw.get(i), j.file(), "model.merges[" + i + "]");
        return new BpeMergeModel(vocab, Arrays.asList(merges), j.string("continuing_subword_prefix", null),
                j.string("end_of_word_suffix", null), j.string("unk_token", null), j.bool("fuse_unk", false),
                j.bool("byte_fallback", false), j.bool("ignore_merges", false), j.file());
    }

    static BpeModel.Merge merge(Object entry, String file, String key) {
        String where = file + ": key '" + key + "'";
        if (entry instanceof String s) {
            int space = s.indexOf(' ');
            if (space <= 0 || space == s.length() - 1 || s.indexOf(' ', space + 1) >= 0)
                throw HfJson.error(file, key, "expected \"left right\" (one space), got '" + s + "'");
            return new BpeModel.Merge(s.substring(0, space), s.substring(space + 1), where);
        }
        if (entry instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b)
            return new BpeModel.Merge(a, b, where);
        throw HfJson.error(file, key, "expected \"left right\" or [\"left\", \"right\"], got " + HfJson.describe(entry));
    }

    @Override
    public void tokenize(String piece, IntList out) {
        if (ignoreMerges) {
            Integer whole = vocab.get(piece);
            if (whole != null) { out.add(whole); return; }
        }
        IntList sym = symbols(piece);
        int n = sym.size();
        if (n == 0) return;
        if (n == 1) { out.add(sym.get(0)); return; }
        out.addAll(LongWordMerger.merge(merges, sym.toArray()));
    }

    /** The initial symbols: one token per character, or its byte tokens, or unk. */
    private IntList symbols(String piece) {
        int n = piece.length();
        IntList sym = new IntList(n);
        boolean plain = prefix == null && suffix == null;
        int pendingUnk = 0;                                   // unk tokens not yet added (fused: at most 1)
        for (int i = 0; i < n; ) {
            int cp = piece.codePointAt(i);
            int len = Character.charCount(cp);
            int id = -1;
            String key = null;
            if (plain && len == 1) {
                id = charIds[piece.charAt(i)];
            } else {
                key = piece.substring(i, i + len);
                if (prefix != null && i > 0) key = prefix + key;
                if (suffix != null && i + len == n) key = key + suffix;
                id = vocab.getOrDefault(key, -1);
            }
            i += len;
            if (id >= 0) {
                for (; pendingUnk > 0; pendingUnk--) sym.add(unk);
                sym.add(id);
                continue;
            }
            if (byteFallback && addBytes(key != null ? key : String.valueOf(piece.charAt(i - 1)), sym)) continue;
            if (unk >= 0) pendingUnk = fuseUnk ? 1 : pendingUnk + 1;
        }
        for (; pendingUnk > 0; pendingUnk--) sym.add(unk);
        return sym;
    }

    /** Adds the {@code <0xNN>} tokens of the text's UTF-8 bytes when the vocabulary has them all. */
    private boolean addBytes(String text, IntList sym) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteFallbackIds[b & 0xFF] < 0) return false;
        for (byte b : bytes) sym.add(byteFallbackIds[b & 0xFF]);
        return true;
    }

    @Override
    public Map<String, Integer> vocab() { return vocab; }

    @Override
    public String token(int id) { return id >= 0 && id < tokens.length ? tokens[id] : null; }

    @Override
    public int size() { return tokens.length; }
}
