package dev.kiln.runtime.chat;

import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The token ids that end a chat turn: generation_config.json's {@code eos_token_id} (one or a
 * list), the template's {@code eos_token}, the tokenizer's {@code <|endoftext|>}, and the common
 * end-of-turn tokens when the tokenizer has them as special tokens ({@code <|eot_id|>},
 * {@code <|eom_id|>}, {@code <end_of_turn>}, {@code <|im_end|>}, {@code <|end|>},
 * {@code <|endoftext|>}, {@code </s>}). An end marker without a special token is a stop string
 * instead ({@link ModelChatTemplate#endMarkers()}).
 */
public final class EndOfTurn {
    public static final List<String> KNOWN = List.of("<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|im_end|>", "<|end|>",
            "<|endoftext|>", "</s>");

    private EndOfTurn() {}

    /** @param generationEos generation_config.json's eos ids, or null */
    public static int[] ids(Tokenizer tokenizer, ModelChatTemplate chat, int[] generationEos) {
        Set<Integer> ids = new LinkedHashSet<>();
        if (generationEos != null) for (int id : generationEos) ids.add(id);
        Map<String, Integer> specials = tokenizer.specialTokens();
        if (chat.template().specialTokens().get("eos_token") instanceof String eos && specials.containsKey(eos)) ids.add(specials.get(eos));
        for (String marker : chat.endMarkers()) if (specials.containsKey(marker)) ids.add(specials.get(marker));
        for (String known : KNOWN) if (specials.containsKey(known)) ids.add(specials.get(known));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The template's end markers that are not special tokens of this tokenizer: stop strings. */
    public static List<String> stopStrings(Tokenizer tokenizer, ModelChatTemplate chat) {
        List<String> out = new ArrayList<>();
        for (String marker : chat.endMarkers()) if (!tokenizer.specialTokens().containsKey(marker)) out.add(marker);
        return out;
    }
}
