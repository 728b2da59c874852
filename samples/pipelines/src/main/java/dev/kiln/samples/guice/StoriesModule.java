package dev.kiln.samples.guice;

import com.google.inject.AbstractModule;
import dev.kiln.objective.clm.ClmObjectiveFactory;
import dev.kiln.runtime.guice.KilnBinders;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;

/**
 * A user's own Guice module: adds an objective under a new name and sends Kiln's meters to the
 * application's registry. Install it next to Kiln's modules with {@code Kiln.injector(options, new StoriesModule(registry))}.
 */
public final class StoriesModule extends AbstractModule {
    private final MeterRegistry registry;

    public StoriesModule(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    protected void configure() {
        KilnBinders.objectives(binder()).addBinding("clm-smoothed")
                .toInstance(new PresetObjective("clm-smoothed", new ClmObjectiveFactory(), Map.of("label_smoothing", 0.1)));
        KilnBinders.meterRegistry(binder()).setBinding().toInstance(registry);
    }
}
