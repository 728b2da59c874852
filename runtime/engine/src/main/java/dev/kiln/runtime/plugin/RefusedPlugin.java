package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;
import dev.kiln.api.plugin.KilnPlugin;

import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What stands in for a plugin name that two plugins of one kind share. Commands that never use
 * the name are not affected: it reports itself unavailable (so no default backend picks it), and
 * its queries ({@code peftTypes()} and the like) answer empty. Every other call, {@code create}
 * first, throws a {@link PluginException} naming both jars. A proxy of the SPI interface, so it
 * keeps up with methods the API adds.
 */
final class RefusedPlugin {
    private RefusedPlugin() {}

    /**
     * @param service the SPI interface, e.g. {@code ObjectiveFactory.class}
     * @param name    the shared name
     * @param reason  one sentence naming the plugins' sources
     */
    static <T extends KilnPlugin> T of(Class<T> service, String name, String reason) {
        Object proxy = Proxy.newProxyInstance(service.getClassLoader(), new Class<?>[] {service}, (self, method, args) -> {
            int arity = args == null ? 0 : args.length;
            switch (method.getName()) {
                case "name": if (arity == 0) return name; break;
                case "apiVersion": if (arity == 0) return ApiVersion.CURRENT; break;
                case "version": if (arity == 0) return "refused"; break;
                case "description": if (arity == 0) return reason; break;
                case "availability": if (arity == 0) return Availability.no(reason); break;
                case "priority": if (arity == 0) return Integer.MIN_VALUE; break;
                case "toString": if (arity == 0) return "refused plugin '" + name + "'"; break;
                case "hashCode": if (arity == 0) return System.identityHashCode(self); break;
                case "equals": if (arity == 1) return self == args[0]; break;
                default: break;
            }
            Class<?> type = method.getReturnType();
            if (arity == 0 && Set.class.isAssignableFrom(type)) return Set.of();
            if (arity == 0 && List.class.isAssignableFrom(type)) return List.of();
            if (arity == 0 && (Collection.class == type)) return List.of();
            if (arity == 0 && Map.class.isAssignableFrom(type)) return Map.of();
            throw new PluginException(reason, List.of());
        });
        return service.cast(proxy);
    }
}
