package dev.kiln.runtime.chat;

import java.util.List;
import java.util.Map;

/**
 * Kiln's own chat templates as Jinja, for models without one of their own: ChatML (the {@code sft}
 * signal's default: {@code <|im_start|>ROLE\nCONTENT<|im_end|>\n}, generation prompt
 * {@code <|im_start|>assistant\n}), and the role formats an {@code sft} run stores in the saved
 * model's config.json ({@code objectives.sft.chat_template}: per role a format with
 * {@code {content}}, <code>{{</code> / <code>}}</code> for literal braces, and
 * {@code generation_prompt}), rendered exactly as that run trained.
 */
public final class BuiltinChatTemplates {
    public static final String CHATML_SOURCE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    /** ChatML's end of turn. */
    public static final String IM_END = "<|im_end|>";

    private BuiltinChatTemplates() {}

    public static JinjaChatTemplate chatml(Map<String, ?> specialTokens) {
        return JinjaChatTemplate.of(CHATML_SOURCE, "Kiln's built-in ChatML template", specialTokens);
    }

    /**
     * The template of an sft run's role formats ({@code objectives.sft.chat_template} in a Kiln model's
     * config.json); {@code origin} names that key.
     */
    public static JinjaChatTemplate fromRoleFormats(Map<?, ?> formats, String origin, Map<String, ?> specialTokens) {
        StringBuilder t = new StringBuilder("{% for message in messages %}");
        boolean first = true;
        for (String role : List.of("system", "user", "assistant")) {
            if (!(formats.get(role) instanceof String format)) continue;
            int at = format.indexOf("{content}");
            if (at < 0) throw new ChatTemplateException(origin + "." + role + ": has no {content}");
            t.append(first ? "{% if" : "{% elif").append(" message['role'] == '").append(role).append("' %}")
                    .append("{{ ").append(literal(unescape(format.substring(0, at)))).append(" + message['content'] + ")
                    .append(literal(unescape(format.substring(at + "{content}".length())))).append(" }}");
            first = false;
        }
        if (first) throw new ChatTemplateException(origin + ": no role formats (system, user, assistant)");
        t.append("{% else %}{{ raise_exception('no format for role ' + message['role'] + ' in ").append(escape(origin)).append("') }}")
                .append("{% endif %}{% endfor %}");
        if (formats.get("generation_prompt") instanceof String gen)
            t.append("{% if add_generation_prompt %}{{ ").append(literal(gen)).append(" }}{% endif %}");
        return JinjaChatTemplate.of(t.toString(), origin, specialTokens);
    }

    /** The end-of-turn marker of role formats: the assistant suffix up to its last non-blank character. */
    public static String endMarker(Map<?, ?> formats) {
        if (!(formats.get("assistant") instanceof String format) || format.indexOf("{content}") < 0) return null;
        String marker = unescape(format.substring(format.indexOf("{content}") + "{content}".length())).strip();
        return marker.isEmpty() ? null : marker;
    }

    private static String unescape(String format) {
        return format.replace("{{", "{").replace("}}", "}");
    }

    private static String literal(String text) {
        return "'" + escape(text) + "'";
    }

    private static String escape(String text) {
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
