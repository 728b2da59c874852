package dev.kiln.backend.opencl;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

/**
 * How gpu-tagged tests get a device: the first OpenCL device (GPU first). Without one the test is
 * skipped with install instructions, or fails when KILN_REQUIRE_OPENCL=true (CI).
 */
final class OpenClTestSupport {
    static final String REQUIRE_ENV = "KILN_REQUIRE_OPENCL";

    private OpenClTestSupport() {}

    static ClDevice deviceOrSkip() { return deviceOrSkip(""); }

    /** As above; hint (when not empty) says what to install, for a test that needs one device in particular. */
    static ClDevice deviceOrSkip(String hint) {
        List<ClDevice> devices = DeviceSelector.devices();
        if (devices.isEmpty()) {
            String msg = "no OpenCL device: " + (hint.isEmpty() ? "" : hint + "; ") + DeviceSelector.whyNone();
            if ("true".equalsIgnoreCase(System.getenv(REQUIRE_ENV))) Assertions.fail(REQUIRE_ENV + "=true but " + msg);
            Assumptions.abort("skipping OpenCL test, " + msg + " (set " + REQUIRE_ENV + "=true to fail instead)");
        }
        ClDevice d = DeviceSelector.choose(devices, null, System.getenv(OpenClBackendProvider.DEVICE_ENV));
        System.out.println("[opencl-test] running on " + d.describe());
        return d;
    }

    static OpenClBackend backendOrSkip() {
        return new OpenClBackend(deviceOrSkip(), 64, 1024);
    }
}
