package dev.kiln.runtime.chat;

import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.generate.Generation;
import dev.kiln.runtime.generate.Generator;
import dev.kiln.runtime.generate.SamplingSettings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A conversation with a causal model through its chat template: each {@link #reply} renders the
 * system prompt (if any), the history and the new user message with the generation prompt,
 * encodes it ({@link ChatEncoding}), streams the model's answer until an end-of-turn token
 * ({@link EndOfTurn}), an end-marker stop string, a stop string of the settings or the token
 * limit, and appends both messages to the history. {@link #reset} forgets the history (the system
 * prompt stays). Each turn runs the whole conversation through the model again (the KV cache is
 * per turn).
 */
public final class ChatSession {
    private final Generator generator;
    private final Tokenizer tokenizer;
    private final ModelChatTemplate chat;
    private final String system;
    private final List<String> endStrings;
    private final List<Map<String, Object>> history = new ArrayList<>();

    /**
     * @param generationEos generation_config.json's eos ids, or null
     * @param system        the system prompt, or null
     */
    public ChatSession(Transformer model, Tokenizer tokenizer, ModelChatTemplate chat, int[] generationEos, String system) {
        this.generator = new Generator(model, tokenizer).stopAt(EndOfTurn.ids(tokenizer, chat, generationEos));
        this.tokenizer = tokenizer;
        this.chat = chat;
        this.system = system;
        this.endStrings = EndOfTurn.stopStrings(tokenizer, chat);
    }

    /** The prompt a reply to {@code user} starts from: the conversation so far plus the user's message, with the generation prompt. */
    public String prompt(String user) {
        return chat.template().render(messages(user), true);
    }

    /** Streams the model's answer to {@code user} to {@code onText} and adds both messages to the history. */
    public Generation reply(String user, SamplingSettings settings, Consumer<String> onText) {
        int[] ids = ChatEncoding.encode(tokenizer, prompt(user));
        List<String> stops = new ArrayList<>(settings.stop());
        for (String s : endStrings) if (!stops.contains(s)) stops.add(s);
        Generation g = generator.generate(ids, settings.withStop(stops), onText);
        history.add(message("user", user));
        history.add(message("assistant", g.text()));
        return g;
    }

    /** Forgets the conversation (the system prompt stays). */
    public void reset() {
        history.clear();
    }

    /** The messages so far (user and assistant turns, without the system prompt). */
    public List<Map<String, Object>> history() {
        return List.copyOf(history);
    }

    public ModelChatTemplate template() {
        return chat;
    }

    private List<Map<String, Object>> messages(String user) {
        List<Map<String, Object>> m = new ArrayList<>();
        if (system != null) m.add(message("system", system));
        m.addAll(history);
        m.add(message("user", user));
        return m;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
