package dev.kiln.samples.guice;

import dev.kiln.api.config.Config;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.ApiVersion;

import java.util.LinkedHashMap;
import java.util.Map;

/** An existing objective registered under a new name with different default keys (user keys still win). */
public final class PresetObjective implements ObjectiveFactory {
    private final String name;
    private final ObjectiveFactory delegate;
    private final Map<String, Object> defaults;

    public PresetObjective(String name, ObjectiveFactory delegate, Map<String, Object> defaults) {
        this.name = name;
        this.delegate = delegate;
        this.defaults = Map.copyOf(defaults);
    }

    @Override
    public String name() { return name; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return delegate.name() + " with defaults " + defaults; }

    @Override
    public Objective create(Config config, ObjectiveContext context) {
        Map<String, Object> merged = new LinkedHashMap<>(defaults);
        merged.putAll(config.raw());
        for (String key : config.raw().keySet()) config.has(key);   // the delegate checks them strictly
        return delegate.create(new Config(config.section(), merged), context);
    }
}
