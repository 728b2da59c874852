package dev.kiln.finetune.sft;

import dev.kiln.api.config.Config;

import java.util.List;

/**
 * The parsed {@code sft} config for {@code task: instruction} (keys and defaults in
 * {@link SftFineTunerFactory}). Exactly one of {@code template} (Kiln's role formats) and
 * {@code modelTemplate} (the model's own Jinja template) is set.
 */
record InstructionSettings(String promptField, String completionField, String messagesField, ChatTemplate template,
                           dev.kiln.api.chat.ChatTemplate modelTemplate,
                           boolean completionOnlyLoss, boolean assistantOnlyLoss, boolean addEos, boolean packing,
                           boolean shuffle) {
    /** The {@code chat_template} value that picks the model's own template (the default when it has one). */
    static final String MODEL = "model";

    /** The keys that only {@code task: instruction} reads. */
    static final List<String> KEYS = List.of("prompt_field", "completion_field", "messages_field", "chat_template",
            "completion_only_loss", "assistant_only_loss", "add_eos", "packing");

    /** Without a model template (Kiln's role formats only). */
    static InstructionSettings fromConfig(Config config, boolean shuffle) {
        return fromConfig(config, shuffle, null);
    }

    /**
     * @param modelTemplate the model's own chat template, or null: used when {@code chat_template} is
     *                      absent or {@code model}
     */
    static InstructionSettings fromConfig(Config config, boolean shuffle, dev.kiln.api.chat.ChatTemplate modelTemplate) {
        String prompt = config.getString("prompt_field", "prompt"), completion = config.getString("completion_field", "completion");
        String messages = config.getString("messages_field", "messages");
        config.has("chat_template");
        Object raw = config.raw().get("chat_template");
        boolean useModel = (raw == null && modelTemplate != null) || (raw instanceof String n && n.trim().equalsIgnoreCase(MODEL));
        if (useModel && modelTemplate == null)
            throw config.error("chat_template", "is '" + MODEL + "' but the model in finetune.from has no chat template"
                    + " (chat_template.jinja, or chat_template in tokenizer_config.json); use chatml or a map of role formats");
        ChatTemplate template = useModel ? null : ChatTemplate.parse(raw, config);
        boolean completionOnly = config.getBoolean("completion_only_loss", true);
        boolean assistantOnly = config.getBoolean("assistant_only_loss", true);
        boolean eos = config.getBoolean("add_eos", true), packing = config.getBoolean("packing", false);
        if (prompt.equals(completion)) throw config.error("completion_field", "must differ from prompt_field ('" + prompt + "')");
        if (messages.equals(prompt) || messages.equals(completion))
            throw config.error("messages_field", "must differ from prompt_field and completion_field ('" + messages + "')");
        return new InstructionSettings(prompt, completion, messages, template, useModel ? modelTemplate : null, completionOnly, assistantOnly,
                eos, packing, shuffle);
    }
}
