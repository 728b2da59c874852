package dev.kiln.api.objective;

import dev.kiln.api.reward.RewardContext;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads a second model directory for an objective that trains beside the policy (PPO's value model,
 * which TRL initializes from the reward model), as reward functions load theirs: paths resolve
 * against the config file's folder, the model comes back frozen in evaluation mode with its
 * tokenizer and heads. Reached through {@link ObjectiveContext#models()}.
 */
public interface SavedModels {

    /** Resolves a path from the config (relative paths against the config file's folder). */
    Path resolve(String path);

    /** The model directory {@code dir}, every parameter frozen; errors name the directory and what is missing. */
    RewardContext.SavedModel load(Path dir) throws IOException;

    /** For contexts that load no models (tests, objectives built by hand): every load is refused. */
    SavedModels NONE = new SavedModels() {
        @Override
        public Path resolve(String path) { return Path.of(path); }

        @Override
        public RewardContext.SavedModel load(Path dir) {
            throw new IllegalStateException("no model loader here: " + dir + " cannot be loaded (the pipeline provides one)");
        }
    };
}
