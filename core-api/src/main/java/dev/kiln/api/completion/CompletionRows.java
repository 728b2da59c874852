package dev.kiln.api.completion;

import dev.kiln.api.data.Example;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One JSONL row of a completion dataset (sft's instruction rows; each side of a preference row,
 * {@link PreferenceRows}) as the text pieces to tokenize ({@link PieceEncoder}), each marked
 * trained or context. The row kinds (TRL's dataset formats):
 * <ul>
 *   <li><b>prompt / completion</b>, both strings: the prompt (context) then the completion
 *       (trained), then EOS (trained) when {@code add_eos} and the tokenizer has one. Nothing is
 *       inserted between them: a tokenizer that needs a space before the completion gets it from
 *       the data, as in TRL;</li>
 *   <li><b>conversational prompt / completion</b>, both lists of messages: rendered with the chat
 *       template; the completion's assistant turns train ({@link RoleTemplate});</li>
 *   <li><b>messages</b>: a list of {@code {role, content}} maps (roles system, user, assistant;
 *       other keys of a message are ignored), rendered with the chat template; assistant turns
 *       train.</li>
 * </ul>
 * With the model's own chat template ({@code chat_template: model}, the default when the model has
 * one) conversations are rendered whole by it and {@link TemplateTurns} finds the assistant turns
 * (any role the template accepts may occur).
 * With {@code completion_only_loss: false} (prompt / completion rows) or
 * {@code assistant_only_loss: false} (messages rows) every piece trains.
 */
public final class CompletionRows {
    private final CompletionFormat settings;
    private final boolean eos;
    private final java.util.Set<String> specials;

    public CompletionRows(CompletionFormat settings, Tokenizer tokenizer) {
        this.settings = settings;
        this.eos = settings.addEos() && tokenizer.special(Tokenizer.EOS).isPresent();
        this.specials = tokenizer.specialTokens().keySet();
    }

    /** Whether completions end with the tokenizer's EOS (add_eos and the tokenizer has one). */
    public boolean appendsEos() { return eos; }

    public List<Piece> pieces(Example ex) {
        String messagesField = settings.messagesField(), promptField = settings.promptField(), completionField = settings.completionField();
        if (ex.has(messagesField)) {
            if (ex.has(promptField) || ex.has(completionField))
                throw new IllegalArgumentException(ex.source() + ": has both '" + messagesField + "' and '"
                        + (ex.has(promptField) ? promptField : completionField) + "'; give a conversation or a prompt / completion pair, not both");
            List<Message> messages = messages(ex, messagesField);
            List<Piece> out = new ArrayList<>();
            if (settings.modelTemplate() != null)
                out.addAll(TemplateTurns.pieces(settings.modelTemplate(), messages, assistants(messages, 0), !settings.assistantOnlyLoss(),
                        specials, ex.source()));
            else render(messages, !settings.assistantOnlyLoss(), true, out);
            return requireTrained(ex, out, "no assistant message to train on in '" + messagesField + "'");
        }
        Object prompt = field(ex, promptField), completion = field(ex, completionField);
        List<Piece> out = new ArrayList<>();
        boolean onlyCompletion = settings.completionOnlyLoss();
        if (prompt instanceof String p && completion instanceof String c) {
            out.add(new Piece(p, false, !onlyCompletion));
            out.add(new Piece(c, false, true));
            if (eos) out.add(new Piece(Tokenizer.EOS, true, true));
            return requireTrained(ex, out, "empty '" + completionField + "' and no EOS to train on");
        }
        if (prompt instanceof List<?> && completion instanceof List<?>) {
            if (settings.modelTemplate() != null) {
                List<Message> all = new ArrayList<>(messages(ex, promptField));
                int first = all.size();
                all.addAll(messages(ex, completionField));
                out.addAll(TemplateTurns.pieces(settings.modelTemplate(), all, assistants(all, first), !onlyCompletion, specials, ex.source()));
                return requireTrained(ex, out, "no assistant message to train on in '" + completionField + "'");
            }
            render(messages(ex, promptField), !onlyCompletion, false, out);
            render(messages(ex, completionField), !onlyCompletion, true, out);
            return requireTrained(ex, out, "no assistant message to train on in '" + completionField + "'");
        }
        throw new IllegalArgumentException(ex.source() + ": '" + promptField + "' and '" + completionField
                + "' must both be strings (text) or both be lists of messages, got " + kind(prompt) + " and " + kind(completion));
    }

