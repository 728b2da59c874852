package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.SpecialTokenText;
import dev.kiln.api.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;

/**
 * Byte-level BPE (GPT-2, RoBERTa, GPT-NeoX, Llama 3 style): text is split into pieces by a regex,
 * each piece's UTF-8 bytes become one token each, and merges join them. Merge results are cached
 * per piece; ASCII pieces skip UTF-8 encoding. Decoding concatenates the tokens' bytes, so any
 * text round-trips. Thread-safe.
 */
public final class BpeTokenizer implements Tokenizer, SpecialTokenSplitting {
    public static final String TYPE = "bpe";
    private static final int CACHE_MAX_PIECE = 48, CACHE_MAX_ENTRIES = 200_000;

    private final BpeModel model;
    private final BpeOptions options;
    private final List<AddedToken> added;
    private final List<AddedToken> matched;      // non-special added tokens, longest first
    private final Map<String, Integer> specials;
    private final byte[][] bytes;                // by id: a model token's bytes
    private final String[] addedText;            // by id: an added token's content
    private final boolean[] special;
    private final int vocab, unk;
    private final boolean splitSpecialTokens;
    private volatile SpecialTokenText specialText;  // made on first use: it reads specialTokens()
    private final Map<String, int[]> cache;

    BpeTokenizer(BpeModel model, List<AddedToken> added, BpeOptions options, String unkToken) {
        this.model = model;
        this.options = options;
        this.added = List.copyOf(added);
        int max = model.size() - 1;
        for (AddedToken t : added) max = Math.max(max, t.id());
        vocab = max + 1;
        bytes = new byte[vocab][];
        addedText = new String[vocab];
        special = new boolean[vocab];
        for (int id = 0; id < model.size(); id++) {
            String t = model.token(id);
            if (t == null) continue;
            byte[] b = ByteLevel.decode(t);
            bytes[id] = b != null ? b : t.getBytes(StandardCharsets.UTF_8);
        }
        Map<String, Integer> sp = new LinkedHashMap<>();
        List<AddedToken> m = new ArrayList<>();
        for (AddedToken t : added) {
            addedText[t.id()] = t.content();
            if (t.special()) {
                special[t.id()] = true;
                sp.put(t.content(), t.id());
            } else {
                m.add(t);
            }
        }
        m.sort((a, b) -> Integer.compare(b.content().length(), a.content().length()));
        this.matched = List.copyOf(m);
        this.specials = Collections.unmodifiableMap(sp);
        Integer u = unkToken == null ? null : model.id(unkToken);
        this.unk = u == null ? -1 : u;
        this.splitSpecialTokens = false;
        this.cache = new ConcurrentHashMap<>();
    }

    private BpeTokenizer(BpeTokenizer t, boolean splitSpecialTokens) {
        model = t.model; options = t.options; added = t.added; matched = t.matched; specials = t.specials;
        bytes = t.bytes; addedText = t.addedText; special = t.special; vocab = t.vocab; unk = t.unk;
        cache = t.cache;                                                   // pieces encode alike either way
        this.splitSpecialTokens = splitSpecialTokens;
    }

    @Override
    public boolean splitsSpecialTokens() { return splitSpecialTokens; }

    @Override
    public BpeTokenizer withSplitSpecialTokens(boolean split) {
        return split == splitSpecialTokens ? this : new BpeTokenizer(this, split);
    }

    @Override
    public String name() { return TYPE; }

    @Override
    public int vocabSize() { return vocab; }

    @Override
    public Map<String, Integer> specialTokens() { return specials; }

    BpeModel model() { return model; }

    BpeOptions options() { return options; }

    List<AddedToken> addedTokens() { return added; }

    String unkToken() { return unk < 0 ? null : model.token(unk); }

    /**
     * As transformers' {@code tokenizer(text, add_special_tokens=...)} with its default
     * {@code split_special_tokens=False}: the special tokens' strings in the text become their ids
     * ({@code <|endoftext|>} → 50256 for GPT-2), whatever this tokenizer's own setting. A byte-level
     * BPE adds nothing around a sequence (GPT-2's post-processor adds no tokens), so
     * {@code addSpecialTokens} changes nothing.
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        SpecialTokenText s = specialText;
        if (s == null) specialText = s = SpecialTokenSplitting.over(this, this::encodeAsText);
        return s.encode(text);
    }

    /** Special-token strings are their ids, unless this tokenizer splits them ({@link #withSplitSpecialTokens}). */
    @Override
    public int[] encode(String text) {
        return splitSpecialTokens ? encodeAsText(text) : encode(text, false);
    }

