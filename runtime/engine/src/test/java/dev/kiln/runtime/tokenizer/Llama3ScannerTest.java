package dev.kiln.runtime.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The hand-written Llama 3 / Qwen2 scanner gives the regex's pieces (checked against java.util.regex on random text). */
class Llama3ScannerTest {
    private static final String ALPHABET = "aZé漢ſ'sStTrRvVlLdDmM 1234567890٣½Ⅻ \t\n\r\u00a0\u2028!?.,-_\"'()😀\u0301";

    @Test
    void scannerAndRegexAgree() {
        for (String regex : List.of(Llama3Scanner.LLAMA3, Llama3Scanner.QWEN2)) {
            PreTokenizer scanner = Llama3Scanner.forRegex(regex);
            Pattern p = OnigRegex.compile(regex);
            Random r = new Random(11);
            int[] cps = ALPHABET.codePoints().toArray();
            for (int n = 0; n < 3000; n++) {
                StringBuilder b = new StringBuilder();
                int len = 1 + r.nextInt(24);
                for (int i = 0; i < len; i++) b.appendCodePoint(cps[r.nextInt(cps.length)]);
                String s = b.toString();
                List<String> viaRegex = new ArrayList<>();
                SplitBehavior.ISOLATED.emit(s, SplitBehavior.Spans.ofRegex(s, p), true, (piece, a) -> viaRegex.add(piece));
                assertEquals(viaRegex, HfFixtures.pieces(scanner, s), () -> s.codePoints().mapToObj(Integer::toHexString).toList().toString());
            }
        }
    }

    @Test
    void qwenSplitsDigitsOneByOne() {
        assertEquals(List.of("abc", "1", "2", "3"), HfFixtures.pieces(Llama3Scanner.forRegex(Llama3Scanner.QWEN2), "abc123"));
        assertEquals(List.of("abc", "123", "4"), HfFixtures.pieces(Llama3Scanner.forRegex(Llama3Scanner.LLAMA3), "abc1234"));
    }
}
