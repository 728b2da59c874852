package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.plugin.Availability;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Provider contract: strict config, truthful availability, explicit CPU fallback only when allowed. */
class OpenClBackendProviderTest {
    final OpenClBackendProvider provider = new OpenClBackendProvider();

    @Test
    void unknownKeysAreRejectedNamingTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider.create(new Config("backend.opencl", Map.of("devcie", "0"))));
        assertTrue(e.getMessage().contains("allow_cpu_fallback") && e.getMessage().contains("device"), e.getMessage());
    }

    @Test
    void availabilityNamesADeviceOrSaysHowToInstallOne() {
        Availability a = provider.availability();
        if (a.available()) assertTrue(a.detail().startsWith("would use "), a.detail());
        else assertTrue(a.detail().contains("ocl-icd-opencl-dev") || a.detail().contains("KILN_OPENCL_DEVICE"), a.detail());
        assertEquals(a.detail().contains("(GPU)") ? 150 : 50, provider.priority(), "GPU present: above cpu's 100");
    }

    @Test
    void unknownDeviceFailsUnlessCpuFallbackIsAllowed() {
        Map<String, Object> cfg = Map.of("device", "no-such-device-xyz");
        RuntimeException e = assertThrows(RuntimeException.class, () -> provider.create(new Config("backend.opencl", cfg)));
        assertTrue(e.getMessage().contains("no-such-device-xyz") || e.getMessage().contains("no OpenCL device"), e.getMessage());
        try (Backend b = provider.create(new Config("backend.opencl", Map.of("device", "no-such-device-xyz", "allow_cpu_fallback", true)))) {
            assertEquals("cpu", b.name());   // the engine counts this as kiln.backend.fallbacks{requested=opencl, backend=cpu}
        }
    }

    @Test
    void aMatmulTilingNoDeviceCouldRunIsRefusedNamingTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider.create(new Config("backend.opencl", Map.of("matmul_tiling", "4,12,16", "allow_cpu_fallback", true))));
        assertTrue(e.getMessage().contains("key 'matmul_tiling'") && e.getMessage().contains("power of two"), e.getMessage());
    }
}
