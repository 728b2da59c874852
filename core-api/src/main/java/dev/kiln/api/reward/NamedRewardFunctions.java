package dev.kiln.api.reward;

import dev.kiln.api.config.Config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@link RewardFunctions} over factories by name ({@link RewardFunctions#of}): a section's
 * {@code name} picks the factory, which is created from the section's other keys ({@code name} and
 * {@code weight} taken out) with one shared {@link RewardContext}.
 */
final class NamedRewardFunctions implements RewardFunctions {
    private final Map<String, ? extends RewardFunctionFactory> factories;
    private final RewardContext context;

    NamedRewardFunctions(Map<String, ? extends RewardFunctionFactory> factories, RewardContext context) {
        this.factories = Map.copyOf(factories);
        this.context = context;
    }

    @Override
    public RewardFunction create(Config section) {
        Object name = section.raw().get("name");
        section.has("name");
        section.has("weight");
        if (!(name instanceof String n) || n.isBlank())
            throw section.error("name", "is required: the reward function to use (known: " + knownText() + ")");
        RewardFunctionFactory factory = factories.get(n);
        if (factory == null) throw section.error("name", "names unknown reward function '" + n + "' (known: " + knownText() + ")");
        Map<String, Object> options = new LinkedHashMap<>(section.raw());
        options.remove("name");
        options.remove("weight");
        return factory.create(new Config(section.section(), options), context);
    }

    @Override
    public List<String> known() { return List.copyOf(new TreeSet<>(factories.keySet())); }

    private String knownText() {
        return factories.isEmpty() ? "none" : String.join(", ", known());
    }
}