    /**
     * Appends a conversation's pieces: every piece trains when {@code trainAll}; otherwise an
     * assistant turn trains its content and end marker when {@code trainAssistant}.
     */
    private void render(List<Message> messages, boolean trainAll, boolean trainAssistant, List<Piece> out) {
        for (Message m : messages) {
            RoleTemplate.Format f = settings.template().format(m.role());
            boolean turn = trainAll || (trainAssistant && m.role().equals("assistant"));
            out.add(new Piece(f.prefix(), true, trainAll));
            out.add(new Piece(m.content(), false, turn));
            out.add(new Piece(f.endMarker(), true, turn));
            out.add(new Piece(f.afterEndMarker(), true, trainAll));
        }
    }

    /**
     * A prompt alone, as the model will continue it (prompt-only rows, online RL): text as it is;
     * messages rendered with the chat template and its generation prompt. Nothing trains.
     */
    public List<Piece> promptPieces(Example ex, String field) {
        Object prompt = field(ex, field);
        if (prompt instanceof String p) return List.of(new Piece(p, false, false));
        List<Message> messages = messages(ex, field);
        if (settings.modelTemplate() != null) {
            List<Map<String, ?>> maps = new ArrayList<>();
            for (Message m : messages) maps.add(Map.of("role", m.role(), "content", m.content()));
            try {
                return List.of(new Piece(settings.modelTemplate().render(maps, true), true, false));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ex.source() + ": " + e.getMessage(), e);
            }
        }
        List<Piece> out = new ArrayList<>();
        render(messages, false, false, out);
        out.add(new Piece(settings.template().generationPrompt(), true, false));
        return out;
    }

    /** The indices of the assistant messages from {@code from} on. */
    private static java.util.Set<Integer> assistants(List<Message> messages, int from) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        for (int i = from; i < messages.size(); i++) if (messages.get(i).role().equals("assistant")) out.add(i);
        return out;
    }

    /** The messages of a list field, each a map with a known role and string content. */
    public List<Message> messages(Example ex, String field) {
        Object raw = ex.fields().get(field);
        if (!(raw instanceof List<?> list))
            throw new IllegalArgumentException(ex.source() + ": field '" + field + "' must be a list of {role, content} messages, got " + kind(raw));
        if (list.isEmpty()) throw new IllegalArgumentException(ex.source() + ": field '" + field + "' is an empty list of messages");
        List<Message> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            String where = ex.source() + ": " + field + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m))
                throw new IllegalArgumentException(where + " must be a {role, content} map, got " + kind(list.get(i)));
            if (!(m.get("role") instanceof String role))
                throw new IllegalArgumentException(where + ".role is missing or not a string (has: " + m.keySet() + ")");
            if (settings.modelTemplate() == null && !RoleTemplate.ROLES.contains(role))
                throw new IllegalArgumentException(where + ".role '" + role + "' is not one of " + String.join(", ", RoleTemplate.ROLES));
            if (settings.modelTemplate() == null && settings.template().format(role) == null)
                throw new IllegalArgumentException(where + ".role '" + role + "' has no format in chat_template (add a '" + role + "' format)");
            if (!(m.get("content") instanceof String content))
                throw new IllegalArgumentException(where + ".content must be a string, got " + kind(m.get("content")));
            out.add(new Message(role, content));
        }
        return out;
    }

    private static Object field(Example ex, String field) {
        Object v = ex.fields().get(field);
        if (v == null) throw new IllegalArgumentException(ex.source() + ": missing field '" + field + "' (has: " + ex.fields().keySet() + ")");
        return v;
    }

    private static List<Piece> requireTrained(Example ex, List<Piece> pieces, String what) {
        for (Piece p : pieces) if (p.trained() && !p.text().isEmpty()) return pieces;
        throw new IllegalArgumentException(ex.source() + ": " + what);
    }

    static String kind(Object v) {
        if (v == null) return "nothing";
        if (v instanceof String) return "a string";
        if (v instanceof List<?>) return "a list";
        if (v instanceof Map<?, ?>) return "a map";
        return "'" + v + "'";
    }
}
