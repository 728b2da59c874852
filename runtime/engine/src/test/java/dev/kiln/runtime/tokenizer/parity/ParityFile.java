package dev.kiln.runtime.tokenizer.parity;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.tokenizer.TokenizerFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One real tokenizer of the parity suite: a model directory as a user points Kiln at it
 * ({@code TokenizerFiles.load(dir)}, the loader of Hugging Face model directories: tokenizer.json,
 * or GPT-2's encoder.json + vocab.bpe), and the tokenizer.json text the oracle reads from the same
 * files. {@code dir} is empty when the files are missing; {@code missing} then says how to get them.
 */
record ParityFile(String name, String what, Optional<Path> dir, String missing, boolean gpt2Pair) {

    /** The directory, or a skip (a failure under CI) naming how to get it. */
    Path requireDir() {
        ParityEnv.require(dir.isPresent(), name + ": " + missing);
        return dir.get();
    }

    /** Kiln's tokenizer, through the public loader; Kiln's refusal propagates as its exception. */
    Tokenizer loadKiln() throws IOException {
        return TokenizerFiles.load(requireDir());
    }

    /** The tokenizer.json text the oracle loads. */
    String oracleJson() throws IOException {
        Path d = requireDir();
        return gpt2Pair ? Gpt2TokenizerJson.build(d) : Files.readString(d.resolve("tokenizer.json"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return name;
    }
}