    /** Special-token strings encoded as plain text (non-special added tokens still match). */
    private int[] encodeAsText(String text) {
        if (options.normalization() != null) text = Normalizer.normalize(text, options.normalization());
        if (options.addPrefixSpace() && !text.isEmpty() && text.charAt(0) != ' ') text = " " + text;
        IntList out = new IntList(text.length() / 3 + 4);
        if (matched.isEmpty()) {
            encodeSegment(text, out);
            return out.toArray();
        }
        int from = 0;
        while (from < text.length()) {                // leftmost, then longest, added token
            int best = -1;
            AddedToken hit = null;
            for (AddedToken t : matched) {
                int at = text.indexOf(t.content(), from);
                if (at >= 0 && (best < 0 || at < best)) { best = at; hit = t; }
            }
            if (hit == null) break;
            encodeSegment(text.substring(from, best), out);
            out.add(hit.id());
            from = best + hit.content().length();
        }
        encodeSegment(text.substring(from), out);
        return out.toArray();
    }

    private void encodeSegment(String text, IntList out) {
        if (text.isEmpty()) return;
        if (options.split() != null) {
            Matcher m = options.split().matcher(text);
            int last = 0;
            while (m.find()) {
                if (m.start() > last) encodePiece(text, last, m.start(), out);
                if (m.end() > m.start()) encodePiece(text, m.start(), m.end(), out);
                last = m.end();
            }
            if (last < text.length()) encodePiece(text, last, text.length(), out);
        } else if (options.useRegex()) {
            GptPreTokenizer.split(text, (s, e) -> encodePiece(text, s, e, out));
        } else {
            encodePiece(text, 0, text.length(), out);
        }
    }

    private void encodePiece(String text, int start, int end, IntList out) {
        if (end - start > CACHE_MAX_PIECE) {
            emit(bpe(text.substring(start, end)), out);
            return;
        }
        String piece = text.substring(start, end);
        int[] ids = cache.get(piece);
        if (ids == null) {
            ids = bpe(piece);
            if (cache.size() >= CACHE_MAX_ENTRIES) cache.clear();
            cache.put(piece, ids);
        }
        emit(ids, out);
    }

    private static void emit(int[] ids, IntList out) {
        if (ids.length == 1) out.add(ids[0]);
        else out.addAll(ids);
    }

    /** The ids of one piece. */
    private int[] bpe(String piece) {
        int n = piece.length();
        int[] sym = new int[n];
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            char c = piece.charAt(i);
            if (c < 128) sym[i] = model.byteId(c);
            else ascii = false;
        }
        byte[] utf8 = null;
        if (!ascii) {
            utf8 = piece.getBytes(StandardCharsets.UTF_8);
            sym = model.byteIds(utf8);
        }
        if (model.ignoreMerges()) {
            Integer whole = model.id(ByteLevel.encode(utf8 != null ? utf8 : piece.getBytes(StandardCharsets.US_ASCII)));
            if (whole != null) return new int[] {whole};
        }
        for (int id : sym) if (id < 0) return withUnknownBytes(sym);
        return model.merge(sym);
    }

    /** A piece with bytes the vocabulary lacks: the unk token for each, the rest merged in between. */
    private int[] withUnknownBytes(int[] sym) {
        if (unk < 0)
            throw new IllegalArgumentException("bpe: the vocabulary has no token for some byte of the text and no unk_token");
        IntList out = new IntList(sym.length);
        int from = 0;
        for (int i = 0; i <= sym.length; i++) {
            if (i < sym.length && sym[i] >= 0) continue;
            if (i > from) out.addAll(model.merge(java.util.Arrays.copyOfRange(sym, from, i)));
            if (i < sym.length) out.add(unk);
            from = i + 1;
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        StringBuilder out = new StringBuilder(ids.length * 4);
        byte[] run = new byte[Math.max(16, ids.length * 4)];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= vocab || (bytes[id] == null && addedText[id] == null))
                throw new IllegalArgumentException("bpe: id " + id + " at position " + i + " is not in the vocabulary (size " + vocab + ")");
            if (special[id] || (addedText[id] != null && bytes[id] == null)) {
                ByteTokenizer.decodeUtf8(run, n, out);
                n = 0;
                if (!(special[id] && skipSpecial)) out.append(addedText[id]);
                continue;
            }
            byte[] b = bytes[id];
            if (n + b.length > run.length) run = java.util.Arrays.copyOf(run, Math.max(run.length * 2, n + b.length));
            System.arraycopy(b, 0, run, n, b.length);
            n += b.length;
        }
        ByteTokenizer.decodeUtf8(run, n, out);
        return out.toString();
    }

    @Override
    public String toString() {
        return "BpeTokenizer(vocab=" + vocab + ", merges=" + model.merges().size() + ", specials=" + specials.keySet() + ")";
    }
}
