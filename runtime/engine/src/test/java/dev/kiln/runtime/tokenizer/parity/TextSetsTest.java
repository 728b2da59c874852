package dev.kiln.runtime.tokenizer.parity;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed text sets hold what the parity suite claims they do, and the case lists name real cases. */
@Tag("parity")
class TextSetsTest {

    @Test
    void hardSetHasEveryUnicodeWhitespaceCharacter() {
        String all = String.join("", TextSets.lines("hard"));
        List<String> missing = new ArrayList<>();
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++)
            if ((Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85) && all.indexOf(cp) < 0)
                missing.add(String.format("U+%04X", cp));
        assertEquals(List.of(), missing, "whitespace characters missing from hard-set.json");
    }

    @Test
    void hardSetHasNonBmpTextEmptyLinesAndLineBreakCombinations() {
        List<String> lines = TextSets.lines("hard");
        String all = String.join("", lines);
        assertTrue(all.codePoints().anyMatch(Character::isSupplementaryCodePoint), "a non-BMP character");
        assertTrue(lines.contains(""), "an empty line");
        for (String s : List.of("\r\n", "\n\r", "\r\r\n", "\n\n\n", "\u200d", "\u200c", "\u00ad", "\ufeff", "\u200f", "\u202e"))
            assertTrue(all.contains(s), "hard set contains " + Mismatch.quote(s));
    }

    @Test
    void specialsSetHasTheSpecialTokenStrings() {
        String all = String.join("\n", TextSets.lines("specials"));
        for (String s : List.of("<|endoftext|>", "[CLS]", "[SEP]", "[MASK]", "<|begin_of_text|>", "<|eot_id|>", "<s>", "</s>", "<start_of_turn>",
                "<|im_start|>"))
            assertTrue(all.contains(s), "specials-in-text.json contains " + s);
    }

    @Test
    void caseIdsAreUnique() {
        List<String> ids = ParityCases.all().stream().map(ParityCase::id).toList();
        assertEquals(ids.size(), new java.util.HashSet<>(ids).size(), "duplicate case ids: " + ids);
    }
}
