package dev.kiln.api.completion;

import dev.kiln.api.data.Example;
import dev.kiln.api.testing.WordTokenizer;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** TRL's preference, unpaired and prompt-only rows: kinds, implicit prompts, pieces, and errors naming row and field. */
class PreferenceRowsTest {
    static final WordTokenizer WORDS = new WordTokenizer(List.of("USER", "BOT", "END", "hi", "yes", "no", "sky", "is", "blue", "green"));
    static final PreferenceRows ROWS = new PreferenceRows(CompletionFormat.fromConfig(new dev.kiln.api.config.Config("signal",
            Map.of("chat_template", Map.of("user", "USER {content} END ", "assistant", "BOT {content} END "))), null), WORDS);

    static Example row(String source, Object... kv) {
        Map<String, Object> f = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) f.put((String) kv[i], kv[i + 1]);
        return new Example(f, source, null);
    }

    static Map<String, Object> msg(String role, String content) { return Map.of("role", role, "content", content); }

    @Test
    void explicitPromptKeepsItsParts() {
        PreferenceRows.Row r = ROWS.parse(row("p.jsonl:1", "prompt", "sky is", "chosen", " blue", "rejected", " green", "margin", 2));
        assertEquals(PreferenceRows.Kind.PREFERENCE, r.kind());
        assertEquals("sky is", r.prompt());
        assertEquals(" blue", r.chosen());
        assertEquals(" green", r.rejected());
        assertEquals(2.0, r.margin());
        // prompt (context), completion (trained), EOS (trained): the completion-only loss of a prompt / completion row
        assertEquals(List.of(new Piece("sky is", false, false), new Piece(" blue", false, true), new Piece("<|endoftext|>", true, true)),
                ROWS.pieces(r, r.chosen()));
    }

    @Test
    void implicitStringPromptIsTheSharedPrefixWithTheSpaceGivenToTheCompletions() {
        // "sky is blue" / "sky is green" first differ at index 7; index 6 is a space, so the prompt is "sky is" (TRL's extract_prompt)
        PreferenceRows.Row r = ROWS.parse(row("p.jsonl:2", "chosen", "sky is blue", "rejected", "sky is green"));
        assertEquals("sky is", r.prompt());
        assertEquals(" blue", r.chosen());
        assertEquals(" green", r.rejected());
        assertNull(r.margin());
        // no difference within the shorter one: the prompt stops one character before its end, as TRL's loop leaves it
        assertArrayEquals(new Object[] {"ab", "c", "cd"}, PreferenceRows.extractPrompt("abc", "abcd"));
        assertArrayEquals(new Object[] {"", "x", "y"}, PreferenceRows.extractPrompt("x", "y"));
    }

    @Test
    void implicitConversationalPromptIsTheSharedLeadingMessages() {
        List<Object> chosen = List.of(msg("user", "hi"), msg("assistant", "yes"));
        List<Object> rejected = List.of(msg("user", "hi"), msg("assistant", "no"));
        PreferenceRows.Row r = ROWS.parse(row("c.jsonl:1", "chosen", chosen, "rejected", rejected));
        assertEquals(List.of(msg("user", "hi")), r.prompt());
        assertEquals(List.of(msg("assistant", "yes")), r.chosen());
        assertEquals(List.of(msg("assistant", "no")), r.rejected());
        // the user turn is context, the assistant's content and end marker train
        PieceEncoder.Encoded e = new PieceEncoder(WORDS).encode(ROWS.pieces(r, r.chosen()), r.source());
        assertArrayEquals(WORDS.encode("USER hi END BOT yes END"), e.ids());
        assertArrayEquals(new boolean[] {false, false, false, false, true, true}, e.trained());
    }

    @Test
    void unpairedAndPromptOnlyRows() {
        PreferenceRows.Row u = ROWS.parse(row("k.jsonl:4", "prompt", "sky is", "completion", " blue", "label", true));
        assertEquals(PreferenceRows.Kind.UNPAIRED, u.kind());
        assertTrue(u.label());
        assertEquals(" blue", u.completion());
        PreferenceRows.Row p = ROWS.parse(row("g.jsonl:1", "prompt", List.of(msg("user", "hi"))));
        assertEquals(PreferenceRows.Kind.PROMPT_ONLY, p.kind());
        // rendered as the model continues it: the user turn, then the generation prompt (the assistant format before {content})
        assertArrayEquals(WORDS.encode("USER hi END BOT"), new PieceEncoder(WORDS).encode(ROWS.promptPieces(p), p.source()).ids());
    }

    @Test
    void errorsNameTheRowAndTheField() {
        assertMessage("p.jsonl:7: a preference row needs field 'rejected'", row("p.jsonl:7", "prompt", "a", "chosen", "b"));
        assertMessage("p.jsonl:8: field 'label' must be true (desirable) or false", row("p.jsonl:8", "prompt", "a", "completion", "b", "label", 1));
        assertMessage("p.jsonl:9: has 'completion' but neither 'label'", row("p.jsonl:9", "prompt", "a", "completion", "b"));
        assertMessage("p.jsonl:10: 'chosen' and 'rejected' must both be strings or both be lists", row("p.jsonl:10", "chosen", "b",
                "rejected", List.of(msg("assistant", "c"))));
        assertMessage("p.jsonl:11: field 'margin' must be a finite number", row("p.jsonl:11", "chosen", "b", "rejected", "c", "margin", "big"));
        assertMessage("p.jsonl:12: field 'chosen' must be a string or a list", row("p.jsonl:12", "chosen", 3, "rejected", "c"));
        assertMessage("p.jsonl:13: 'prompt' is a list but 'chosen' is a string", row("p.jsonl:13", "prompt", List.of(msg("user", "a")),
                "chosen", "b", "rejected", "c"));
        assertMessage("p.jsonl:14: a preference, unpaired or prompt-only row needs field 'prompt'", row("p.jsonl:14", "text", "a"));
    }

    private static void assertMessage(String start, Example ex) {
        var e = assertThrows(IllegalArgumentException.class, () -> ROWS.parse(ex));
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }
}
