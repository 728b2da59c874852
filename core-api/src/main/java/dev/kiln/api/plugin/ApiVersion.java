package dev.kiln.api.plugin;

/**
 * The version of the Kiln plugin API. {@link #CURRENT} is a compile-time constant, so a plugin
 * that returns it from {@link KilnPlugin#apiVersion()} records the version it was built against.
 * Compatible: same major, plugin minor no newer than the host's. 1.2 added
 * {@link dev.kiln.api.chat.ChatTemplate} and {@link dev.kiln.api.objective.ObjectiveContext#chatTemplate()};
 * 1.3 {@link dev.kiln.api.objective.BatchSpec#groupByLength()} and {@link dev.kiln.api.objective.LengthGroupedOrder};
 * 1.4 the backend's statistics paths ({@link dev.kiln.api.backend.Backend#attentionWithStats},
 * {@link dev.kiln.api.backend.Backend#crossEntropyWithStats}), {@link dev.kiln.api.quant.FrozenWeight},
 * {@link dev.kiln.api.quant.Bf16Weight}, {@link dev.kiln.api.nn.FrozenWeights} and {@link dev.kiln.api.nn.Linear#storeBf16()};
 * 1.5 the completion / preference rows and log-probabilities of {@code dev.kiln.api.completion}, the
 * reference policy ({@link dev.kiln.api.objective.ReferencePolicy}) and {@code Transformer.disableAdapters()}.
 * 1.6 reward-function plugins ({@code dev.kiln.api.reward}, {@link PluginKind#REWARD}),
 * {@code ObjectiveContext.rewards()} and {@code RewardFunctions.of}; the in-training sampler
 * ({@code dev.kiln.api.sampling}: the token sampler, moved from the runtime, and the batched KV-cached
 * {@code PolicySampler}); the online-RL pieces of {@code dev.kiln.api.rl}; {@code FineTuner.ofSignal};
 * {@link dev.kiln.api.objective.ModelChecks}; {@code Transformer.setDropout}.
 * 1.7 {@link dev.kiln.api.tensor.PaddedRows}; the Transformer constructor's per-block hook.
 * 1.8 {@code FineTuner.baseBlockHook} (a method's say over each base block as it loads);
 * {@link dev.kiln.api.quant.LowRankMergedWeight} and {@code Linear.mergeLowRank} / {@code unmergeLowRank};
 * {@code TensorData.lazyF32}.
 * 1.9 memory reuse: {@code Backend.release} / {@code poolStats} / {@code allocateUninitialized} and {@link dev.kiln.api.backend.StoragePool}
 * (a released storage is refused afterwards); the tape releases what backward consumed
 * ({@code Tensor.savedForBackward}, {@code releaseStorage}, {@link dev.kiln.api.tensor.ScratchScope}).
 * 1.10 {@code Backend.linearBackward} (a linear layer's two gradients in one call) and {@code Backend.weightsFixed}
 * (weights only read while a scope is open, as while a policy samples).
 * 1.11 {@code Backend.linearBackward} with the bias's gradient in the same call.
 */
public record ApiVersion(int major, int minor) {
    public static final String CURRENT = "1.11";

    public static ApiVersion parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("\\.");
        try {
            if (parts.length == 2) return new ApiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("bad API version '" + text + "': expected MAJOR.MINOR, e.g. " + CURRENT);
    }

    public static ApiVersion current() {
        return parse(CURRENT);
    }

    /** Can a host of this version run a plugin built against {@code plugin}? */
    public boolean canHost(ApiVersion plugin) {
        return plugin.major == major && plugin.minor <= minor;
    }

    @Override
    public String toString() {
        return major + "." + minor;
    }
}
