package dev.kiln.runtime.plugin;

import dev.kiln.api.plugin.Availability;
import dev.kiln.api.plugin.KilnPlugin;
import dev.kiln.api.plugin.PluginKind;

import java.util.function.Supplier;

/**
 * One plugin factory found by {@link PluginDiscovery}.
 *
 * @param kind         which SPI it implements
 * @param name         its {@link KilnPlugin#name()}: the key users select it by
 * @param version      its own version ({@link KilnPlugin#version()})
 * @param source       {@value PluginDiscovery#CLASSPATH} or the path of the jar it came from
 * @param apiVersion   the plugin API version it was built against
 * @param probe        whether it can run on this machine, and why not: asked once, when first needed
 *                     ({@code kiln plugins}), not at discovery, so finding an OpenCL backend does not
 *                     load OpenCL on every command
 * @param factory      the instance ServiceLoader created; its class loader is the plugin's own
 *                     {@link PluginClassLoader} when it came from the plugin directory
 * @param refusal      null, or why the name may not be used (another plugin of the kind has it)
 */
public record DiscoveredPlugin(PluginKind kind, String name, String version, String source,
                               String apiVersion, Supplier<Availability> probe, KilnPlugin factory, String refusal) {

    public DiscoveredPlugin(PluginKind kind, String name, String version, String source, String apiVersion,
                            Availability availability, KilnPlugin factory) {
        this(kind, name, version, source, apiVersion, () -> availability, factory, null);
    }

    /** Whether it can run on this machine, and why not (probed on the first call, then remembered). */
    public Availability availability() {
        return probe.get();
    }

    /** As discovered, its availability probed when first asked for. */
    static DiscoveredPlugin probedLazily(PluginKind kind, String name, String version, String source, String apiVersion,
                                         Supplier<Availability> probe, KilnPlugin factory) {
        return new DiscoveredPlugin(kind, name, version, source, apiVersion, new Once(probe), factory, null);
    }

    /** This plugin, refused because another plugin of its kind has its name; {@code reason} names both. */
    DiscoveredPlugin refused(String reason) {
        Availability no = Availability.no(reason);
        return new DiscoveredPlugin(kind, name, version, source, apiVersion, () -> no, factory, reason);
    }

    /** A probe asked at most once. */
    private static final class Once implements Supplier<Availability> {
        private final Supplier<Availability> probe;
        private volatile Availability answer;

        Once(Supplier<Availability> probe) {
            this.probe = probe;
        }

        @Override
        public synchronized Availability get() {
            if (answer == null) answer = probe.get();
            return answer;
        }
    }

    /** Whether another plugin of this kind has this name, so that neither may be used. */
    public boolean isRefused() {
        return refusal != null;
    }

    /**
     * What a command gets under this name: the factory, or, when the name is refused, a stand-in
     * that fails naming both plugins once it is used.
     */
    public <T extends KilnPlugin> T usable(Class<T> type) {
        return isRefused() ? RefusedPlugin.of(type, name, refusal) : factory(type);
    }

    public boolean fromClasspath() {
        return PluginDiscovery.CLASSPATH.equals(source);
    }

    /** The factory as its SPI type, e.g. {@code factory(BackendProvider.class)}. */
    public <T extends KilnPlugin> T factory(Class<T> type) {
        if (!type.isInstance(factory)) {
            throw new IllegalArgumentException(kind.label() + " plugin '" + name + "' (" + source
                    + ") is a " + factory.getClass().getName() + ", not a " + type.getName());
        }
        return type.cast(factory);
    }

    /** The source, with the class's location when it came from the class path (for messages). */
    String describeSource() {
        if (!fromClasspath()) return source;
        var codeSource = factory.getClass().getProtectionDomain().getCodeSource();
        String where = codeSource == null || codeSource.getLocation() == null ? "" : " at " + codeSource.getLocation();
        return "classpath (" + factory.getClass().getName() + where + ")";
    }
}
