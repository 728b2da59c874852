package dev.kiln.api.completion;

import dev.kiln.api.chat.ChatTemplate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A conversation rendered with the model's own chat template, cut into pieces of which the chosen
 * assistant turns train (TRL's {@code assistant_only_loss} with a Jinja template).
 *
 * <p>Where each assistant turn lies in the rendered text {@code F}:
 * <ul>
 *   <li>a template with {@code {% generation %}} blocks says so itself: the blocks' spans, in
 *       order, are the assistant turns (transformers' {@code return_assistant_tokens_mask});</li>
 *   <li>otherwise by rendering prefixes: turn i starts after {@code render(messages[:i],
 *       add_generation_prompt=True)} (which must be a prefix of F; else at the turn's content) and
 *       ends where {@code render(messages[:i+1])} ends when that is a prefix of F, else after the
 *       turn's content and the special token that follows it, if one does (its end of turn; Qwen3
 *       renders earlier turns differently once later ones follow, Llama 3 always appends the
 *       assistant header). Trailing whitespace is context,
 *       as with Kiln's own templates: what trains is the content and the end marker, so the model
 *       learns to stop.</li>
 * </ul>
 * All pieces are template text: the tokenizer's special-token names in them become special tokens,
 * as when transformers tokenizes a rendered chat.
 */
public final class TemplateTurns {
    private TemplateTurns() {}

    /**
     * @param trainedTurns the indices of the assistant messages that train
     * @param trainAll     every piece trains (assistant_only_loss / completion_only_loss false)
     */
    public static List<Piece> pieces(ChatTemplate template, List<Message> messages, Set<Integer> trainedTurns,
                                boolean trainAll, Set<String> specialTokens, String source) {
        List<Map<String, ?>> maps = maps(messages);
        String text = render(template, maps, false, source);
        List<int[]> spans = trainAll ? List.of() : spans(template, maps, text, trainedTurns, specialTokens, source);
        List<Piece> out = new ArrayList<>();
        int at = 0;
        for (int[] s : spans) {
            out.add(new Piece(text.substring(at, s[0]), true, false));
            out.add(new Piece(text.substring(s[0], s[1]), true, true));
            at = s[1];
        }
        out.add(new Piece(text.substring(at), true, trainAll));
        return out;
    }

    private static List<int[]> spans(ChatTemplate template, List<Map<String, ?>> maps, String text, Set<Integer> trained,
                                     Set<String> specials, String source) {
        List<int[]> generation = template.generationSpans(maps, false);
        List<Integer> assistants = new ArrayList<>();
        for (int i = 0; i < maps.size(); i++) if ("assistant".equals(maps.get(i).get("role"))) assistants.add(i);
        List<int[]> out = new ArrayList<>();
        if (generation != null) {
            if (generation.size() != assistants.size())
                throw new IllegalArgumentException(source + ": " + template.origin() + " marks " + generation.size()
                        + " {% generation %} blocks for " + assistants.size() + " assistant messages");
            for (int k = 0; k < assistants.size(); k++) if (trained.contains(assistants.get(k))) out.add(generation.get(k));
            return out;
        }
        int searchFrom = 0;
        for (int i : assistants) {
            String content = String.valueOf(maps.get(i).get("content"));
            String before = i == 0 ? null : tryRender(template, maps.subList(0, i), true);
            int start = before != null && text.startsWith(before) && before.length() >= searchFrom ? before.length() : find(text, content, searchFrom);
            if (start < 0) throw new IllegalArgumentException(source + ": cannot find assistant message " + i + " in the text "
                    + template.origin() + " renders (set chat_template: chatml to use Kiln's template)");
            String upTo = tryRender(template, maps.subList(0, i + 1), false);
            int end;
            if (upTo != null && text.startsWith(upTo) && upTo.length() > start) end = upTo.length();
            else {
                int c = find(text, content, start);
                end = c < 0 ? start : c + content.strip().length();
                end = afterSpecial(text, end, specials);
            }
            while (end > start && Character.isWhitespace(text.charAt(end - 1))) end--;
            if (trained.contains(i) && end > start) out.add(new int[] {start, end});
            searchFrom = Math.max(searchFrom, end);
        }
        return out;
    }

    /** After the special token that follows {@code at} (whitespace between allowed), or {@code at} when none does. */
    private static int afterSpecial(String text, int at, Set<String> specials) {
        int i = at;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) i++;
        int best = -1;
        for (String s : specials) if (!s.isEmpty() && text.startsWith(s, i) && s.length() > best) best = s.length();
        return best < 0 ? at : i + best;
    }

    /** The rendering, or null when the template rejects this prefix of the conversation (e.g. it reads messages[0] of none). */
    private static String tryRender(ChatTemplate template, List<Map<String, ?>> maps, boolean addGenerationPrompt) {
        try {
            return template.render(maps, addGenerationPrompt);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Where the (stripped) content occurs from {@code from} on; -1 if nowhere. An empty content is found at {@code from}. */
    private static int find(String text, String content, int from) {
        String c = content.strip();
        return c.isEmpty() ? from : text.indexOf(c, from);
    }

    private static String render(ChatTemplate template, List<Map<String, ?>> maps, boolean addGenerationPrompt, String source) {
        try {
            return template.render(maps, addGenerationPrompt);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static List<Map<String, ?>> maps(List<Message> messages) {
        List<Map<String, ?>> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            out.add(map);
        }
        return out;
    }
}
