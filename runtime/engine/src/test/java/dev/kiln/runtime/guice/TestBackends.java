package dev.kiln.runtime.guice;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;

import java.lang.reflect.Proxy;

/** Backend test doubles: a backend that only knows its name, and providers with a priority and availability. */
final class TestBackends {
    private TestBackends() {}

    /** A Backend whose name() works and every primitive throws: wiring tests never compute. */
    static Backend backend(String name) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name", "description", "toString" -> name;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "close" -> null;
                    default -> throw new UnsupportedOperationException("test backend '" + name + "': " + method.getName());
                });
    }

    static BackendProvider provider(String name, int priority, Availability availability) {
        return new BackendProvider() {
            @Override public String name() { return name; }
            @Override public String apiVersion() { return ApiVersion.CURRENT; }
            @Override public int priority() { return priority; }
            @Override public Availability availability() { return availability; }
            @Override public Backend create(Config config) {
                config.getInt("threads", 1);
                return backend(name);
            }
        };
    }
}
