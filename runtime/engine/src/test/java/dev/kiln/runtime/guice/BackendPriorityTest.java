package dev.kiln.runtime.guice;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The default backend is the highest-priority available one, and lower ones are not probed while a
 * higher one works: probing OpenCL loads JOCL and unpacks its native library into the temp folder,
 * which every cpu run used to do.
 */
class BackendPriorityTest {
    private final List<String> probed = new ArrayList<>();

    private BackendProvider provider(String name, int priority, boolean available) {
        return new BackendProvider() {
            @Override public String name() { return name; }
            @Override public String apiVersion() { return ApiVersion.CURRENT; }
            @Override public int priority() { return priority; }
            @Override public Availability availability() {
                probed.add(name);
                return available ? Availability.yes("") : Availability.no(name + " is missing");
            }
            @Override public Backend create(Config config) { throw new UnsupportedOperationException(); }
        };
    }

    @Test
    void theBestAvailableBackendWinsWithoutProbingTheOthers() {
        Map<String, BackendProvider> providers = Map.of("cpu", provider("cpu", 10, true), "opencl", provider("opencl", 5, true),
                "naive", provider("naive", 0, true));
        assertEquals("cpu", BackendSelection.resolve(providers, null, null, null).name());
        assertEquals(List.of("cpu"), probed, "opencl and naive must not be probed while cpu works");
    }

    @Test
    void anUnavailableBetterOneFallsThroughInPriorityOrder() {
        Map<String, BackendProvider> providers = Map.of("opencl", provider("opencl", 20, false), "cpu", provider("cpu", 10, true),
                "naive", provider("naive", 0, true));
        assertEquals("cpu", BackendSelection.resolve(providers, null, null, null).name());
        assertEquals(List.of("opencl", "cpu"), probed);
        probed.clear();
        Map<String, BackendProvider> none = Map.of("a", provider("a", 1, false), "b", provider("b", 1, false));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BackendSelection.resolve(none, null, null, null));
        assertEquals("no backend is available (a: a is missing; b: b is missing)", e.getMessage());
    }
}
