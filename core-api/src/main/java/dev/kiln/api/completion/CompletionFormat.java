package dev.kiln.api.completion;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.config.Config;

import java.util.List;

/**
 * How completion rows become text pieces ({@link CompletionRows}): the field names, the chat
 * template, which parts train and whether text completions end with EOS. Exactly one of
 * {@code template} (Kiln's role formats, {@link RoleTemplate}) and {@code modelTemplate} (the
 * model's own Jinja template) is set.
 *
 * <p>Config keys (TRL's names where TRL has them): {@code prompt_field}, {@code completion_field},
 * {@code messages_field} (defaults {@code prompt}, {@code completion}, {@code messages});
 * {@code chat_template} ({@value #MODEL} when the model has its own template, else
 * {@code chatml}, or a map of role formats); {@code completion_only_loss} and
 * {@code assistant_only_loss} (default true); {@code add_eos} (default true).
 */
public record CompletionFormat(String promptField, String completionField, String messagesField, RoleTemplate template,
                               ChatTemplate modelTemplate, boolean completionOnlyLoss, boolean assistantOnlyLoss, boolean addEos) {
    /** The {@code chat_template} value that picks the model's own template (the default when it has one). */
    public static final String MODEL = "model";

    /** The keys {@link #fromConfig} reads. */
    public static final List<String> KEYS = List.of("prompt_field", "completion_field", "messages_field", "chat_template",
            "completion_only_loss", "assistant_only_loss", "add_eos");

    /** Prompt / completion / messages with Kiln's ChatML, completion- and assistant-only loss, EOS appended. */
    public static CompletionFormat defaults(ChatTemplate modelTemplate) {
        return fromConfig(Config.empty("format"), modelTemplate);
    }

    /**
     * Reads the {@link #KEYS} from {@code config} (the caller finishes it).
     *
     * @param modelTemplate the model's own chat template, or null: used when {@code chat_template} is
     *                      absent or {@value #MODEL}
     */
    public static CompletionFormat fromConfig(Config config, ChatTemplate modelTemplate) {
        String prompt = config.getString("prompt_field", "prompt"), completion = config.getString("completion_field", "completion");
        String messages = config.getString("messages_field", "messages");
        config.has("chat_template");
        Object raw = config.raw().get("chat_template");
        boolean useModel = (raw == null && modelTemplate != null) || (raw instanceof String n && n.trim().equalsIgnoreCase(MODEL));
        if (useModel && modelTemplate == null)
            throw config.error("chat_template", "is '" + MODEL + "' but the model in finetune.from has no chat template"
                    + " (chat_template.jinja, or chat_template in tokenizer_config.json); use chatml or a map of role formats");
        RoleTemplate template = useModel ? null : RoleTemplate.parse(raw, config);
        boolean completionOnly = config.getBoolean("completion_only_loss", true);
        boolean assistantOnly = config.getBoolean("assistant_only_loss", true);
        boolean eos = config.getBoolean("add_eos", true);
        if (prompt.equals(completion)) throw config.error("completion_field", "must differ from prompt_field ('" + prompt + "')");
        if (messages.equals(prompt) || messages.equals(completion))
            throw config.error("messages_field", "must differ from prompt_field and completion_field ('" + messages + "')");
        return new CompletionFormat(prompt, completion, messages, template, useModel ? modelTemplate : null, completionOnly, assistantOnly, eos);
    }

    /** The resolved {@code chat_template} as a config value ({@value #MODEL} or the role-format map). */
    public Object chatTemplateValue() {
        return modelTemplate != null ? MODEL : template.toMap();
    }
}
