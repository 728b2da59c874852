package dev.kiln.objective.mlm;

import dev.kiln.api.ops.Losses;
import dev.kiln.api.testing.TestTokenizers;
import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class MlmMaskingTest {
    static final Tokenizer TOK = TestTokenizers.bytes();
    static final int PAD = 257, MASK = 258, CLS = 259, SEP = 260;
    static final String CLS_ = Tokenizer.CLS, SEP_ = Tokenizer.SEP, PAD_ = Tokenizer.PAD, MASK_ = Tokenizer.MASK;
    static final String TEXT = "the quick brown fox jumps over the lazy dog while seven small birds sing in the old oak tree. ";

    static MlmSettings settings(double p, double mask, double random, boolean wholeWord, boolean span) {
        MlmSettings d = MlmSettings.defaults();
        return new MlmSettings(p, mask, random, wholeWord, span, d.spanP(), d.maxSpan(), false, true, false);
    }

    static int[] row(String text) {
        int[] ids = TOK.encode(text);
        int[] row = new int[ids.length + 2];
        row[0] = CLS;
        System.arraycopy(ids, 0, row, 1, ids.length);
        row[row.length - 1] = SEP;
        return row;
    }

    @Test
    void tokenLevelSelectsFifteenPercentAndSplitsThemEightyTenTen() {
        MlmMasking m = new MlmMasking(TOK, settings(0.15, 0.8, 0.1, false, false));
        Random rng = new Random(1);
        int[] row = row(TEXT.repeat(3));
        long maskable = 0, selected = 0, masked = 0, random = 0, kept = 0;
        for (int n = 0; n < 400; n++) {
            MlmMasking.Masked out = m.apply(row, rng);
            for (int i = 0; i < row.length; i++) {
                if (row[i] < 256) maskable++;
                if (out.labels()[i] == Losses.IGNORE) {
                    assertEquals(row[i], out.inputs()[i], "an unselected token changed");
                    continue;
                }
                selected++;
                assertEquals(row[i], out.labels()[i], "the label is the original id");
                if (out.inputs()[i] == MASK) masked++;
                else if (out.inputs()[i] == row[i]) kept++;
                else random++;
            }
        }
        double ratio = (double) selected / maskable;
        assertEquals(0.15, ratio, 0.005, "selected fraction");
        assertEquals(0.8, (double) masked / selected, 0.015, "[MASK] share");
        // a random replacement equals the original 1 time in 256: the 'kept' share absorbs that
        assertEquals(0.1 * 255 / 256, (double) random / selected, 0.012, "random share");
        assertEquals(0.1 + 0.1 / 256, (double) kept / selected, 0.012, "unchanged share");
    }

    @Test
    void specialAndPaddingTokensAreNeverSelectedAndRandomTokensAreNeverSpecial() {
        MlmMasking m = new MlmMasking(TOK, settings(0.9, 0.0, 1.0, false, false));
        int[] row = {CLS, 'a', 'b', SEP, 'c', MASK, 'd', 256, 'e', 261, SEP, PAD, PAD};
        Random rng = new Random(3);
        int selected = 0;
        for (int n = 0; n < 2000; n++) {
            MlmMasking.Masked out = m.apply(row, rng);
            for (int i = 0; i < row.length; i++) {
                if (row[i] >= 256) {
                    assertEquals(Losses.IGNORE, out.labels()[i], "special id " + row[i] + " at " + i + " was selected");
                    assertEquals(row[i], out.inputs()[i]);
                } else if (out.labels()[i] != Losses.IGNORE) {
                    selected++;
                    assertTrue(out.inputs()[i] < 256, "random replacement drew special id " + out.inputs()[i]);
                }
            }
        }
        assertTrue(selected > 2000 * 5 * 0.85, "ordinary tokens were selected: " + selected);
    }

    @Test
    void replacementSharesAreConfigurable() {
        int[] row = row(TEXT);
        MlmMasking.Masked allMask = new MlmMasking(TOK, settings(0.5, 1.0, 0.0, false, false)).apply(row, new Random(2));
        MlmMasking.Masked allKept = new MlmMasking(TOK, settings(0.5, 0.0, 0.0, false, false)).apply(row, new Random(2));
        assertEquals(allMask.selected(), allKept.selected(), "the same rng state selects the same positions");
        for (int i = 0; i < row.length; i++) {
            if (allMask.labels()[i] != Losses.IGNORE) assertEquals(MASK, allMask.inputs()[i]);
            assertEquals(row[i], allKept.inputs()[i], "nothing is corrupted with both shares at 0");
        }
    }

    @Test
    void everyRowWithOrdinaryTokensPredictsAtLeastOne() {
        MlmMasking m = new MlmMasking(TOK, settings(0.01, 0.8, 0.1, false, false));
        Random rng = new Random(4);
        for (int n = 0; n < 200; n++) assertTrue(m.apply(row("ab"), rng).selected() >= 1);
        assertEquals(0, m.apply(new int[] {CLS, SEP, PAD}, rng).selected(), "nothing to select in specials only");
    }

    @Test
    void wordStartsFollowWhitespaceForTheByteTokenizer() {
        int[] row = row("hi  there.\ncafé ok");
        boolean[] maskable = new boolean[row.length];
        for (int i = 0; i < row.length; i++) maskable[i] = row[i] < 256;
        int[] group = new int[row.length];
        int units = new WordStarts(TOK).group(row, maskable, group);
        // [CLS] h i ' ' ' ' t h e r e . \n c a f é(2 bytes) ' ' o k [SEP]
        int[] expected = {-1, 0, 0, 1, 2, 3, 3, 3, 3, 3, 3, 4, 5, 5, 5, 5, 5, 6, 7, 7, -1};
        assertArrayEquals(expected, group);
        assertEquals(8, units);
    }

    @Test
    void wordPieceContinuationsJoinTheWordBeforeThem() {
        // a WordPiece-like vocabulary: its decoder separates words with spaces and glues "##" pieces
        String[] vocab = {"[CLS]", "[SEP]", "[PAD]", "[MASK]", "walk", "##ing", "the", "dog", "##s", "."};
        Tokenizer wp = new Tokenizer() {
            public String name() { return "wordpiece-like"; }
            public int vocabSize() { return vocab.length; }
            public int[] encode(String text) { throw new UnsupportedOperationException(); }
            public String decode(int[] ids, boolean skip) {
                StringBuilder b = new StringBuilder();
                for (int id : ids) {
                    String t = vocab[id];
                    if (t.startsWith("##") && b.length() > 0) b.append(t.substring(2));
                    else b.append(b.length() > 0 && !t.equals(".") ? " " : "").append(t);
                }
                return b.toString();
            }
            public java.util.Map<String, Integer> specialTokens() { return java.util.Map.of(CLS_, 0, SEP_, 1, PAD_, 2, MASK_, 3); }
        };
        int[] row = {0, 4, 5, 6, 7, 8, 9, 1};                     // [CLS] walk ##ing the dog ##s . [SEP]
        boolean[] maskable = {false, true, true, true, true, true, true, false};
        int[] group = new int[row.length];
        assertEquals(3, new WordStarts(wp).group(row, maskable, group));
        assertArrayEquals(new int[] {-1, 0, 0, 1, 2, 2, 2, -1}, group, "walking | the | dogs.");
    }

    @Test
    void wholeWordMaskingTakesEveryByteOfAWordOrNone() {
        MlmMasking m = new MlmMasking(TOK, settings(0.15, 0.8, 0.1, true, false));
        int[] row = row(TEXT.repeat(4));
        boolean[] maskable = new boolean[row.length];
        for (int i = 0; i < row.length; i++) maskable[i] = row[i] < 256;
        int[] group = new int[row.length];
        int units = new WordStarts(TOK).group(row, maskable, group);
        Random rng = new Random(5);
        long selected = 0, total = 0;
        for (int n = 0; n < 300; n++) {
            boolean[] chosen = m.select(row, rng);
            int[] inUnit = new int[units], size = new int[units];
            for (int i = 0; i < row.length; i++) {
                if (group[i] < 0) { assertFalse(chosen[i]); continue; }
                size[group[i]]++;
                if (chosen[i]) { inUnit[group[i]]++; selected++; }
            }
            for (int u = 0; u < units; u++) assertTrue(inUnit[u] == 0 || inUnit[u] == size[u], "word " + u + " partly masked");
            total += row.length - 2;
        }
        assertEquals(0.15, (double) selected / total, 0.01, "whole-word masking keeps the token budget");
    }

    @Test
    void spanMaskingSelectsContiguousRunsLongerThanOneOnAverage() {
        MlmMasking m = new MlmMasking(TOK, settings(0.15, 0.8, 0.1, false, true));
        int[] row = row(TEXT.repeat(4));
        Random rng = new Random(6);
        long selected = 0, runs = 0, total = 0;
        for (int n = 0; n < 300; n++) {
            boolean[] chosen = m.select(row, rng);
            assertFalse(chosen[0] || chosen[row.length - 1], "[CLS]/[SEP] selected");
            for (int i = 1; i < row.length - 1; i++) {
                if (chosen[i]) selected++;
                if (chosen[i] && !chosen[i - 1]) runs++;
            }
            total += row.length - 2;
        }
        assertEquals(0.15, (double) selected / total, 0.01, "span masking keeps the token budget");
        double meanRun = (double) selected / runs;
        assertTrue(meanRun > 2.5, "spans should average several tokens (Geometric(0.2) clipped at 10), got " + meanRun);
    }

    @Test
    void sameSeedSameMasks() {
        MlmMasking m = new MlmMasking(TOK, settings(0.15, 0.8, 0.1, true, true));
        int[] row = row(TEXT);
        assertArrayEquals(m.apply(row, new Random(9)).inputs(), m.apply(row, new Random(9)).inputs());
    }
}
