package dev.kiln.runtime.guice;

import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.reward.RewardFunctionFactory;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.TreeSet;

/**
 * The plugin factories the injector knows (discovered and user-bound), looked up by the name a
 * config uses. An unknown name fails as Druid's {@code PolyBind} does:
 * {@code unknown objective 'x' (known: clm, mlm)}. Inject it into the trainer / CLI.
 */
public final class KilnPlugins {
    private final Map<String, ObjectiveFactory> objectives;
    private final Map<String, FineTunerFactory> fineTuners;
    private final Map<String, BackendProvider> backends;
    private final Map<String, RewardFunctionFactory> rewards;

    @Inject
    public KilnPlugins(Map<String, ObjectiveFactory> objectives, Map<String, FineTunerFactory> fineTuners,
                       Map<String, BackendProvider> backends, Map<String, RewardFunctionFactory> rewards) {
        this.objectives = objectives;
        this.fineTuners = fineTuners;
        this.backends = backends;
        this.rewards = rewards;
    }

    public ObjectiveFactory objective(String name) {
        return lookup(objectives, "objective", name);
    }

    public FineTunerFactory fineTuner(String name) {
        return lookup(fineTuners, "fine-tuner", name);
    }

    public BackendProvider backendProvider(String name) {
        return lookup(backends, "backend", name);
    }

    public RewardFunctionFactory reward(String name) {
        return lookup(rewards, "reward function", name);
    }

    public Map<String, RewardFunctionFactory> rewards() { return rewards; }

    public Map<String, ObjectiveFactory> objectives() { return objectives; }

    public Map<String, FineTunerFactory> fineTuners() { return fineTuners; }

    public Map<String, BackendProvider> backends() { return backends; }

    /** {@code byName.get(name)}, or an error naming the known keys. */
    public static <T> T lookup(Map<String, T> byName, String what, String name) {
        T found = name == null ? null : byName.get(name);
        if (found == null) {
            String known = byName.isEmpty() ? "none" : String.join(", ", new TreeSet<>(byName.keySet()));
            throw new IllegalArgumentException("unknown " + what + " '" + name + "' (known: " + known + ")");
        }
        return found;
    }
}
