package dev.kiln.backend.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The default backend choice lists OpenCL devices (through JOCL) only when a GPU vendor's runtime is installed. */
class IcdVendorsTest {

    @Test
    void onlyPoclMeansNoGpuAnyOtherVendorMeansMaybe(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pocl.icd"), "libpocl.so.2.10.0");
        assertFalse(IcdVendors.mayHaveGpu(dir, "Linux"), "pocl runs OpenCL on the CPU");
        Files.writeString(dir.resolve("nvidia.icd"), "libnvidia-opencl.so.1");
        assertTrue(IcdVendors.mayHaveGpu(dir, "Linux"));
        assertFalse(IcdVendors.mayHaveGpu(dir.resolve("missing"), "Linux"), "no ICD loader configuration: no OpenCL at all");
        assertTrue(IcdVendors.mayHaveGpu(dir.resolve("missing"), "Mac OS X"), "macOS has OpenCL without ICD files");
    }
}
