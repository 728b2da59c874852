package dev.kiln.runtime.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * {@code {% generation %}...{% endgeneration %}}, transformers' AssistantTracker: the body renders
 * as it is, and its text is what the model generates (the assistant tokens that
 * {@code return_assistant_tokens_mask} marks). The body is wrapped in two private-use characters
 * that {@link JinjaEngine} removes again, recording the spans.
 */
final class GenerationTag implements Tag {
    static final char START = '\uE000', END = '\uE001';

    @Override
    public String getName() { return "generation"; }

    @Override
    public String getEndTagName() { return "endgeneration"; }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        StringBuilder b = new StringBuilder().append(START);
        for (Node child : tagNode.getChildren()) b.append(child.render(interpreter).getValue());
        return b.append(END).toString();
    }
}
