package dev.kiln.backend.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.util.Optional;

/**
 * The JIT flag a JVM running this backend should have and may lack: on JDK 17, when C2 recompiles a kernel's loop
 * late in a run it can leave one of its Vector API calls un-intrinsified (the exponential inside GELU, which then
 * runs 3-5× slower from 5-40 s into a training run until its end) unless {@code -XX:+IncrementalInlineForceCleanup}
 * folds the constants the call waits for (bench/JOURNAL.md: "A JIT cliff on JDK 17"). {@code ./kiln} and the
 * test JVMs pass it; an application that embeds Kiln should too. Measured on JDK 17; JDK 25 needs nothing. (A JVM
 * at the usual compile thresholds needs none of {@code ./kiln}'s {@code CompileCommand=inline} lines: every method a
 * kernel's vector crosses is small enough for C2 to inline on its own, see {@link FixedOrderMath#exp}.)
 */
final class JitAdvice {
    static final String FLAGS = "-XX:+UnlockDiagnosticVMOptions -XX:+IncrementalInlineForceCleanup";
    private static final int NOT_NEEDED_FROM = 25;   // the JDK feature release whose C2 keeps the kernels without it

    private JitAdvice() {}

    /**
     * What to add to the JVM's options, or empty when nothing: for a JDK of this feature release whose cleanup flag
     * is on, off, or unknown (not HotSpot: no C2, nothing to say).
     */
    static Optional<String> advice(int feature, Optional<Boolean> cleanup) {
        if (feature >= NOT_NEEDED_FROM || cleanup.isEmpty() || cleanup.get()) return Optional.empty();
        return Optional.of("Java " + feature + " without " + FLAGS + ": late in a run C2 can recompile a CPU kernel"
                + " onto the Vector API's slow Java path (GELU 3-5x slower); add the flags, as ./kiln does, or run on JDK 25");
    }

    /**
     * {@link #advice} for the running JVM; nothing without the Vector API kernels, which alone meet the problem. The flag
     * is read only where it matters: the management bean costs 15-23 ms of start-up the first time it is asked.
     */
    static Optional<String> forThisJvm() {
        int feature = Runtime.version().feature();
        if (!MicroKernel.VECTOR_API || feature >= NOT_NEEDED_FROM) return Optional.empty();
        return advice(feature, cleanupFlag());
    }

    private static Optional<Boolean> cleanupFlag() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            try {
                return Optional.of(Boolean.parseBoolean(hotspot.getVMOption("IncrementalInlineForceCleanup").getValue()));
            } catch (IllegalArgumentException locked) {   // a diagnostic flag is invisible until unlocked: off, if C2 is there
                hotspot.getVMOption("MaxInlineLevel");
                return Optional.of(false);
            }
        } catch (RuntimeException | LinkageError notHotSpot) {   // another VM, or jdk.management left out of the image
            return Optional.empty();
        }
    }
}
