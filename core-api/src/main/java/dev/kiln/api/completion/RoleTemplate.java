package dev.kiln.api.completion;

import dev.kiln.api.config.Config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kiln's own chat template (for models without one of their own), no Jinja engine needed: one format string per role, rendered message by message.
 *
 * <p><b>Format</b> (config {@code chat_template}): the name {@code chatml} (the default), or a map
 * with keys {@code system} (optional), {@code user}, {@code assistant} and
 * {@code generation_prompt} (optional). A role's format contains {@code {content}} exactly once
 * and may contain {@code {role}} (replaced by the role's name); <code>{{</code> and <code>}}</code>
 * are literal braces, any other {@code {...}} is an error. {@code generation_prompt} is plain text
 * (what inference appends before the model answers); by default the assistant format's text
 * before {@code {content}}. ChatML is
 * {@code <|im_start|>{role}\n{content}<|im_end|>\n} for every role, generation prompt
 * {@code <|im_start|>assistant\n}.
 *
 * <p><b>What an assistant turn trains</b> (TRL's {@code assistant_only_loss}): its content plus the
 * assistant format's text after {@code {content}} up to its last non-whitespace character, the
 * <em>end marker</em> (ChatML: {@code <|im_end|>}), so the model learns to stop. The text before
 * the content and the end marker's trailing whitespace are context, like every other role.
 *
 * <p>A literal part of a format that contains one of the tokenizer's special-token names (e.g.
 * {@code <|endoftext|>}) becomes that special token; message content never does
 * ({@link PieceEncoder}).
 */
public final class RoleTemplate {
    public static final List<String> ROLES = List.of("system", "user", "assistant");
    public static final String CHATML = "chatml";

    /** One role's format split around {@code {content}}, with {@code {role}} already substituted. */
    public record Format(String prefix, String suffix) {
        /** The suffix up to its last non-whitespace character (what an assistant turn trains after its content). */
        public String endMarker() { return suffix.stripTrailing(); }

        /** The suffix's trailing whitespace (context). */
        public String afterEndMarker() { return suffix.substring(endMarker().length()); }
    }

    private final Map<String, Format> formats;
    private final String generationPrompt;

    private RoleTemplate(Map<String, Format> formats, String generationPrompt) {
        this.formats = formats;
        this.generationPrompt = generationPrompt;
    }

    public static RoleTemplate chatml() {
        Map<String, Format> f = new LinkedHashMap<>();
        for (String role : ROLES) f.put(role, new Format("<|im_start|>" + role + "\n", "<|im_end|>\n"));
        return new RoleTemplate(f, "<|im_start|>assistant\n");
    }

    /** The value of config key {@code chat_template}: null (ChatML), a template name, or a role → format map. */
    @SuppressWarnings("unchecked")
    public static RoleTemplate parse(Object raw, Config config) {
        if (raw == null) return chatml();
        if (raw instanceof String name) {
            if (name.trim().equalsIgnoreCase(CHATML)) return chatml();
            throw config.error("chat_template", "names unknown template '" + name + "' (known: " + CHATML + ", "
                    + CompletionFormat.MODEL + " (the model's own); or give a map of system / user / assistant formats with a {content} placeholder)");
        }
        if (!(raw instanceof Map<?, ?> map))
            throw config.error("chat_template", "expected the name '" + CHATML + "' or a map of role formats (or '"
                    + CompletionFormat.MODEL + "': the model's own template), got '" + raw + "'");
        Config section = new Config(config.section() + ".chat_template", (Map<String, ?>) map);
        Map<String, Format> f = new LinkedHashMap<>();
        for (String role : ROLES) {
            String source = role.equals("system") ? section.getString(role, null) : section.requireString(role);
            if (source != null) f.put(role, format(source, role, section));
        }
        String generation = section.getString("generation_prompt", f.get("assistant").prefix());
        section.finish();
        return new RoleTemplate(f, generation);
    }

    /** Splits {@code source} at {@code {content}}, substituting {@code {role}} and unescaping <code>{{</code> and <code>}}</code>. */
    private static Format format(String source, String role, Config section) {
        StringBuilder prefix = new StringBuilder(), suffix = new StringBuilder();
        StringBuilder current = prefix;
        int contents = 0;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < source.length() && source.charAt(i + 1) == c) {
                current.append(c);
                i++;
            } else if (c == '{') {
                int end = source.indexOf('}', i);
                String name = end < 0 ? "" : source.substring(i + 1, end);
                if (name.equals("role")) current.append(role);
                else if (name.equals("content")) {
                    contents++;
                    current = suffix;
                } else throw section.error(role, "has an unknown placeholder '" + source.substring(i, end < 0 ? source.length() : end + 1)
                        + "' (placeholders: {content}, {role}; write {{ and }} for literal braces)");
                i = end;
            } else if (c == '}') {
                throw section.error(role, "has an unmatched '}' (write }} for a literal brace)");
            } else current.append(c);
        }
        if (contents != 1) throw section.error(role, "must contain {content} exactly once, found " + contents + " in '" + source + "'");
        return new Format(prefix.toString(), suffix.toString());
    }

    /** The format of a role, or null when the template has none (only {@code system} is optional). */
    public Format format(String role) { return formats.get(role); }

    public String generationPrompt() { return generationPrompt; }

    /** The template as a config value: role formats with their role substituted, plus the generation prompt. */
    public Map<String, Object> toMap() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : formats.entrySet())
            out.put(e.getKey(), escape(e.getValue().prefix()) + "{content}" + escape(e.getValue().suffix()));
        out.put("generation_prompt", generationPrompt);
        return out;
    }

    private static String escape(String literal) {
        return literal.replace("{", "{{").replace("}", "}}");
    }

    /** The text of a conversation (every message, in order), optionally followed by the generation prompt. */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            Format f = formats.get(m.role());
            if (f == null) throw new IllegalArgumentException("chat_template has no format for role '" + m.role() + "'");
            sb.append(f.prefix()).append(m.content()).append(f.suffix());
        }
        if (addGenerationPrompt) sb.append(generationPrompt);
        return sb.toString();
    }
}
