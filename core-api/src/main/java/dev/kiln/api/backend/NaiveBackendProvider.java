package dev.kiln.api.backend;

import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;

/** The reference backend: always available, lowest priority, no config keys. */
public final class NaiveBackendProvider implements BackendProvider {

    @Override
    public String name() { return "naive"; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "single-threaded reference loops; the oracle other backends are tested against"; }

    @Override
    public int priority() { return 0; }

    @Override
    public Backend create(Config config) {
        config.finish();
        return new NaiveBackend();
    }
}
