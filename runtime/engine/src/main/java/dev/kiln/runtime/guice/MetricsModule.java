package dev.kiln.runtime.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Binds the {@link MeterRegistry} Kiln's meters are registered in: by default a fresh
 * {@link SimpleMeterRegistry} per injector, never {@code Metrics.globalRegistry} (HikariCP's
 * rule: a library takes the registry it is given). Override with
 * {@code KilnBinders.meterRegistry(binder()).setBinding().toInstance(yourRegistry)}.
 */
public final class MetricsModule extends AbstractModule {
    static final String DEFAULT = "kiln.metrics.default";

    @Override
    protected void configure() {
        KilnBinders.meterRegistry(binder()).setDefault().to(Key.get(MeterRegistry.class, Names.named(DEFAULT)));
    }

    @Provides
    @Singleton
    @Named(DEFAULT)
    MeterRegistry defaultRegistry() {
        return new SimpleMeterRegistry();
    }
}
