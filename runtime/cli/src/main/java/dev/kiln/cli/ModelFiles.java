package dev.kiln.cli;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.hf.HfCheckpoints;
import dev.kiln.runtime.hf.HfModel;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerFiles;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * A saved model directory loaded for inference: Kiln's own (config.json with a {@code model}
 * section, model.safetensors, tokenizer.json) or a Hugging Face one (config.json naming
 * {@code architectures} / {@code model_type}, model.safetensors or a sharded index, and
 * tokenizer.json or vocab.json + merges.txt or vocab.txt). Loading a Hugging Face directory prints
 * transformers-style warnings (tensors not used, tensors newly initialized) to stderr, once.
 */
record ModelFiles(Path dir, Transformer model, Tokenizer tokenizer) {

    static ModelFiles load(Path dir, Backend backend, PrintWriter err) throws IOException {
        ModelStore.requireDirectory(dir);
        boolean hf = HfCheckpoints.isHfDirectory(dir);
        Transformer model;
        if (hf) {
            HfModel loaded = HfCheckpoints.load(dir, backend);
            loaded.warnings().forEach(err::println);
            err.flush();
            model = loaded.model();
        } else {
            model = ModelStore.load(dir, backend).model();
        }
        Tokenizer tokenizer = hf ? TokenizerFiles.load(dir) : TokenizerSpec.standard().load(dir);
        if (tokenizer.vocabSize() > model.config().vocab())
            throw new IOException(dir + ": the tokenizer has " + tokenizer.vocabSize() + " ids but the model's vocab is "
                    + model.config().vocab());
        return new ModelFiles(dir, model, tokenizer);
    }
}
