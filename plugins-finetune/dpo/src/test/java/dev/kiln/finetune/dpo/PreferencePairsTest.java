package dev.kiln.finetune.dpo;

import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Which tokens a preference batch feeds and counts: the [2B, L] layout, truncation as TRL cuts, conversational rows, errors. */
class PreferencePairsTest {
    static final WordTokenizer WORDS = new WordTokenizer(List.of("USER", "BOT", "END", "p1", "p2", "p3", "p4", "yes", "no", "maybe"));
    static final int EOS = 0, PAD = 1;   // WordTokenizer: specials first

    static PreferencePairs pairs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("chat_template", Map.of("user", "USER {content} END ", "assistant", "BOT {content} END "));
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return new PreferencePairs(DpoSettings.fromConfig(new Config("signal", m), null), WORDS);
    }

    static Example row(String source, Object... kv) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) f.put((String) kv[i], kv[i + 1]);
        return new Example(f, source, null);
    }

    static int[] ids(String words) { return WORDS.encode(words); }

    @Test
    void chosenRowsThenRejectedRowsRightPadded() {
        PreferencePairs p = pairs();
        Batch b = p.batch(List.of(p.encode(row("a:1", "prompt", "p1 p2", "chosen", "yes", "rejected", "no maybe"), 16),
                p.encode(row("a:2", "prompt", "p3", "chosen", "maybe", "rejected", "no"), 16)));
        int y = ids("yes")[0], n = ids("no")[0], m = ids("maybe")[0], p1 = ids("p1")[0], p2 = ids("p2")[0], p3 = ids("p3")[0];
        // width 5 = the longest side (p1 p2 no maybe EOS); completions and their EOS are the trained tokens
        assertArrayEquals(new int[] {
                p1, p2, y, EOS, PAD,
                p3, m, EOS, PAD, PAD,
                p1, p2, n, m, EOS,
                p3, n, EOS, PAD, PAD}, b.ints("ids").data());
        assertArrayEquals(new int[] {
                0, 0, 1, 1, 0,
                0, 1, 1, 0, 0,
                0, 0, 1, 1, 1,
                0, 1, 1, 0, 0}, b.ints("trained").data());
        assertArrayEquals(new int[] {
                1, 1, 1, 1, 0,
                1, 1, 1, 0, 0,
                1, 1, 1, 1, 1,
                1, 1, 1, 0, 0}, b.ints("attention_mask").data());
        assertEquals(4 + 3 + 5 + 3, b.tokens());
    }

    @Test
    void truncationKeepsThePromptsEndThenTheChosenEnd() {
        Example ex = row("t:1", "prompt", "p1 p2 p3 p4", "chosen", "yes maybe yes", "rejected", "no");
        // max_prompt_length 2 keeps "p3 p4"; max_completion_length 2 keeps "yes maybe"; max_length 3 with keep_end keeps the last 3
        PreferencePairs.Pair end = pairs("max_prompt_length", 2, "max_completion_length", 2, "max_length", 3).encode(ex, 16);
        assertArrayEquals(ids("p4 yes maybe"), end.chosen().ids());
        assertArrayEquals(new boolean[] {false, true, true}, end.chosen().trained());
        assertArrayEquals(new int[] {ids("p4")[0], ids("no")[0], EOS}, end.rejected().ids(), "p3 p4 no EOS: the last 3");
        PreferencePairs.Pair start = pairs("max_prompt_length", 2, "truncation_mode", "keep_start").encode(ex, 4);
        assertArrayEquals(ids("p3 p4 yes maybe"), start.chosen().ids(), "the row width (4) caps max_length; keep_start keeps the first 4");
    }

    @Test
    void conversationalRowsWithAnImplicitPrompt() {
        Example ex = row("c:1", "chosen", List.of(Map.of("role", "user", "content", "p1"), Map.of("role", "assistant", "content", "yes")),
                "rejected", List.of(Map.of("role", "user", "content", "p1"), Map.of("role", "assistant", "content", "no")));
        PreferencePairs.Pair pair = pairs().encode(ex, 16);
        assertArrayEquals(ids("USER p1 END BOT yes END"), pair.chosen().ids());
        assertArrayEquals(new boolean[] {false, false, false, false, true, true}, pair.chosen().trained(),
                "the user turn and the assistant header are context; the answer and its end marker count");
        assertArrayEquals(ids("USER p1 END BOT no END"), pair.rejected().ids());
    }

    @Test
    void groupByLengthBatchesPairsOfSimilarLength() {
        List<Example> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++)   // alternating short (3-token sides: p1 yes EOS) and long (6-token: p1 p2 p3 p4 yes EOS) pairs
            rows.add(row("g:" + i, "prompt", i % 2 == 0 ? "p1" : "p1 p2 p3 p4", "chosen", "yes", "rejected", "no"));
        DpoObjective dpo = PreferenceTask.dpo(Map.of());
        int grouped = 0, plain = 0, shortBatches = 0;
        // mega-batches of min(32 / 16, 50) = 2 batches are sorted by length: the second of each holds the shorter pairs
        for (Batch b : dpo.prepare(new Dataset("g", rows), new BatchSpec(4, 16, true), 3)) {
            grouped += b.ints("ids").dim(1);
            if (b.ints("ids").dim(1) == 3) shortBatches++;
        }
        for (Batch b : dpo.prepare(new Dataset("g", rows), new BatchSpec(4, 16), 3)) plain += b.ints("ids").dim(1);
        assertTrue(shortBatches > 0 && grouped < plain, "grouped widths " + grouped + " (" + shortBatches + " all-short batches) vs shuffled " + plain);
    }

    @Test
    void nonPreferenceRowsAreRejectedWithTheSource() {
        var e = assertThrows(IllegalArgumentException.class, () -> pairs().encode(row("k.jsonl:3", "prompt", "p1", "completion", "yes",
                "label", true), 16));
        assertTrue(e.getMessage().startsWith("k.jsonl:3: dpo needs preference rows") && e.getMessage().contains("unpaired"), e.getMessage());
        DpoObjective dpo = PreferenceTask.dpo(Map.of());
        var lazy = assertThrows(IllegalArgumentException.class, () -> dpo.prepare(new Dataset("d", List.of(row("d.jsonl:9", "prompt", "a"))),
                new BatchSpec(2, 8), 1));
        assertTrue(lazy.getMessage().startsWith("d.jsonl:9:"), lazy.getMessage());
    }
}
