package dev.kiln.finetune.reward;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Example;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Which tokens a reward batch scores: whole prompt + completion sequences, [2B, L], margins, cuts, errors naming the row. */
class PreferenceSequencesTest {
    static final WordTokenizer WORDS = new WordTokenizer(List.of("USER", "BOT", "END", "p1", "p2", "p3", "yes", "no", "maybe"));
    static final int EOS = 0, PAD = 1;   // WordTokenizer: specials first

    static PreferenceSequences sequences(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chat_template", Map.of("user", "USER {content} END ", "assistant", "BOT {content} END "));
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return new PreferenceSequences(RewardSettings.fromConfig(new Config("signal", m), null), WORDS);
    }

    static Example row(String source, Object... kv) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) f.put((String) kv[i], kv[i + 1]);
        return new Example(f, source, null);
    }

    static int id(String word) { return WORDS.encode(word)[0]; }

    @Test
    void chosenRowsThenRejectedRowsRightPaddedWithMargins() {
        PreferenceSequences s = sequences();
        Batch b = s.batch(List.of(s.encode(row("a:1", "prompt", "p1 p2", "chosen", "yes", "rejected", "no maybe", "margin", 1.5), 16),
                s.encode(row("a:2", "chosen", "p3 maybe", "rejected", "p3 no"), 16)));
        int p1 = id("p1"), p2 = id("p2"), p3 = id("p3"), y = id("yes"), n = id("no"), m = id("maybe");
        assertArrayEquals(new int[] {
                p1, p2, y, EOS, PAD,
                p3, m, EOS, PAD, PAD,
                p1, p2, n, m, EOS,
                p3, n, EOS, PAD, PAD}, b.ints("ids").data(), "the implicit prompt of row 2 is 'p3 ', shared by both sides");
        assertArrayEquals(new int[] {
                1, 1, 1, 1, 0,
                1, 1, 1, 0, 0,
                1, 1, 1, 1, 1,
                1, 1, 1, 0, 0}, b.ints("attention_mask").data());
        assertArrayEquals(new float[] {1.5f, 0f}, b.floats("margins").data(), 0f, "a row without the margin column gets 0");
        assertEquals(4 + 3 + 5 + 3, b.tokens());
    }

    @Test
    void conversationalRowsAreRenderedWithTheTemplate() {
        PreferenceSequences.Pair p = sequences().encode(row("c:1",
                "chosen", List.of(Map.of("role", "user", "content", "p1"), Map.of("role", "assistant", "content", "yes")),
                "rejected", List.of(Map.of("role", "user", "content", "p1"), Map.of("role", "assistant", "content", "no"))), 16);
        assertArrayEquals(WORDS.encode("USER p1 END BOT yes END"), p.chosen());
        assertArrayEquals(WORDS.encode("USER p1 END BOT no END"), p.rejected());
    }

    @Test
    void longSidesKeepTheirLastTokens() {
        PreferenceSequences.Pair p = sequences("max_length", 3).encode(row("t:1", "prompt", "p1 p2 p3", "chosen", "yes", "rejected", "no"), 16);
        assertArrayEquals(new int[] {id("p3"), id("yes"), EOS}, p.chosen(), "max_length 3 keeps the end, where the reward is read");
        PreferenceSequences.Pair w = sequences().encode(row("t:1", "prompt", "p1 p2 p3", "chosen", "yes", "rejected", "no"), 2);
        assertArrayEquals(new int[] {id("no"), EOS}, w.rejected(), "the row width caps it too");
    }

    @Test
    void badRowsAreRefusedNamingFileLineAndField() {
        var unpaired = assertThrows(IllegalArgumentException.class, () -> sequences().encode(row("k.jsonl:3", "prompt", "p1",
                "completion", "yes", "label", true), 16));
        assertTrue(unpaired.getMessage().startsWith("k.jsonl:3: the reward signal needs preference rows"), unpaired.getMessage());
        var margin = assertThrows(IllegalArgumentException.class, () -> sequences().encode(row("m.jsonl:7", "prompt", "p1",
                "chosen", "yes", "rejected", "no", "margin", "big"), 16));
        assertTrue(margin.getMessage().startsWith("m.jsonl:7:") && margin.getMessage().contains("'margin'"), margin.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> sequences().encode(row("r.jsonl:2", "prompt", "p1", "chosen", "yes"), 16));
        assertTrue(missing.getMessage().startsWith("r.jsonl:2:") && missing.getMessage().contains("'rejected'"), missing.getMessage());
        var type = assertThrows(IllegalArgumentException.class, () -> sequences().encode(row("r.jsonl:4", "prompt", "p1", "chosen", 3,
                "rejected", "no"), 16));
        assertTrue(type.getMessage().startsWith("r.jsonl:4:") && type.getMessage().contains("'chosen'"), type.getMessage());
    }
}
