package dev.kiln.api.backend;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.KilnPlugin;

/**
 * Creates a {@link Backend}. Discovered with ServiceLoader; when no backend is named, the
 * available provider with the highest priority wins (ND4J / DJL style).
 */
public interface BackendProvider extends KilnPlugin {
    /** Higher wins when the user names no backend. The naive reference backend is 0. */
    default int priority() { return 0; }

    /** Create the backend; config keys are backend specific and parsed strictly. */
    Backend create(Config config);
}
