package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.SpecialTokenText;
import dev.kiln.api.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Byte-level tokenizer: the UTF-8 bytes of a text are its ids 0–255, so any text round-trips and
 * nothing is ever unknown. Special tokens follow: by default {@code <|endoftext|>}=256,
 * {@code [PAD]}=257, {@code [MASK]}=258, {@code [CLS]}=259, {@code [SEP]}=260, {@code [UNK]}=261
 * (vocab 262). Decoding turns invalid UTF-8 into U+FFFD exactly as Python's
 * {@code bytes.decode("utf-8", errors="replace")} does: one replacement per maximal invalid subpart.
 */
public final class ByteTokenizer implements Tokenizer, SpecialTokenSplitting {
    public static final String TYPE = "byte";
    private static final char REPLACEMENT = '\uFFFD';

    private final Map<String, Integer> specials;
    private final String[] specialNames;   // index id - 256
    private final int vocab;
    private final boolean splitSpecialTokens;
    private final SpecialTokenText specialText;

    /** The default tokenizer with the six standard special tokens. */
    public ByteTokenizer() {
        this(defaultSpecials());
    }

    /** With the given special tokens, each with an id ≥ 256, ids distinct. */
    public ByteTokenizer(Map<String, Integer> specialTokens) {
        int max = 255;
        for (var e : specialTokens.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) throw new IllegalArgumentException("byte tokenizer: empty special token name");
            if (e.getValue() == null || e.getValue() < 256)
                throw new IllegalArgumentException("byte tokenizer: special token '" + e.getKey() + "' has id " + e.getValue() + "; ids 0-255 are bytes");
            max = Math.max(max, e.getValue());
        }
        if (max - 256 >= 1 << 20) throw new IllegalArgumentException("byte tokenizer: special token id " + max + " is too large");
        this.vocab = max + 1;
        this.specialNames = new String[vocab - 256];
        for (var e : specialTokens.entrySet()) {
            int slot = e.getValue() - 256;
            if (specialNames[slot] != null)
                throw new IllegalArgumentException("byte tokenizer: special tokens '" + specialNames[slot] + "' and '" + e.getKey() + "' share id " + e.getValue());
            specialNames[slot] = e.getKey();
        }
        this.specials = Collections.unmodifiableMap(new LinkedHashMap<>(specialTokens));
        this.splitSpecialTokens = false;
        this.specialText = SpecialTokenSplitting.over(this, ByteTokenizer::bytesOf);
    }

    private ByteTokenizer(ByteTokenizer t, boolean splitSpecialTokens) {
        specials = t.specials; specialNames = t.specialNames; vocab = t.vocab;
        this.splitSpecialTokens = splitSpecialTokens;
        this.specialText = t.specialText;
    }

    @Override
    public boolean splitsSpecialTokens() { return splitSpecialTokens; }

    @Override
    public ByteTokenizer withSplitSpecialTokens(boolean split) {
        return split == splitSpecialTokens ? this : new ByteTokenizer(this, split);
    }

    /** {@code <|endoftext|>}=256, {@code [PAD]}, {@code [MASK]}, {@code [CLS]}, {@code [SEP]}, {@code [UNK]}=261. */
    public static Map<String, Integer> defaultSpecials() {
        Map<String, Integer> m = new LinkedHashMap<>();
        String[] names = {EOS, PAD, MASK, CLS, SEP, UNK};
        for (int i = 0; i < names.length; i++) m.put(names[i], 256 + i);
        return m;
    }

    @Override
    public String name() { return TYPE; }

    @Override
    public int vocabSize() { return vocab; }

    /** Special-token names in the text ({@code <|endoftext|>}, ...) are their ids, unless this tokenizer splits them. */
    @Override
    public int[] encode(String text) {
        return splitSpecialTokens ? bytesOf(text) : specialText.encode(text);
    }

    private static int[] bytesOf(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xFF;
        return ids;
    }

    @Override
    public String decode(int[] ids, boolean skipSpecial) {
        StringBuilder out = new StringBuilder(ids.length);
        byte[] run = new byte[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id >= 0 && id < 256) {
                run[n++] = (byte) id;
                continue;
            }
            String special = id >= 256 && id < vocab ? specialNames[id - 256] : null;
            if (special == null)
                throw new IllegalArgumentException("byte tokenizer: id " + id + " at position " + i + " is not a byte or a special token (vocab " + vocab + ")");
            decodeUtf8(run, n, out);
            n = 0;
            if (!skipSpecial) out.append(special);
        }
        decodeUtf8(run, n, out);
        return out.toString();
    }

    @Override
    public Map<String, Integer> specialTokens() { return specials; }

    /**
     * Appends UTF-8 bytes [0, n) as text, replacing each maximal subpart of an ill-formed sequence
     * with one U+FFFD (Unicode §3.9 "substitution of maximal subparts", what Python does).
     */
    static void decodeUtf8(byte[] b, int n, StringBuilder out) {
        int i = 0;
        while (i < n) {
            int lead = b[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int need, lo = 0x80, hi = 0xBF, cp;
            if (lead >= 0xC2 && lead <= 0xDF) { need = 1; cp = lead & 0x1F; }
            else if (lead >= 0xE0 && lead <= 0xEF) {
                need = 2; cp = lead & 0x0F;
                if (lead == 0xE0) lo = 0xA0;          // no overlong forms
                if (lead == 0xED) hi = 0x9F;          // no surrogates
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                need = 3; cp = lead & 0x07;
                if (lead == 0xF0) lo = 0x90;          // no overlong forms
                if (lead == 0xF4) hi = 0x8F;          // nothing above U+10FFFF
            } else {                                  // continuation byte, C0/C1 or F5..FF
                out.append(REPLACEMENT);
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                int c = j < n ? b[j] & 0xFF : -1;
                int min = k == 0 ? lo : 0x80, max = k == 0 ? hi : 0xBF;
                if (c < min || c > max) { ok = false; break; }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (ok) out.appendCodePoint(cp);
            else out.append(REPLACEMENT);              // the lead plus the valid continuations so far
            i = j;
        }
    }

    @Override
    public String toString() {
        return "ByteTokenizer(vocab=" + vocab + ", specials=" + specials + ")";
    }
}
