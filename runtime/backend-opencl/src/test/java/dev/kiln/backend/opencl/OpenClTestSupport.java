package dev.kiln.backend.opencl;

import com.aparapi.device.OpenCLDevice;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

/**
 * How gpu-tagged tests get a device: the first real OpenCL device (GPU first), with shared host
 * memory turned off so a missing put()/get() fails on pocl as it would on a discrete GPU. Without
 * a device the test is skipped with install instructions, or fails when KILN_REQUIRE_OPENCL=true (CI).
 */
final class OpenClTestSupport {
    static final String REQUIRE_ENV = "KILN_REQUIRE_OPENCL";

    private OpenClTestSupport() {}

    static OpenCLDevice deviceOrSkip() {
        OpenCLDevice.setConfigurator(d -> d.setSharedMemory(false));
        List<OpenCLDevice> devices = DeviceSelector.devices();
        if (devices.isEmpty()) {
            String msg = "no OpenCL device: " + DeviceSelector.INSTALL_HINT;
            if ("true".equalsIgnoreCase(System.getenv(REQUIRE_ENV))) Assertions.fail(REQUIRE_ENV + "=true but " + msg);
            Assumptions.abort("skipping OpenCL test, " + msg + " (set " + REQUIRE_ENV + "=true to fail instead)");
        }
        OpenCLDevice d = DeviceSelector.choose(devices, null, System.getenv(OpenClBackendProvider.DEVICE_ENV));
        System.out.println("[opencl-test] running on " + DeviceSelector.describe(d));
        return d;
    }

    static OpenClBackend backendOrSkip() {
        return new OpenClBackend(deviceOrSkip(), 64, 1024);
    }
}
