package dev.kiln.runtime.guice;

import com.google.inject.Binder;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.finetune.FineTunerFactory;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.plugin.KilnPlugin;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * One-line ways for a user's Guice module to extend Kiln, hiding the multibinder keys (Druid's
 * {@code DruidBinders}):
 *
 * <pre>{@code
 * KilnBinders.objectives(binder()).addBinding("myobj").toInstance(new MyObjectiveFactory());
 * KilnBinders.backend(binder()).setBinding().toInstance(myBackend);          // replaces the chosen backend
 * KilnBinders.meterRegistry(binder()).setBinding().toInstance(prometheus);   // replaces SimpleMeterRegistry
 * }</pre>
 *
 * Plugin maps are keyed by {@link KilnPlugin#name()}; a name added here that discovery also
 * found is this binding's when the module is passed to {@link Kiln#injector} (one line says so).
 */
public final class KilnBinders {
    private KilnBinders() {}

    public static MapBinder<String, ObjectiveFactory> objectives(Binder binder) {
        return plugins(binder, ObjectiveFactory.class);
    }

    public static MapBinder<String, FineTunerFactory> fineTuners(Binder binder) {
        return plugins(binder, FineTunerFactory.class);
    }

    public static MapBinder<String, BackendProvider> backends(Binder binder) {
        return plugins(binder, BackendProvider.class);
    }

    /** The name-keyed map of any plugin kind, e.g. {@code plugins(binder(), kind.service())}. */
    public static <T extends KilnPlugin> MapBinder<String, T> plugins(Binder binder, Class<T> service) {
        return MapBinder.newMapBinder(binder.skipSources(KilnBinders.class), String.class, service);
    }

    /** The backend everything computes on; {@code setBinding()} overrides the flag / env / default choice. */
    public static OptionalBinder<Backend> backend(Binder binder) {
        return OptionalBinder.newOptionalBinder(binder.skipSources(KilnBinders.class), Backend.class);
    }

    /** The meter registry Kiln's meters go to; by default a fresh SimpleMeterRegistry per injector. */
    public static OptionalBinder<MeterRegistry> meterRegistry(Binder binder) {
        return OptionalBinder.newOptionalBinder(binder.skipSources(KilnBinders.class), MeterRegistry.class);
    }
}
