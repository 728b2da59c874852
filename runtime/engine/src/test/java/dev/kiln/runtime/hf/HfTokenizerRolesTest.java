package dev.kiln.runtime.hf;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The tokenizer_config.json roles of an exported Hugging Face tokenizer: its own, then Kiln's names as the tokens' text. */
class HfTokenizerRolesTest {
    static final String TOKENIZER = """
            {"added_tokens": [{"id": 3, "content": "<|begin_of_text|>", "special": true},
                              {"id": 4, "content": "<|end_of_text|>", "special": true}],
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false}, "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}
            """;

    @Test
    void configRolesAreKeptAndKilnNamesWrittenAsTheirTokens(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), TOKENIZER);
        Tokenizer guessed = TokenizerFiles.load(dir);
        assertEquals(Map.of("bos_token", "<|end_of_text|>", "eos_token", "<|end_of_text|>", "unk_token", "<|end_of_text|>"),
                HfTokenizerFiles.roles(guessed), "EOS stands for <|end_of_text|>, written as that token's text");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|begin_of_text|>\", \"eos_token\": \"<|end_of_text|>\"}");
        Tokenizer configured = TokenizerFiles.load(dir);
        assertEquals("<|begin_of_text|>", HfTokenizerFiles.roles(configured).get("bos_token"));
        assertEquals("<|end_of_text|>", HfTokenizerFiles.roles(configured).get("eos_token"));
        Path out = dir.resolve("export");
        HfTokenizerFiles.write(configured, out, 64);
        assertEquals("<|begin_of_text|>", HfFixtures.json(out.resolve(HfTokenizerFiles.CONFIG)).get("bos_token"));
        assertEquals(4, TokenizerSpec.standard().load(out).requireSpecial(Tokenizer.EOS));
    }
}
