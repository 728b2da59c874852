package dev.kiln.api.completion;

import dev.kiln.api.data.Example;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of TRL's preference-family datasets, read from JSONL, and their text pieces:
 * <ul>
 *   <li><b>preference</b> {@code {prompt, chosen, rejected}} (DPO, reward models): an explicit
 *       prompt, or an <em>implicit</em> one (no {@code prompt} field): the longest shared prefix of
 *       chosen and rejected, as TRL's {@code extract_prompt} finds it ({@link #extractPrompt});
 *       an optional numeric {@code margin} (reward models);</li>
 *   <li><b>unpaired</b> {@code {prompt, completion, label}} (KTO): {@code label} a boolean,
 *       true = desirable;</li>
 *   <li><b>prompt-only</b> {@code {prompt}} (online RL: the model writes the completions).</li>
 * </ul>
 * Each text field is a string (standard) or a list of {@code {role, content}} messages
 * (conversational; every text field of a row the same kind), rendered with the chat template of the
 * {@link CompletionFormat}. A completion is a prompt / completion row of {@link CompletionRows}:
 * its tokens train, the prompt's are context; a text completion ends with EOS when the format's
 * {@code add_eos} is on, as TRL appends it to chosen and rejected. The prompt and completion field
 * names come from the format; {@code chosen}, {@code rejected}, {@code label} and
 * {@code margin} are TRL's fixed names. Errors name the row ({@code file:line}) and the field.
 */
public final class PreferenceRows {
    public static final String CHOSEN = "chosen", REJECTED = "rejected", LABEL = "label", MARGIN = "margin";

    /** Which of the three row kinds. */
    public enum Kind { PREFERENCE, UNPAIRED, PROMPT_ONLY }

    /**
     * One parsed row; text values are a String or a list of message maps, as in the JSON.
     *
     * @param prompt     the explicit or extracted prompt
     * @param chosen     preference rows: the preferred completion (null otherwise)
     * @param rejected   preference rows: the other completion
     * @param completion unpaired rows: the completion
     * @param label      unpaired rows: desirable (true) or not
     * @param margin     preference rows: the {@code margin} column, or null when absent
     */
    public record Row(Kind kind, Object prompt, Object chosen, Object rejected, Object completion, boolean label, Double margin,
                      String source, java.nio.file.Path baseDir) {}

    private final CompletionFormat format;
    private final CompletionRows rows;

    public PreferenceRows(CompletionFormat format, Tokenizer tokenizer) {
        this.format = format;
        this.rows = new CompletionRows(format, tokenizer);
    }

    /** The row's kind and fields, checked: which fields are present decides the kind. */
    public Row parse(Example ex) {
        String promptField = format.promptField(), completionField = format.completionField();
        if (ex.has(CHOSEN) || ex.has(REJECTED)) {
            Object chosen = require(ex, CHOSEN, "a preference row"), rejected = require(ex, REJECTED, "a preference row");
            checkText(ex, CHOSEN, chosen);
            checkText(ex, REJECTED, rejected);
            if (chosen instanceof String != rejected instanceof String)
                throw new IllegalArgumentException(ex.source() + ": '" + CHOSEN + "' and '" + REJECTED + "' must both be strings or both be lists"
                        + " of messages, got " + CompletionRows.kind(chosen) + " and " + CompletionRows.kind(rejected));
            Object prompt = ex.fields().get(promptField);
            if (prompt == null) {
                Object[] split = extractPrompt(chosen, rejected);
                prompt = split[0];
                chosen = split[1];
                rejected = split[2];
            } else {
                checkText(ex, promptField, prompt);
                if (prompt instanceof String != chosen instanceof String)
                    throw new IllegalArgumentException(ex.source() + ": '" + promptField + "' is " + CompletionRows.kind(prompt) + " but '" + CHOSEN
                            + "' is " + CompletionRows.kind(chosen) + "; give strings throughout or messages throughout");
            }
            return new Row(Kind.PREFERENCE, prompt, chosen, rejected, null, false, margin(ex), ex.source(), ex.baseDir());
        }
        if (ex.has(LABEL)) {
            Object prompt = require(ex, promptField, "an unpaired row"), completion = require(ex, completionField, "an unpaired row");
            checkText(ex, promptField, prompt);
            checkText(ex, completionField, completion);
            if (!(ex.fields().get(LABEL) instanceof Boolean label))
                throw new IllegalArgumentException(ex.source() + ": field '" + LABEL + "' must be true (desirable) or false (undesirable), got '"
                        + ex.fields().get(LABEL) + "'");
            return new Row(Kind.UNPAIRED, prompt, null, null, completion, label, null, ex.source(), ex.baseDir());
        }
        if (ex.has(completionField))
            throw new IllegalArgumentException(ex.source() + ": has '" + completionField + "' but neither '" + LABEL + "' (an unpaired row: "
                    + "prompt, completion, label) nor '" + CHOSEN + "' / '" + REJECTED + "' (a preference row)");
        Object prompt = require(ex, promptField, "a preference, unpaired or prompt-only row");
        checkText(ex, promptField, prompt);
        return new Row(Kind.PROMPT_ONLY, prompt, null, null, null, false, null, ex.source(), ex.baseDir());
    }

