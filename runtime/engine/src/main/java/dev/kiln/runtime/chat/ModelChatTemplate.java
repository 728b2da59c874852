package dev.kiln.runtime.chat;

import dev.kiln.api.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The chat template to use with a model directory: its own Jinja template
 * ({@link ChatTemplateFiles}), else the role formats a Kiln {@code sft} run stored in its
 * config.json ({@code objectives.sft.chat_template}), else Kiln's built-in ChatML.
 *
 * @param template   the template
 * @param builtin    true when the model has no template of its own (ChatML was chosen)
 * @param endMarkers texts that end an assistant turn in this template when the tokenizer has no
 *                   special token for them (ChatML's {@code <|im_end|>}, an sft format's end
 *                   marker): generation stops at them as stop strings
 */
public record ModelChatTemplate(JinjaChatTemplate template, boolean builtin, java.util.List<String> endMarkers) {

    public static ModelChatTemplate forModel(Path dir) throws IOException {
        Map<String, Object> tokens = ChatTemplateFiles.specialTokens(dir);
        var own = ChatTemplateFiles.load(dir);
        if (own.isPresent()) return new ModelChatTemplate(own.get(), false, java.util.List.of());
        Path config = dir.resolve("config.json");
        if (Files.isRegularFile(config) && Json.read(config) instanceof Map<?, ?> c && c.get("objectives") instanceof Map<?, ?> objectives
                && objectives.get("sft") instanceof Map<?, ?> sft && sft.get("chat_template") instanceof Map<?, ?> formats) {
            String marker = BuiltinChatTemplates.endMarker(formats);
            return new ModelChatTemplate(BuiltinChatTemplates.fromRoleFormats(formats, config + ": objectives.sft.chat_template", tokens),
                    false, marker == null ? java.util.List.of() : java.util.List.of(marker));
        }
        return new ModelChatTemplate(BuiltinChatTemplates.chatml(tokens), true, java.util.List.of(BuiltinChatTemplates.IM_END));
    }

    /** Where the template came from, for the user. */
    public String describe() {
        return template.origin();
    }
}
