package dev.kiln.runtime.pipeline;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.objective.SavedModels;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.reward.RewardFunctions;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pipeline's {@link RewardFunctions}: a signal's {@code rewards} entry is resolved by its
 * {@code name} among the discovered reward-function plugins ({@link RewardFunctions#of}), with a
 * {@link RewardContext} on the run's tokenizer and backend that resolves paths against the config
 * file's folder and loads model directories as {@code finetune.from} is loaded: evaluation mode,
 * every parameter frozen, heads by name without the {@code heads.} prefix; and the same loader for
 * an objective's second model ({@link #models}).
 */
public final class PipelineRewards {
    private PipelineRewards() {}

    public static RewardFunctions of(Map<String, RewardFunctionFactory> factories, Tokenizer tokenizer, Backend backend, Path configDir) {
        SavedModels models = models(backend, configDir);
        return RewardFunctions.of(factories, new RewardContext() {
            @Override public Tokenizer tokenizer() { return tokenizer; }

            @Override public Backend backend() { return backend; }

            @Override public Path resolve(String path) { return models.resolve(path); }

            @Override public SavedModel loadModel(Path dir) throws IOException { return models.load(dir); }
        });
    }

    /** The pipeline's {@link SavedModels} (PPO's value model): loaded as a reward function's model is. */
    public static SavedModels models(Backend backend, Path configDir) {
        return new SavedModels() {
            @Override public Path resolve(String path) { return configDir.resolve(path).normalize(); }

            @Override public RewardContext.SavedModel load(Path dir) throws IOException { return PipelineRewards.load(dir, backend); }
        };
    }

    /** A model directory (Kiln's or Hugging Face's) frozen, in evaluation mode; errors name the directory. */
    static RewardContext.SavedModel load(Path dir, Backend backend) throws IOException {
        ModelSource s = ModelSource.load(dir, backend);
        for (Tensor p : s.model().parameters()) p.requiresGrad(false);
        s.model().train(false);
        Map<String, Tensor> heads = new LinkedHashMap<>();
        for (Map.Entry<String, NamedTensor> e : s.heads().entrySet()) {
            Tensor t = Tensor.of(backend, e.getValue().data(), e.getValue().shape());
            t.requiresGrad(false);
            heads.put(e.getKey(), t);
        }
        return new RewardContext.SavedModel(s.model(), s.tokenizer(), Map.copyOf(heads), s.config());
    }
}
