package dev.kiln.finetune.sft;

import dev.kiln.api.config.Config;

import java.util.List;

/**
 * The parsed {@code sft} config for {@code task: instruction} (keys and defaults in
 * {@link SftFineTunerFactory}).
 */
record InstructionSettings(String promptField, String completionField, String messagesField, ChatTemplate template,
                           boolean completionOnlyLoss, boolean assistantOnlyLoss, boolean addEos, boolean packing,
                           boolean shuffle) {

    /** The keys that only {@code task: instruction} reads. */
    static final List<String> KEYS = List.of("prompt_field", "completion_field", "messages_field", "chat_template",
            "completion_only_loss", "assistant_only_loss", "add_eos", "packing");

    static InstructionSettings fromConfig(Config config, boolean shuffle) {
        String prompt = config.getString("prompt_field", "prompt"), completion = config.getString("completion_field", "completion");
        String messages = config.getString("messages_field", "messages");
        config.has("chat_template");
        ChatTemplate template = ChatTemplate.parse(config.raw().get("chat_template"), config);
        boolean completionOnly = config.getBoolean("completion_only_loss", true);
        boolean assistantOnly = config.getBoolean("assistant_only_loss", true);
        boolean eos = config.getBoolean("add_eos", true), packing = config.getBoolean("packing", false);
        if (prompt.equals(completion)) throw config.error("completion_field", "must differ from prompt_field ('" + prompt + "')");
        if (messages.equals(prompt) || messages.equals(completion))
            throw config.error("messages_field", "must differ from prompt_field and completion_field ('" + messages + "')");
        return new InstructionSettings(prompt, completion, messages, template, completionOnly, assistantOnly, eos, packing, shuffle);
    }
}