    /** The pieces of prompt + completion (one side of a preference row, or an unpaired row's completion): the completion trains. */
    public List<Piece> pieces(Row row, Object completion) {
        if (row.prompt() instanceof List<?> l && l.isEmpty())
            throw new IllegalArgumentException(row.source() + ": the conversations in '" + CHOSEN + "' and '" + REJECTED
                    + "' share no leading message, so there is no prompt; add a 'prompt' field");
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put(format.promptField(), row.prompt());
        fields.put(format.completionField(), completion);
        return rows.pieces(new Example(fields, row.source(), row.baseDir()));
    }

    /** The prompt alone, rendered as the model continues it (prompt-only rows). */
    public List<Piece> promptPieces(Row row) {
        return rows.promptPieces(new Example(Map.of(format.promptField(), row.prompt()), row.source(), row.baseDir()), format.promptField());
    }

    /**
     * TRL's {@code extract_prompt}: the prompt is chosen up to the first position (character of a
     * string, message of a list) where chosen and rejected differ, moved back one when the character
     * before it is a space (so the completion keeps its leading space); the rest are the two
     * completions. When one is a prefix of the other, the prompt stops one position before the
     * shorter's end, as in TRL. Returns {prompt, chosen, rejected}, each of the input's kind.
     */
    public static Object[] extractPrompt(Object chosen, Object rejected) {
        if (chosen instanceof String c && rejected instanceof String r) {
            int idx = firstDifference(c.length(), r.length(), i -> c.charAt(i) == r.charAt(i));
            if (idx > 0 && idx < c.length() && c.charAt(idx) != r.charAt(idx) && c.charAt(idx - 1) == ' ') idx--;
            return new Object[] {c.substring(0, idx), c.substring(idx), r.substring(idx)};
        }
        List<?> c = (List<?>) chosen, r = (List<?>) rejected;
        int idx = firstDifference(c.size(), r.size(), i -> java.util.Objects.equals(c.get(i), r.get(i)));
        return new Object[] {List.copyOf(c.subList(0, idx)), List.copyOf(c.subList(idx, c.size())), List.copyOf(r.subList(idx, r.size()))};
    }

    /** The first index below min(a, b) where {@code same} fails; min − 1 when none does (TRL's loop end), 0 when either is empty. */
    private static int firstDifference(int a, int b, java.util.function.IntPredicate same) {
        int n = Math.min(a, b);
        for (int i = 0; i < n; i++) if (!same.test(i)) return i;
        return Math.max(0, n - 1);
    }

    private static Object require(Example ex, String field, String what) {
        Object v = ex.fields().get(field);
        if (v == null) throw new IllegalArgumentException(ex.source() + ": " + what + " needs field '" + field + "' (has: " + ex.fields().keySet() + ")");
        return v;
    }

    private static void checkText(Example ex, String field, Object v) {
        if (!(v instanceof String) && !(v instanceof List<?>))
            throw new IllegalArgumentException(ex.source() + ": field '" + field + "' must be a string or a list of {role, content} messages, got "
                    + CompletionRows.kind(v));
    }

    private static Double margin(Example ex) {
        Object m = ex.fields().get(MARGIN);
        if (m == null) return null;
        if (!(m instanceof Number n) || !Double.isFinite(n.doubleValue()))
            throw new IllegalArgumentException(ex.source() + ": field '" + MARGIN + "' must be a finite number, got '" + m + "'");
        return n.doubleValue();
    }
}
