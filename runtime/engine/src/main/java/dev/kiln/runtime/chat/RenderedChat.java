package dev.kiln.runtime.chat;

import java.util.List;

/**
 * A rendered conversation: its text and, when the template marks them with
 * {@code {% generation %}} blocks, the [start, end) character ranges of the text the model
 * generates (transformers' assistant mask), in order.
 */
public record RenderedChat(String text, List<int[]> generationSpans) {
    public RenderedChat {
        generationSpans = List.copyOf(generationSpans);
    }
}
