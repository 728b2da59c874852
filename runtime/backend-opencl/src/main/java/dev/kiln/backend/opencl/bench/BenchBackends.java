package dev.kiln.backend.opencl.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.backend.opencl.OpenClBackendProvider;

import java.util.HashMap;
import java.util.Map;

/** How the OpenCL benches read their device argument and open their backend. */
final class BenchBackends {
    private BenchBackends() {}

    /** The device the first argument names (index or name substring); null, the default one, when absent, blank or "-". */
    static String device(String[] args) {
        return args.length > 0 && !args[0].isBlank() && !args[0].equals("-") ? args[0] : null;
    }

    /** The OpenCL backend on device (null: the default, a GPU first) with the backend config's other keys in config. */
    static Backend open(String device, Map<String, Object> config) {
        Map<String, Object> cfg = new HashMap<>(config);
        if (device != null) cfg.put("device", device);
        return new OpenClBackendProvider().create(new Config("backend.opencl", cfg));
    }
}
