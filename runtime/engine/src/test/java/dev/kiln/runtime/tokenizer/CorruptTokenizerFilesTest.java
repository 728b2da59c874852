package dev.kiln.runtime.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Broken tokenizer files: each gives an error naming the file and the key or line at fault. */
class CorruptTokenizerFilesTest {
    @TempDir
    Path dir;

    static final String SMALL_JSON = read(Fixtures.resource("small-bpe/tokenizer.json"));
    static final String BERT_JSON = """
            {"added_tokens": [{"id": 0, "content": "[UNK]", "special": true}],
             "normalizer": {"type": "BertNormalizer", "lowercase": true},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "kiln": 1}}}
            """;

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code content} as {@code name}, loads it, and checks the error names the file and each fragment. */
    private Exception fails(String name, String content, String... fragments) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        Exception e = assertThrows(Exception.class, () -> TokenizerFiles.load(f));
        assertTrue(e instanceof IOException || e instanceof IllegalArgumentException, e.toString());
        assertTrue(e.getMessage().contains(f.toString()), () -> "names the file: " + e.getMessage());
        for (String frag : fragments) assertTrue(e.getMessage().contains(frag), () -> "mentions '" + frag + "': " + e.getMessage());
        return e;
    }

    private static String bpe(String from, String to) {
        assertTrue(SMALL_JSON.contains(from), from);
        return SMALL_JSON.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
    }

    @Test
    void malformedJson() throws IOException {
        fails("tokenizer.json", SMALL_JSON.substring(0, 2000), "not a valid JSON object", "line ");
        fails("tokenizer.json", "", "JSON");
        fails("tokenizer.json", "[1, 2]", "expected a JSON object");
        fails("tokenizer.json", bpe("\"Ġt\": ", "\"he\": 1, \"Ġt\": "), "duplicate key \"he\"", "line ");
    }

    @Test
    void missingOrUnknownModel() throws IOException {
        fails("tokenizer.json", "{\"version\": \"1.0\"}", "'model'", "'type'");
        fails("tokenizer.json", bpe("\"type\": \"BPE\"", "\"type\": \"Foo\""), "model.type", "model type 'Foo' is not supported",
                "BPE, WordPiece, Unigram, WordLevel");
        fails("tokenizer.json", "{\"model\": {\"vocab\": {\"a\": 0}}}", "model.type", "cannot be inferred");
        fails("tokenizer.json", "{\"model\": 3}", "'model'", "expected an object");
        fails("tokenizer.json", "{\"type\": \"unigram\"}", "unknown tokenizer type 'unigram'");
    }

    @Test
    void badVocabulary() throws IOException {
        fails("tokenizer.json", bpe("\"Ġt\": 263", "\"Ġt\": \"x\""), "model.vocab[\"Ġt\"]", "expected an integer");
        fails("tokenizer.json", bpe("\"Ġt\": 263", "\"Ġt\": 261"), "model.vocab", "id 261", "Ġt");
        fails("tokenizer.json", bpe("\"Ġt\": 263", "\"Ġt\": -4"), "model.vocab[\"Ġt\"]", "negative");
        fails("tokenizer.json", bpe("\"unk_token\": null", "\"unk_token\": \"<unk>\""), "model.unk_token", "<unk>");
    }

    @Test
    void mergesReferencingUnknownTokens() throws IOException {
        fails("tokenizer.json", bpe("\"Ġ t\"", "\"Ġ zz\""), "model.merges[1]", "'zz' is not in the vocabulary");
        fails("tokenizer.json", bpe("\"Ġ t\"", "\"Ġ !\""), "model.merges[1]", "merged token 'Ġ!'");
        fails("tokenizer.json", bpe("\"Ġ t\"", "\"Ġt\""), "model.merges[1]", "\"left right\"");
        fails("tokenizer.json", bpe("\"Ġ t\"", "7"), "model.merges[1]", "a number");
        fails("tokenizer.json", bpe("\"merges\": [", "\"merges\": {}, \"x\": ["), "model.merges", "expected a list");
    }

    @Test
    void badAddedTokensAndPipeline() throws IOException {
        fails("tokenizer.json", bpe("\"id\": 0,", ""), "added_tokens[0].id", "missing");
        fails("tokenizer.json", bpe("\"id\": 1,", "\"id\": 7,"), "added_tokens", "id 7", "[PAD]");
        fails("tokenizer.json", bpe("\"content\": \"[PAD]\"", "\"content\": \"<|endoftext|>\""), "added_tokens[1].content", "repeats");
        fails("tokenizer.json", bpe("\"pre_tokenizer\": {\n    \"type\": \"ByteLevel\"", "\"pre_tokenizer\": {\n    \"type\": \"Foo\""),
                "pre_tokenizer.type", "pre_tokenizer type 'Foo' is not supported", "Metaspace");
        fails("tokenizer.json", bpe("\"normalizer\": null", "\"normalizer\": {\"type\": \"Nmt\"}"), "normalizer.type", "'Nmt'", "BertNormalizer");
        fails("tokenizer.json", bpe("\"decoder\": {\n    \"type\": \"ByteLevel\"", "\"decoder\": {\n    \"type\": \"CTC\""),
                "decoder.type", "decoder type 'CTC' is not supported");
        fails("tokenizer.json", bpe("\"dropout\": null", "\"dropout\": 0.1"), "model.dropout");
    }

    @Test
    void gpt2Files() throws IOException {
        Path enc = dir.resolve("encoder.json");
        Files.copy(Fixtures.resource("small-bpe/encoder.json"), enc);
        String merges = read(Fixtures.resource("small-bpe/vocab.bpe"));
        fails("vocab.bpe", merges.replace("Ġ t\n", "Ġ t x\n"), "line 3", "two tokens");
        fails("vocab.bpe", merges.replace("Ġ t\n", "Ġ zz\n"), "line 3", "'zz' is not in the vocabulary");
        Files.writeString(dir.resolve("vocab.bpe"), merges);
        Files.writeString(enc, "[\"a\"]");
        Exception e = assertThrows(Exception.class, () -> TokenizerFiles.load(dir.resolve("vocab.bpe")));
        assertTrue(e.getMessage().contains(enc.toString()) && e.getMessage().contains("expected a JSON object"), e.getMessage());
        Files.delete(enc);
        IOException missing = assertThrows(IOException.class, () -> TokenizerFiles.load(dir.resolve("vocab.bpe")));
        assertTrue(missing.getMessage().contains("encoder.json"), missing.getMessage());
    }

    @Test
    void vocabTxt() throws IOException {
        fails("vocab.txt", "[UNK]\nthe\nkiln\nthe\n", "line 4", "'the'", "line 2");
        fails("vocab.txt", "[UNK]\nthe\n\nkiln\n", "line 3", "empty token");
        fails("vocab.txt", "the\nkiln\n", "[UNK]", "read as a WordPiece vocab.txt");
        fails("corpus.txt", "Once upon a time\n\nthere was a kiln\n", "line 2", "empty token", "read as a WordPiece vocab.txt");
        fails("vocab.txt", "", "empty");
        Path f = dir.resolve("vocab.txt");
        Files.write(f, new byte[] {'[', 'U', 'N', 'K', ']', '\n', (byte) 0xC3, '\n'});
        IOException bad = assertThrows(IOException.class, () -> TokenizerFiles.load(f));
        assertTrue(bad.getMessage().contains(f.toString()) && bad.getMessage().contains("UTF-8"), bad.getMessage());
    }

    @Test
    void wordPieceJson() throws IOException {
        fails("tokenizer.json", BERT_JSON.replace("\"unk_token\": \"[UNK]\"", "\"unk_token\": \"<unk>\""), "model.unk_token", "<unk>");
        fails("tokenizer.json", BERT_JSON.replace("BertPreTokenizer", "UnicodeScripts"), "pre_tokenizer.type", "UnicodeScripts");
        fails("tokenizer.json", BERT_JSON.replace("\"kiln\": 1", "\"kiln\": 0"), "model.vocab", "id 0");
        fails("tokenizer.json", BERT_JSON.replace("\"vocab\": {", "\"max_input_chars_per_word\": 0, \"vocab\": {"), "max_input_chars_per_word");
        assertNotNull(TokenizerFiles.load(write("ok.json", BERT_JSON)));
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
