package dev.kiln.runtime.hf;

import dev.kiln.api.io.Json;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.tokenizer.HfTokenizer;
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

    /**
     * transformers' special-token roles (bos_token, ...) → the token's text. A tokenizer read from
     * Hugging Face files keeps its tokenizer_config.json roles; the others are filled from Kiln's
     * special-token names, written as the text of the token each stands for.
     */
    static Map<String, String> roles(Tokenizer t) {
        Map<String, String> m = new LinkedHashMap<>();
        if (t instanceof HfTokenizer hf) m.putAll(hf.config().roles());
        if (has(t, Tokenizer.EOS)) {
            m.putIfAbsent("bos_token", text(t, Tokenizer.EOS));
            m.putIfAbsent("eos_token", text(t, Tokenizer.EOS));
        }
        if (has(t, Tokenizer.UNK)) m.putIfAbsent("unk_token", text(t, Tokenizer.UNK));
        else if (has(t, Tokenizer.EOS)) m.putIfAbsent("unk_token", text(t, Tokenizer.EOS));
        if (has(t, Tokenizer.SEP)) m.putIfAbsent("sep_token", text(t, Tokenizer.SEP));
        if (has(t, Tokenizer.PAD)) m.putIfAbsent("pad_token", text(t, Tokenizer.PAD));
        if (has(t, Tokenizer.CLS)) m.putIfAbsent("cls_token", text(t, Tokenizer.CLS));
        if (has(t, Tokenizer.MASK)) m.putIfAbsent("mask_token", text(t, Tokenizer.MASK));
        return m;
    }

    /** The text of the token a Kiln special-token name stands for (the name itself for Kiln's own tokenizers). */
    private static String text(Tokenizer t, String name) {
        if (t instanceof HfTokenizer hf) {
            String s = hf.tokenText(t.requireSpecial(name));
            if (s != null) return s;
        }
        return name;
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
