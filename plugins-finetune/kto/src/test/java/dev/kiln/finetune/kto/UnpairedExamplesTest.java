package dev.kiln.finetune.kto;

import dev.kiln.api.completion.PieceEncoder;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Example;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Which tokens a KTO batch feeds and counts: examples then mismatched KL rows, labels, cuts, and errors naming the row and field. */
class UnpairedExamplesTest {
    static final WordTokenizer WORDS = new WordTokenizer(List.of("USER", "BOT", "END", "p1", "p2", "p3", "p4", "yes", "no", "maybe"));
    static final int EOS = 0, PAD = 1;   // WordTokenizer: specials first

    static UnpairedExamples examples(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chat_template", Map.of("user", "USER {content} END ", "assistant", "BOT {content} END "));
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return new UnpairedExamples(KtoSettings.fromConfig(new Config("signal", m), null), WORDS);
    }

    static Example row(String source, Object... kv) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) f.put((String) kv[i], kv[i + 1]);
        return new Example(f, source, null);
    }

    static int id(String word) { return WORDS.encode(word)[0]; }

    @Test
    void examplesThenKlRowsPairingEachPromptWithThePreviousCompletion() {
        UnpairedExamples u = examples();
        Batch b = u.batch(List.of(
                u.encode(row("k:1", "prompt", "p1", "completion", "yes", "label", true), 16),
                u.encode(row("k:2", "prompt", "p2 p3", "completion", "no", "label", false), 16),
                u.encode(row("k:3", "prompt", "p4", "completion", "maybe no", "label", true), 16)), 16);
        int p1 = id("p1"), p2 = id("p2"), p3 = id("p3"), p4 = id("p4"), y = id("yes"), n = id("no"), m = id("maybe");
        assertArrayEquals(new int[] {
                p1, y, EOS, PAD,
                p2, p3, n, EOS,
                p4, m, n, EOS,
                p1, m, n, EOS,        // prompt 1 + completion 3 (the first takes the last's)
                p2, p3, y, EOS,       // prompt 2 + completion 1
                p4, n, EOS, PAD},     // prompt 3 + completion 2
                b.ints("ids").data());
        assertArrayEquals(new int[] {
                0, 1, 1, 0,
                0, 0, 1, 1,
                0, 1, 1, 1,
                0, 1, 1, 1,
                0, 0, 1, 1,
                0, 1, 1, 0}, b.ints("trained").data());
        assertArrayEquals(new int[] {1, 0, 1, UnpairedExamples.KL_ROW, UnpairedExamples.KL_ROW, UnpairedExamples.KL_ROW}, b.ints("labels").data());
        assertEquals(3 + 4 + 4, b.tokens(), "the examples' tokens (the KL rows are not extra data)");
    }

    @Test
    void aBatchOfOnePairsItsExampleWithItself() {
        UnpairedExamples u = examples();
        Batch b = u.batch(List.of(u.encode(row("k:1", "prompt", "p1", "completion", "yes", "label", true), 16)), 16);
        assertArrayEquals(new int[] {id("p1"), id("yes"), EOS, id("p1"), id("yes"), EOS}, b.ints("ids").data());
    }

    @Test
    void conversationalRowsRenderTheirTurns() {
        PieceEncoder.Encoded e = examples().encode(row("c:1", "prompt", List.of(Map.of("role", "user", "content", "p1")),
                "completion", List.of(Map.of("role", "assistant", "content", "yes")), "label", false), 16).tokens();
        assertArrayEquals(WORDS.encode("USER p1 END BOT yes END"), e.ids());
        assertArrayEquals(new boolean[] {false, false, false, false, true, true}, e.trained());
    }

    @Test
    void truncationKeepsThePromptsEndThenCutsTheCompletion() {
        Example ex = row("t:1", "prompt", "p1 p2 p3 p4", "completion", "yes maybe no", "label", true);
        // max_prompt_length 2 keeps "p3 p4"; max_length 4 then cuts the completion's end (TRL's KTO truncates completions)
        PieceEncoder.Encoded e = examples("max_prompt_length", 2, "max_length", 4).encode(ex, 16).tokens();
        assertArrayEquals(WORDS.encode("p3 p4 yes maybe"), e.ids());
        // a prompt that fills the row width keeps its last width − 1 tokens and one completion token
        PieceEncoder.Encoded w = examples().encode(ex, 3).tokens();
        assertArrayEquals(WORDS.encode("p3 p4 yes"), w.ids());
        assertArrayEquals(new boolean[] {false, false, true}, w.trained());
    }

    @Test
    void badRowsAreRefusedNamingFileLineAndField() {
        UnpairedExamples u = examples();
        var label = assertThrows(IllegalArgumentException.class, () -> u.encode(row("d.jsonl:4", "prompt", "p1", "completion", "yes",
                "label", "yes"), 16));
        assertTrue(label.getMessage().startsWith("d.jsonl:4:") && label.getMessage().contains("'label'"), label.getMessage());
        var noLabel = assertThrows(IllegalArgumentException.class, () -> u.encode(row("d.jsonl:5", "prompt", "p1", "completion", "yes"), 16));
        assertTrue(noLabel.getMessage().startsWith("d.jsonl:5:") && noLabel.getMessage().contains("'label'"), noLabel.getMessage());
        var noCompletion = assertThrows(IllegalArgumentException.class, () -> u.encode(row("d.jsonl:6", "prompt", "p1", "label", true), 16));
        assertTrue(noCompletion.getMessage().startsWith("d.jsonl:6:") && noCompletion.getMessage().contains("'completion'"),
                noCompletion.getMessage());
        var type = assertThrows(IllegalArgumentException.class, () -> u.encode(row("d.jsonl:7", "prompt", "p1", "completion", 42,
                "label", true), 16));
        assertTrue(type.getMessage().startsWith("d.jsonl:7:") && type.getMessage().contains("'completion'"), type.getMessage());
        var paired = assertThrows(IllegalArgumentException.class, () -> u.encode(row("d.jsonl:8", "prompt", "p1", "chosen", "yes",
                "rejected", "no"), 16));
        assertTrue(paired.getMessage().startsWith("d.jsonl:8: kto needs unpaired rows"), paired.getMessage());
    }
}
