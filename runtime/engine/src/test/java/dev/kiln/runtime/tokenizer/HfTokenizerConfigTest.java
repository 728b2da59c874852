package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** tokenizer_config.json: roles, flags, and Kiln's special-token names mapped onto the file's tokens. */
class HfTokenizerConfigTest {
    static final String LLAMA3_LIKE = """
            {"added_tokens": [{"id": 3, "content": "<|begin_of_text|>", "special": true},
                              {"id": 4, "content": "<|end_of_text|>", "special": true},
                              {"id": 5, "content": "<|eot_id|>", "special": true}],
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false},
             "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}
            """;

    @Test
    void rolesFlagsAndLength() {
        HfTokenizerConfig c = HfTokenizerConfig.read(HfFixtures.json("""
                {"bos_token": "<|begin_of_text|>", "eos_token": {"content": "<|eot_id|>", "special": true},
                 "add_bos_token": true, "model_max_length": 1e30}"""), "tokenizer_config.json");
        assertEquals("<|eot_id|>", c.role("eos_token"));
        assertEquals("<|begin_of_text|>", c.role("bos_token"));
        assertEquals(Boolean.TRUE, c.addBosToken());
        assertNull(c.addEosToken());
        assertTrue(c.modelMaxLength().isEmpty(), "transformers' 'no limit' is no limit");
        assertEquals(512, HfTokenizerConfig.read(HfFixtures.json("{\"model_max_length\": 512}"), "f").modelMaxLength().getAsInt());
    }

    @Test
    void kilnNamesFollowTheConfigElseWellKnownTokens() {
        HfTokenizer plain = HfFixtures.tokenizer(LLAMA3_LIKE);
        assertEquals(4, plain.requireSpecial(Tokenizer.EOS), "<|end_of_text|> stands for Kiln's EOS without a config");
        HfTokenizer chat = HfFixtures.tokenizer(LLAMA3_LIKE, "{\"eos_token\": \"<|eot_id|>\", \"pad_token\": \"<|end_of_text|>\"}");
        assertEquals(5, chat.requireSpecial(Tokenizer.EOS));
        assertEquals(4, chat.requireSpecial(Tokenizer.PAD));
        assertTrue(chat.isSpecial(5) && chat.isSpecial(3) && !chat.isSpecial(2));
        assertEquals(Map.of("<|begin_of_text|>", 3, "<|end_of_text|>", 4, "<|eot_id|>", 5, Tokenizer.EOS, 5, Tokenizer.PAD, 4),
                chat.specialTokens());
        assertArrayEquals(new int[] {3, 2, 5}, chat.encode("<|begin_of_text|>ab<|eot_id|>", false));
        assertEquals("<|begin_of_text|>ab<|eot_id|>", chat.decode(new int[] {3, 2, 5}));
        assertEquals("ab", chat.decode(new int[] {3, 2, 5}, true));
    }

    @Test
    void readBesideTheTokenizerAndSavedUnchanged(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), LLAMA3_LIKE);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|eot_id|>\", \"add_eos_token\": false}");
        Tokenizer t = TokenizerFiles.load(dir);
        assertInstanceOf(HfTokenizer.class, t);
        assertEquals(5, t.requireSpecial(Tokenizer.EOS));
        assertEquals(Boolean.FALSE, ((HfTokenizer) t).config().addEosToken());
        assertEquals("bpe", t.name());
        Path out = dir.resolve("out");
        TokenizerSpec.standard().save(t, out);
        assertEquals(HfFixtures.json(LLAMA3_LIKE), HfFixtures.json(Files.readString(out.resolve("tokenizer.json"))));
        assertEquals(5, TokenizerSpec.standard().load(out).requireSpecial(Tokenizer.EOS), "the roles are saved beside it");
        assertEquals(TokenizerSpec.standard().fingerprint(t), TokenizerSpec.standard().fingerprint(TokenizerSpec.standard().load(out)));
    }
}
