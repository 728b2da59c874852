package dev.kiln.api.reward;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a reward function may use when it is created: the policy's tokenizer, the backend, and a
 * loader for saved models (a reward model directory written by the {@code reward} signal, or any
 * model directory Kiln reads), so a reward plugin needs nothing from the runtime.
 */
public interface RewardContext {

    /** The policy's tokenizer (the completions' ids are in its vocabulary). */
    Tokenizer tokenizer();

    Backend backend();

    /** Resolves a path from the config (relative paths against the config file's folder). */
    Path resolve(String path);

    /**
     * Loads a model directory in evaluation mode, every parameter frozen: the backbone, the
     * tokenizer saved beside it, and the heads saved with it (by name without the {@code heads.}
     * prefix, e.g. {@code reward.score.weight}). Errors name the directory and what is missing.
     */
    SavedModel loadModel(Path dir) throws IOException;

    /** A loaded model: backbone, its own tokenizer, its saved heads and its config.json values. */
    record SavedModel(Transformer model, Tokenizer tokenizer, Map<String, Tensor> heads, Map<String, Object> config) {}
}
