package dev.kiln.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The hand-compiled GPT-2 split against the regex itself, run by java.util.regex. */
class GptPreTokenizerTest {
    static final String S = "[\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]";
    static final String NOT_S = S.replace("[", "[^");
    static final Pattern GPT2 = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + S.substring(1, S.length() - 1)
            + "\\p{L}\\p{N}]+|" + S + "+(?!" + NOT_S + ")|" + S + "+");

    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        GptPreTokenizer.split(s, (a, b) -> out.add(s.substring(a, b)));
        return out;
    }

    static List<String> regex(String s) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2.matcher(s);
        int last = 0;
        while (m.find()) {
            assertEquals(last, m.start(), "the regex covers the text");
            out.add(m.group());
            last = m.end();
        }
        return out;
    }

    @Test
    void knownSplits() {
        assertEquals(List.of("Hello", ",", " world", "!"), split("Hello, world!"));
        assertEquals(List.of("I", "'m", " sure", " it", "'s", " they", "'re", " ok", "'d", "'ll"), split("I'm sure it's they're ok'd'll"));
        assertEquals(List.of("I", "'", "M", " X", "'", "S"), split("I'M X'S"));     // contractions are lower-case only
        assertEquals(List.of("a", "  ", " b"), split("a   b"));
        assertEquals(List.of("a", "\n\n", "\n", "b"), split("a\n\n\nb"));
        assertEquals(List.of("x", "   "), split("x   "));
        assertEquals(List.of(" 123", "abc", " !!?", "x"), split(" 123abc !!?x"));
        assertEquals(List.of("🔥🏺", " 😀"), split("🔥🏺 😀"));
        assertEquals(List.of("e", "\u0301"), split("e\u0301"));
        assertEquals(List.of(), split(""));
    }

    @Test
    void matchesTheRegexOnRandomText() {
        Random r = new Random(11);
        String[] atoms = {"a", "Z", "é", "ß", "漢", "ㄱ", "1", "٣", "½", "Ⅻ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u0085",
                "\u2028", "'", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "!", ".", "-", "\u0301", "🔥", "👩‍👧", "\uFEFF", "\u200b", "$"};
        for (int n = 0; n < 5000; n++) {
            StringBuilder b = new StringBuilder();
            int len = r.nextInt(12);
            for (int i = 0; i < len; i++) b.append(atoms[r.nextInt(atoms.length)]);
            String s = b.toString();
            assertEquals(regex(s), split(s), () -> "text: " + s.codePoints().mapToObj(Integer::toHexString).toList());
        }
    }

    @Test
    void matchesTheRegexOnEveryBmpCharacterInContext() {
        for (int cp = 0; cp < 0x10000; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            String c = new String(Character.toChars(cp));
            for (String s : new String[] {c, " " + c, c + c + "a", "a " + c + " ", "'" + c, "\n" + c + "1"})
                assertEquals(regex(s), split(s), () -> "text: " + s.codePoints().mapToObj(Integer::toHexString).toList());
        }
    }
}
