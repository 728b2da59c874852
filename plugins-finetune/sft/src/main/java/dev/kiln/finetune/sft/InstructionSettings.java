package dev.kiln.finetune.sft;

import dev.kiln.api.completion.CompletionFormat;
import dev.kiln.api.completion.RoleTemplate;
import dev.kiln.api.config.Config;

import java.util.ArrayList;
import java.util.List;

/**
 * The parsed {@code sft} config for {@code task: instruction} (keys and defaults in
 * {@link SftFineTunerFactory}): how rows become pieces ({@link CompletionFormat}, shared with the
 * preference signals) plus sft's own {@code packing} and {@code shuffle}.
 */
record InstructionSettings(CompletionFormat format, boolean packing, boolean shuffle) {
    /** The {@code chat_template} value that picks the model's own template (the default when it has one). */
    static final String MODEL = CompletionFormat.MODEL;

    /** The keys that only {@code task: instruction} reads. */
    static final List<String> KEYS;

    static {
        List<String> keys = new ArrayList<>(CompletionFormat.KEYS);
        keys.add("packing");
        KEYS = List.copyOf(keys);
    }

    /** Without a model template (Kiln's role formats only). */
    static InstructionSettings fromConfig(Config config, boolean shuffle) {
        return fromConfig(config, shuffle, null);
    }

    /**
     * @param modelTemplate the model's own chat template, or null: used when {@code chat_template} is
     *                      absent or {@code model}
     */
    static InstructionSettings fromConfig(Config config, boolean shuffle, dev.kiln.api.chat.ChatTemplate modelTemplate) {
        CompletionFormat format = CompletionFormat.fromConfig(config, modelTemplate);
        return new InstructionSettings(format, config.getBoolean("packing", false), shuffle);
    }

    String promptField() { return format.promptField(); }

    String completionField() { return format.completionField(); }

    String messagesField() { return format.messagesField(); }

    RoleTemplate template() { return format.template(); }

    dev.kiln.api.chat.ChatTemplate modelTemplate() { return format.modelTemplate(); }

    boolean completionOnlyLoss() { return format.completionOnlyLoss(); }

    boolean assistantOnlyLoss() { return format.assistantOnlyLoss(); }
}
