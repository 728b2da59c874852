package dev.kiln.runtime.tokenizer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tokenizer.json {@code normalizer}: text → normalized text, applied to each stretch of the
 * input between added tokens. {@link #fromJson} reads every type this package implements and
 * refuses the others by name.
 */
@FunctionalInterface
interface TextNormalizer {
    String normalize(String s);

    String SUPPORTED = "BertNormalizer, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, Strip, Prepend, Replace, "
            + "ByteLevel, Precompiled, Sequence";

    /** The normalizer a JSON object describes; null JSON means none (null result). */
    static TextNormalizer fromJson(Object json, String file, String key) {
        if (json == null) return null;
        JsonAt j = JsonAt.of(json, file, key);
        return switch (j.type()) {
            case "BertNormalizer" -> {
                boolean lowercase = j.bool("lowercase", true);
                Object strip = j.raw("strip_accents");
                yield new BertNormalizer(j.bool("clean_text", true), j.bool("handle_chinese_chars", true),
                        strip == null ? lowercase : j.bool("strip_accents", lowercase), lowercase);
            }
            case "NFC" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFC);
            case "NFD" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
            case "NFKC" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKC);
            case "NFKD" -> s -> java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> HfChars::lowercase;
            case "StripAccents" -> TextNormalizer::stripMarks;
            case "Strip" -> strip(j.bool("strip_left", true), j.bool("strip_right", true));
            case "Prepend" -> {
                String p = j.string("prepend");
                yield s -> s.isEmpty() ? s : p.concat(s);
            }
            case "Replace" -> {
                String content = j.string("content");
                String literal = j.object("pattern").string("String", null);
                yield literal != null && !literal.isEmpty() ? s -> s.replace(literal, content)
                        : replace(OnigRegex.fromJson(j, "pattern"), content);
            }
            case "ByteLevel" -> s -> ByteLevel.encode(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            case "Precompiled" -> PrecompiledCharsMap.fromJson(j);
            case "Sequence" -> {
                List<JsonAt> steps = j.objects("normalizers");
                TextNormalizer[] all = new TextNormalizer[steps.size()];
                for (int i = 0; i < all.length; i++) all[i] = fromJson(steps.get(i).map(), file, steps.get(i).key());
                yield s -> {
                    for (TextNormalizer n : all) if (n != null) s = n.normalize(s);
                    return s;
                };
            }
            default -> throw j.unsupported("normalizer", SUPPORTED);
        };
    }

    /** Removes Mn characters after NFD, as BertNormalizer's strip_accents does. */
    static String stripNonSpacingMarks(String s) {
        int plain = 0;
        while (plain < s.length() && s.charAt(plain) < 0xC0) plain++;     // nothing below U+00C0 decomposes or is a mark
        if (plain == s.length()) return s;
        String d = java.text.Normalizer.normalize(s, java.text.Normalizer.Form.NFD);
        StringBuilder b = null;
        for (int i = 0; i < d.length(); ) {
            int cp = d.codePointAt(i);
            int n = Character.charCount(cp);
            if (Character.getType(cp) == Character.NON_SPACING_MARK) {
                if (b == null) b = new StringBuilder(d.length()).append(d, 0, i);
            } else if (b != null) {
                b.appendCodePoint(cp);
            }
            i += n;
        }
        return b == null ? d : b.toString();
    }

    /** Hugging Face's StripAccents: removes every mark (Mn, Mc, Me) as it stands, without decomposing first. */
    static String stripMarks(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            int t = Character.getType(cp);
            boolean mark = t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
            if (mark) {
                if (b == null) b = new StringBuilder(s.length()).append(s, 0, i);
            } else if (b != null) {
                b.appendCodePoint(cp);
            }
            i += n;
        }
        return b == null ? s : b.toString();
    }

    private static TextNormalizer strip(boolean left, boolean right) {
        return s -> {
            int start = 0, end = s.length();
            if (left) while (start < end && HfChars.isWhitespace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
            if (right) while (end > start && HfChars.isWhitespace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
            return s.substring(start, end);
        };
    }

    private static TextNormalizer replace(Pattern pattern, String content) {
        String literal = Matcher.quoteReplacement(content);
        return s -> pattern.matcher(s).replaceAll(literal);
    }
}
