package dev.kiln.runtime.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SentencePiece's precompiled normalization ({@code Precompiled} normalizer): the base64
 * {@code precompiled_charsmap} holds a little-endian length, a Darts-clone double-array trie
 * over UTF-8 and the NUL-terminated replacement strings. As Hugging Face applies it: a grapheme
 * cluster shorter than 6 UTF-8 bytes is replaced whole when the trie has an entry for a prefix
 * of it (the shortest); otherwise each of its characters is looked up on its own.
 */
final class PrecompiledCharsMap implements TextNormalizer {
    private static final Pattern GRAPHEME = Pattern.compile("\\X");

    private final int[] units;
    private final byte[] normalized;

    private PrecompiledCharsMap(byte[] blob, JsonAt j) {
        if (blob.length < 4) throw j.error("precompiled_charsmap", "is too short (" + blob.length + " bytes)");
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        int trieBytes = b.getInt();
        if (trieBytes < 4 || trieBytes % 4 != 0 || 4L + trieBytes > blob.length)
            throw j.error("precompiled_charsmap", "has a trie size of " + trieBytes + " bytes, which does not fit its " + blob.length);
        units = new int[trieBytes / 4];
        for (int i = 0; i < units.length; i++) units[i] = b.getInt();
        normalized = java.util.Arrays.copyOfRange(blob, 4 + trieBytes, blob.length);
    }

    static TextNormalizer fromJson(JsonAt j) {
        Object map = j.raw("precompiled_charsmap");
        if (map == null || (map instanceof String s && s.isEmpty())) return s -> s;
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(j.string("precompiled_charsmap"));
        } catch (IllegalArgumentException e) {
            throw j.error("precompiled_charsmap", "is not base64: " + e.getMessage());
        }
        return new PrecompiledCharsMap(blob, j);
    }

    @Override
    public String normalize(String s) {
        StringBuilder out = null;
        Matcher m = GRAPHEME.matcher(s);
        int done = 0;
        while (m.find()) {
            String g = m.group();
            byte[] utf8 = g.getBytes(StandardCharsets.UTF_8);
            String whole = utf8.length < 6 ? transform(utf8) : null;
            if (whole != null) {
                if (out == null) out = new StringBuilder(s.length() + 8).append(s, 0, done);
                out.append(whole);
            } else {
                for (int i = 0; i < g.length(); ) {
                    int cp = g.codePointAt(i);
                    int len = Character.charCount(cp);
                    String one = transform(g.substring(i, i + len).getBytes(StandardCharsets.UTF_8));
                    if (one != null && out == null) out = new StringBuilder(s.length() + 8).append(s, 0, done + i);
                    if (out != null) {
                        if (one != null) out.append(one);
                        else out.appendCodePoint(cp);
                    }
                    i += len;
                }
            }
            done = m.end();
        }
        return out == null ? s : out.toString();
    }

    /** The replacement of the shortest trie key that prefixes {@code key}, or null. */
    private String transform(byte[] key) {
        int pos = 0;
        int unit = units[0];
        pos ^= offset(unit);
        for (byte kb : key) {
            int c = kb & 0xFF;
            if (c == 0) break;
            pos ^= c;
            if (pos < 0 || pos >= units.length) return null;
            unit = units[pos];
            if (label(unit) != c) return null;
            pos ^= offset(unit);
            if (hasLeaf(unit)) {
                if (pos < 0 || pos >= units.length) return null;
                int at = units[pos] & 0x7FFFFFFF;
                int end = at;
                while (end < normalized.length && normalized[end] != 0) end++;
                return at <= normalized.length ? new String(normalized, at, end - at, StandardCharsets.UTF_8) : null;
            }
        }
        return null;
    }

    private static boolean hasLeaf(int unit) { return ((unit >>> 8) & 1) == 1; }

    private static int label(int unit) { return unit & 0x800000FF; }

    private static int offset(int unit) { return (unit >>> 10) << ((unit & (1 << 9)) >>> 6); }
}
