package dev.kiln.cli;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.model.ModelStore;
import dev.kiln.runtime.tokenizer.TokenizerSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A saved model directory (config.json, model.safetensors, tokenizer.json) loaded for inference. */
record ModelFiles(Path dir, Transformer model, Tokenizer tokenizer) {

    static ModelFiles load(Path dir, Backend backend) throws IOException {
        if (!Files.isDirectory(dir))
            throw new IOException(dir + ": not a directory (expected a Kiln model directory with "
                    + ModelStore.CONFIG + ", " + ModelStore.WEIGHTS + " and " + ModelStore.TOKENIZER + ")");
        ModelStore.Loaded loaded = ModelStore.load(dir, backend);
        Tokenizer tokenizer = TokenizerSpec.standard().load(dir);
        if (tokenizer.vocabSize() > loaded.model().config().vocab())
            throw new IOException(dir + ": the tokenizer has " + tokenizer.vocabSize() + " ids but the model's vocab is "
                    + loaded.model().config().vocab());
        return new ModelFiles(dir, loaded.model(), tokenizer);
    }
}
