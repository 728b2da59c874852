package dev.kiln.runtime.chat;

/**
 * A chat template could not be read or rendered. The message names the template's origin (the
 * file and key it came from). {@link #raisedMessage()} is the template's own message when it
 * called {@code raise_exception(message)} (e.g. "Conversation roles must alternate
 * user/assistant/user/assistant/..."), null for other errors.
 */
public final class ChatTemplateException extends IllegalArgumentException {
    private final String raisedMessage;

    ChatTemplateException(String message, String raisedMessage) {
        super(message);
        this.raisedMessage = raisedMessage;
    }

    ChatTemplateException(String message) {
        this(message, null);
    }

    /** The template's {@code raise_exception} message, or null. */
    public String raisedMessage() {
        return raisedMessage;
    }
}
