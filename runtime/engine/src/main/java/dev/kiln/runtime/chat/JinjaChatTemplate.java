package dev.kiln.runtime.chat;

import dev.kiln.api.chat.ChatTemplate;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's Jinja chat template (transformers' {@code chat_template}), rendered as
 * {@code tokenizer.apply_chat_template(messages, tokenize=False, ...)} renders it: the template
 * sees {@code messages}, {@code tools} and {@code documents} (None when not given),
 * {@code add_generation_prompt}, the tokenizer's special tokens ({@code bos_token},
 * {@code eos_token}, ...), any extra keyword variables (e.g. {@code enable_thinking}), and the
 * functions {@code raise_exception(message)} and {@code strftime_now(format)} ({@link JinjaEngine}).
 *
 * <p>Messages are maps as in transformers ({@code role}, {@code content}, and whatever else a
 * template reads: {@code tool_calls}, {@code reasoning_content} ...). Thread-safe.
 */
public final class JinjaChatTemplate implements ChatTemplate {
    private final String source;
    private final String rewritten;
    private final String origin;
    private final Map<String, Object> specialTokens;
    private final Clock clock;

    private JinjaChatTemplate(String source, String origin, Map<String, Object> specialTokens, Clock clock) {
        this.source = source;
        this.rewritten = JinjaRewriter.rewrite(source);
        this.origin = origin;
        this.specialTokens = specialTokens;
        this.clock = clock;
    }

    /**
     * @param origin        where the template came from, for errors (e.g. "model/tokenizer_config.json: chat_template")
     * @param specialTokens variables such as bos_token → "&lt;s&gt;" (strings, or lists for additional_special_tokens)
     */
    public static JinjaChatTemplate of(String source, String origin, Map<String, ?> specialTokens) {
        return new JinjaChatTemplate(source, origin, copy(specialTokens), Clock.systemDefaultZone());
    }

    /** This template with {@code strftime_now} reading this clock (tests fix the date). */
    public JinjaChatTemplate withClock(Clock clock) {
        return new JinjaChatTemplate(source, origin, specialTokens, clock);
    }

    public String source() { return source; }

    @Override
    public String origin() { return origin; }

    /** The special-token variables the template sees (bos_token, eos_token, ...). */
    public Map<String, Object> specialTokens() { return specialTokens; }

    /** Whether the template marks the assistant's text with {@code {% generation %}} blocks. */
    public boolean hasGenerationBlocks() {
        return source.matches("(?s).*\\{%-?\\s*generation\\s*-?%}.*");
    }

    /** The conversation's text. */
    @Override
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return renderChat(messages, addGenerationPrompt, null, null, Map.of()).text();
    }

    @Override
    public List<int[]> generationSpans(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return hasGenerationBlocks() ? renderChat(messages, addGenerationPrompt, null, null, Map.of()).generationSpans() : null;
    }

    /**
     * The conversation's text and generation spans.
     *
     * @param tools     tool schemas (JSON-like maps) or null
     * @param documents documents for retrieval-augmented templates or null
     * @param extra     more template variables (e.g. enable_thinking → false); they override special tokens
     */
    public RenderedChat renderChat(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, List<?> tools,
                                   List<?> documents, Map<String, ?> extra) {
        if (messages == null) throw new IllegalArgumentException(origin + ": no messages to render");
        Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
        vars.put("messages", copyList(messages));
        vars.put("tools", tools == null ? null : copyList(tools));
        vars.put("documents", documents == null ? null : copyList(documents));
        vars.put("add_generation_prompt", addGenerationPrompt);
        if (extra != null) for (var e : extra.entrySet()) vars.put(e.getKey(), copyValue(e.getValue()));
        // the globals are functions, and "defined" in Jinja2 ({% if strftime_now is defined %} in Llama 3.1+); calls still go to the functions
        vars.putIfAbsent("strftime_now", JinjaEngine.FUNCTION);
        vars.putIfAbsent("raise_exception", JinjaEngine.FUNCTION);
        return JinjaEngine.shared().render(rewritten, vars, LocalDateTime.now(clock), origin);
    }

    /** Deep copies, so a template's namespace or list methods cannot change the caller's data; ints widened to long as Jinja sees numbers. */
    private static Map<String, Object> copy(Map<String, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) out.put(e.getKey(), copyValue(e.getValue()));
        return out;
    }

    private static List<Object> copyList(List<?> l) {
        List<Object> out = new ArrayList<>(l.size());
        for (Object o : l) out.add(copyValue(o));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object copyValue(Object v) {
        if (v instanceof Map<?, ?> m) return copy((Map<String, ?>) m);
        if (v instanceof List<?> l) return copyList(l);
        if (v instanceof Integer i) return i.longValue();
        return v;
    }

    @Override
    public String toString() {
        return "JinjaChatTemplate(" + origin + ")";
    }
}
