package dev.kiln.runtime.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Hugging Face tokenizers run {@code Regex} patterns with Oniguruma (Ruby syntax, UTF-8):
 * {@code \s \w \d \p{..}} are Unicode, case-insensitive groups fold Unicode case, {@code ^ $}
 * are line anchors and {@code .} stops only at {@code \n}. This compiles such a pattern for
 * java.util.regex with the same meaning: the flags above, {@code \h}/{@code \H} (hex digits in
 * Oniguruma, horizontal space in Java) rewritten, and script names ({@code \p{Han}}) given
 * Java's {@code Is} prefix. Possessive quantifiers, atomic groups, lookaround and
 * {@code (?i:...)} mean the same in both.
 */
final class OnigRegex {
    private OnigRegex() {}

    static final int FLAGS = Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNICODE_CASE | Pattern.MULTILINE | Pattern.UNIX_LINES;

    /** The {@code pattern} object of Split / Replace: {@code {"String": s}} (literal) or {@code {"Regex": r}}. */
    static Pattern fromJson(JsonAt owner, String name) {
        JsonAt p = owner.object(name);
        if (p.has("String")) return Pattern.compile(Pattern.quote(p.string("String")));
        if (!p.has("Regex")) throw owner.error(name, "expected {\"String\": ...} or {\"Regex\": ...}");
        String regex = p.string("Regex");
        try {
            return compile(regex);
        } catch (PatternSyntaxException e) {
            throw p.error("Regex", "'" + regex + "' is not a regex this reader can run: " + e.getDescription());
        }
    }

    static Pattern compile(String onig) {
        return Pattern.compile(translate(onig), FLAGS);
    }

    static String translate(String re) {
        StringBuilder out = new StringBuilder(re.length() + 8);
        int n = re.length();
        for (int i = 0; i < n; i++) {
            char c = re.charAt(i);
            if (c != '\\' || i + 1 >= n) {
                out.append(c);
                continue;
            }
            char e = re.charAt(++i);
            if (e == 'h') out.append("[0-9a-fA-F]");
            else if (e == 'H') out.append("[^0-9a-fA-F]");
            else if ((e == 'p' || e == 'P') && i + 1 < n && re.charAt(i + 1) == '{') {
                int close = re.indexOf('}', i);
                if (close < 0) { out.append('\\').append(e); continue; }
                String name = re.substring(i + 2, close);
                boolean negated = name.startsWith("^");
                if (negated) name = name.substring(1);
                char kind = negated ? (e == 'p' ? 'P' : 'p') : e;
                out.append('\\').append(kind).append('{').append(javaProperty(name)).append('}');
                i = close;
            } else {
                out.append('\\').append(e);
            }
        }
        return out.toString();
    }

    /** A property name Java understands: categories as they are, scripts and blocks with "Is". */
    private static String javaProperty(String name) {
        if (name.length() <= 2 || name.startsWith("Is") || name.startsWith("In") || name.contains("=")) return name;
        try {
            Pattern.compile("\\p{" + name + "}");
            return name;
        } catch (PatternSyntaxException e) {
            return "Is" + name;
        }
    }
}
