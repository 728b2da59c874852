package dev.kiln.runtime.guice;

import com.google.inject.Binding;
import com.google.inject.Module;
import com.google.inject.multibindings.MapBinderBinding;
import com.google.inject.multibindings.MultibinderBinding;
import com.google.inject.multibindings.MultibindingsTargetVisitor;
import com.google.inject.multibindings.OptionalBinderBinding;
import com.google.inject.spi.DefaultBindingTargetVisitor;
import com.google.inject.spi.Element;
import com.google.inject.spi.Elements;
import dev.kiln.api.plugin.PluginKind;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plugin names a user's Guice modules bind themselves ({@code KilnBinders.objectives(binder())
 * .addBinding("mlm")...}), read from the modules' elements before the injector is built. A name
 * bound there is explicit and wins over a plugin discovery found under the same name; without
 * this, both land in one {@code MapBinder} and Guice refuses with "Duplicate key". Reading the
 * elements runs each module's {@code configure()} once more, as {@code Modules.override} does.
 */
final class UserBindings {
    private UserBindings() {}

    /** Kind → name → where the user module bound it (Guice's source, e.g. {@code MyModule.configure(MyModule.java:12)}). */
    static Map<PluginKind, Map<String, Object>> pluginNames(List<Module> modules) {
        Map<PluginKind, Map<String, Object>> out = new EnumMap<>(PluginKind.class);
        if (modules.isEmpty()) return out;
        List<Element> elements = Elements.getElements(modules);
        for (Element element : elements) {
            if (!(element instanceof Binding<?> binding)) continue;
            MapBinderBinding<?> map = binding.acceptTargetVisitor(new MapBinders());
            if (map == null || map.getKeyTypeLiteral().getRawType() != String.class) continue;
            PluginKind kind = kindOf(map.getValueTypeLiteral().getRawType());
            if (kind == null) continue;
            for (Map.Entry<?, Binding<?>> entry : map.getEntries(elements)) {
                out.computeIfAbsent(kind, k -> new LinkedHashMap<>()).putIfAbsent((String) entry.getKey(), entry.getValue().getSource());
            }
        }
        return out;
    }

    private static PluginKind kindOf(Class<?> valueType) {
        for (PluginKind kind : PluginKind.values()) {
            if (kind.service() == valueType) return kind;
        }
        return null;
    }

    /** Picks the MapBinder bindings out of a module's elements. */
    private static final class MapBinders extends DefaultBindingTargetVisitor<Object, MapBinderBinding<?>>
            implements MultibindingsTargetVisitor<Object, MapBinderBinding<?>> {
        @Override public MapBinderBinding<?> visit(MultibinderBinding<?> multibinding) { return null; }
        @Override public MapBinderBinding<?> visit(MapBinderBinding<?> mapbinding) { return mapbinding; }
        @Override public MapBinderBinding<?> visit(OptionalBinderBinding<?> optionalbinding) { return null; }
    }
}
