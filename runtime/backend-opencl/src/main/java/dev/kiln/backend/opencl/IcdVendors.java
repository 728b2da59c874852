package dev.kiln.backend.opencl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Whether an OpenCL GPU could be present, read from the installed ICD vendor files
 * ({@code /etc/OpenCL/vendors/*.icd}, or {@code OCL_ICD_VENDORS}) without loading OpenCL. Listing
 * devices loads JOCL, which unpacks its native library into the temp folder; the default backend choice asks this first and lists devices
 * only when a vendor besides pocl (a CPU-only runtime) is installed.
 */
final class IcdVendors {
    /** Read once: the default-backend choice asks for the priority several times while sorting. */
    static final boolean MAY_HAVE_GPU = mayHaveGpu();

    private IcdVendors() {}

    static boolean mayHaveGpu() {
        String env = System.getenv("OCL_ICD_VENDORS");
        return mayHaveGpu(Path.of(env != null && !env.isBlank() ? env : "/etc/OpenCL/vendors"), System.getProperty("os.name", ""));
    }

    static boolean mayHaveGpu(Path dir, String os) {
        if (!Files.isDirectory(dir)) return !os.toLowerCase(Locale.ROOT).contains("linux");   // macOS / Windows: no ICD files to read
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".icd")).anyMatch(IcdVendors::notCpuOnly);
        } catch (IOException e) {
            return true;
        }
    }

    /** An ICD whose library is not pocl's (pocl runs OpenCL on the CPU). */
    private static boolean notCpuOnly(Path icd) {
        try {
            return !Files.readString(icd).toLowerCase(Locale.ROOT).contains("pocl");
        } catch (IOException e) {
            return true;
        }
    }
}
