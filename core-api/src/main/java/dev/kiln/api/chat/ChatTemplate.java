package dev.kiln.api.chat;

import java.util.List;
import java.util.Map;

/**
 * A model's own chat template (transformers' {@code chat_template}), as the runtime renders it,
 * handed to objectives through {@link dev.kiln.api.objective.ObjectiveContext#chatTemplate()} so
 * that fine-tuning formats conversations exactly as the model will see them at inference.
 *
 * <p>Messages are maps with at least {@code role} and {@code content}; other keys
 * ({@code tool_calls} ...) reach the template as they are.
 */
public interface ChatTemplate {
    /** Where the template came from (file and key), for messages. */
    String origin();

    /**
     * The conversation's text, as {@code apply_chat_template(messages, tokenize=False,
     * add_generation_prompt=...)} gives it.
     *
     * @throws IllegalArgumentException when the template rejects the conversation (its
     *                                  {@code raise_exception} message) or cannot be rendered
     */
    String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt);

    /**
     * The [start, end) character ranges of {@link #render}'s text (same arguments) that the model
     * generates, when the template marks them with {@code {% generation %}} blocks (transformers'
     * {@code return_assistant_tokens_mask}); null when it has no such blocks.
     */
    List<int[]> generationSpans(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt);
}
