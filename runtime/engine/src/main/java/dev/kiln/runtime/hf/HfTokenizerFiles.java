package dev.kiln.runtime.hf;

import dev.kiln.api.io.Json;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The tokenizer files of an exported model: {@code tokenizer.json} (Hugging Face's layout for BPE
 * and WordPiece; the byte tokenizer keeps Kiln's own, which transformers cannot read),
 * {@code tokenizer_config.json} (the special tokens, {@code model_max_length}) and
 * {@code special_tokens_map.json}. Kiln's special tokens take transformers' roles:
 * {@code <|endoftext|>} is bos / eos (and unk without an [UNK]), [CLS] cls, [SEP] sep, [PAD] pad,
 * [MASK] mask, [UNK] unk.
 */
final class HfTokenizerFiles {
    static final String CONFIG = "tokenizer_config.json", SPECIAL_TOKENS = "special_tokens_map.json";

    private HfTokenizerFiles() {}

    static void write(Tokenizer tokenizer, Path dir, int maxSeq) throws IOException {
        TokenizerSpec.standard().save(tokenizer, dir);
        Map<String, String> roles = roles(tokenizer);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.putAll(roles);
        config.put("model_max_length", maxSeq);
        config.put("clean_up_tokenization_spaces", false);
        Files.writeString(dir.resolve(CONFIG), Json.pretty(config) + "\n");
        Files.writeString(dir.resolve(SPECIAL_TOKENS), Json.pretty(roles) + "\n");
    }

    /** transformers' special-token roles (bos_token, ...) → the token's text. */
    static Map<String, String> roles(Tokenizer t) {
        Map<String, String> m = new LinkedHashMap<>();
        if (has(t, Tokenizer.EOS)) {
            m.put("bos_token", Tokenizer.EOS);
            m.put("eos_token", Tokenizer.EOS);
        }
        if (has(t, Tokenizer.UNK)) m.put("unk_token", Tokenizer.UNK);
        else if (has(t, Tokenizer.EOS)) m.put("unk_token", Tokenizer.EOS);
        if (has(t, Tokenizer.SEP)) m.put("sep_token", Tokenizer.SEP);
        if (has(t, Tokenizer.PAD)) m.put("pad_token", Tokenizer.PAD);
        if (has(t, Tokenizer.CLS)) m.put("cls_token", Tokenizer.CLS);
        if (has(t, Tokenizer.MASK)) m.put("mask_token", Tokenizer.MASK);
        return m;
    }

    /** generation_config.json for a causal LM: bos / eos / pad ids the tokenizer has. */
    static Map<String, Object> generationConfig(Tokenizer t) {
        Map<String, Object> m = new LinkedHashMap<>();
        OptionalInt eos = t.special(Tokenizer.EOS), pad = t.special(Tokenizer.PAD);
        if (eos.isPresent()) {
            m.put("bos_token_id", eos.getAsInt());
            m.put("eos_token_id", eos.getAsInt());
        }
        if (pad.isPresent()) m.put("pad_token_id", pad.getAsInt());
        return m;
    }

    private static boolean has(Tokenizer t, String token) {
        return t.special(token).isPresent();
    }
}
