package dev.kiln.api.objective;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.reward.RewardFunctions;
import dev.kiln.api.tokenizer.Tokenizer;

/**
 * What an objective may use when it is created: the tokenizer, the backend for its heads, the
 * backbone's shape, a seed, the model's own chat template when fine-tuning a model that has
 * one (null otherwise), the reward functions an online-RL signal may create (never null;
 * {@link RewardFunctions#NONE} where there are none), and a loader of other model directories
 * (PPO's value model; {@link SavedModels#NONE} where there is none).
 */
public record ObjectiveContext(Tokenizer tokenizer, Backend backend, TransformerConfig model, long seed, ChatTemplate chatTemplate,
                               RewardFunctions rewards, SavedModels models) {

    public ObjectiveContext {
        if (rewards == null) rewards = RewardFunctions.NONE;
        if (models == null) models = SavedModels.NONE;
    }

    /** Without a model loader (as before there was one). */
    public ObjectiveContext(Tokenizer tokenizer, Backend backend, TransformerConfig model, long seed, ChatTemplate chatTemplate,
                            RewardFunctions rewards) {
        this(tokenizer, backend, model, seed, chatTemplate, rewards, SavedModels.NONE);
    }

    /** Without reward functions (as before there were any). */
    public ObjectiveContext(Tokenizer tokenizer, Backend backend, TransformerConfig model, long seed, ChatTemplate chatTemplate) {
        this(tokenizer, backend, model, seed, chatTemplate, RewardFunctions.NONE, SavedModels.NONE);
    }

    /** Without a chat template (as before there was one). */
    public ObjectiveContext(Tokenizer tokenizer, Backend backend, TransformerConfig model, long seed) {
        this(tokenizer, backend, model, seed, null);
    }
}
