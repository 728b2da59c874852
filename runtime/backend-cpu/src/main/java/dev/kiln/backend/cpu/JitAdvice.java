package dev.kiln.backend.cpu;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The JIT flags a JVM running this backend should have and may lack (README, Extending Kiln):
 * <ul>
 * <li>on JDK 17, when C2 recompiles a kernel's loop late in a run it can leave one of its Vector API calls
 * un-intrinsified (the exponential inside GELU, which then runs 3-5× slower from 5-40 s into a training run until its
 * end) unless {@code -XX:+IncrementalInlineForceCleanup} folds the constants the call waits for (bench/JOURNAL.md:
 * "A JIT cliff on JDK 17"); JDK 25 needs nothing;</li>
 * <li>on any JDK, the exponential ({@link FixedOrderMath#exp}, 523 bytes of bytecode) and GELU-erf's two polynomials are
 * larger than C2 inlines on its own, and a vector passed to a call that is not inlined is boxed: without the
 * {@code CompileCommand=inline} lines for them fifteen lane kernels (GELU, SiLU, sigmoid, the softmax's exponentials)
 * allocated 12 MB a million floats on JDK 17 and on JDK 25 (bench/JOURNAL.md, nineteenth session).</li>
 * </ul>
 * {@code ./kiln} and the test JVMs pass all of them (the root pom's {@code kiln.jit.flags}); an application that embeds
 * Kiln should too.
 */
final class JitAdvice {
    static final String FLAGS = "-XX:+UnlockDiagnosticVMOptions -XX:+IncrementalInlineForceCleanup";
    /** The methods {@code ./kiln} has C2 inline into their callers, as {@code -XX:CompileCommand=inline,...} names them. */
    static final List<String> INLINED = List.of("dev.kiln.backend.cpu.FixedOrderMath::exp",
            "dev.kiln.backend.cpu.VectorLanes::cdf", "dev.kiln.backend.cpu.VectorLanes::geluErfDerivative");
    private static final int NOT_NEEDED_FROM = 25;   // the JDK feature release whose C2 keeps the kernels without it

    private JitAdvice() {}

    /**
     * What to add to the JVM's options, or empty when nothing: for a JDK of this feature release whose cleanup flag
     * is on, off, or unknown, and whose {@code CompileCommand} lines are these (one a line), or unknown (not HotSpot:
     * no C2, nothing to say).
     */
    static Optional<String> advice(int feature, Optional<Boolean> cleanup, Optional<String> compileCommands) {
        List<String> advice = new ArrayList<>();
        if (feature < NOT_NEEDED_FROM && cleanup.isPresent() && !cleanup.get()) {
            advice.add("Java " + feature + " without " + FLAGS + ": late in a run C2 can recompile a CPU kernel"
                    + " onto the Vector API's slow Java path (GELU 3-5x slower); add the flags, as ./kiln does, or run on JDK 25");
        }
        List<String> missing = compileCommands.map(JitAdvice::notInlined).orElse(List.of());
        if (!missing.isEmpty()) {
            StringBuilder flags = new StringBuilder();
            for (String method : missing) flags.append(" -XX:CompileCommand=inline,").append(method);
            advice.add("without" + flags + " the CPU backend's GELU, SiLU, sigmoid and softmax kernels box every vector"
                    + " (about 12 MB of garbage a million floats); add them, as ./kiln does");
        }
        return advice.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", advice));
    }

    // the methods of INLINED that no "inline,<method>" line of these CompileCommand lines names
    private static List<String> notInlined(String compileCommands) {
        List<String> lines = Arrays.stream(compileCommands.split("\n")).map(String::strip).toList();
        return INLINED.stream().filter(method -> !lines.contains("inline," + method)).toList();
    }

    /**
     * {@link #advice} for the running JVM; nothing without the Vector API kernels, which alone meet the problem (the
     * management bean, which costs 15-23 ms of start-up the first time it is asked, is not asked then).
     */
    static Optional<String> forThisJvm() {
        if (!MicroKernel.VECTOR_API) return Optional.empty();
        int feature = Runtime.version().feature();
        Optional<HotSpotDiagnosticMXBean> hotspot = hotspot();
        return advice(feature, feature >= NOT_NEEDED_FROM ? Optional.empty() : hotspot.flatMap(JitAdvice::cleanupFlag),
                hotspot.map(h -> h.getVMOption("CompileCommand").getValue()));
    }

    private static Optional<HotSpotDiagnosticMXBean> hotspot() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            hotspot.getVMOption("MaxInlineLevel");                 // C2's: a VM without it has nothing to advise
            return Optional.of(hotspot);
        } catch (RuntimeException | LinkageError notHotSpot) {   // another VM, or jdk.management left out of the image
            return Optional.empty();
        }
    }

    private static Optional<Boolean> cleanupFlag(HotSpotDiagnosticMXBean hotspot) {
        try {
            return Optional.of(Boolean.parseBoolean(hotspot.getVMOption("IncrementalInlineForceCleanup").getValue()));
        } catch (IllegalArgumentException locked) {   // a diagnostic flag is invisible until unlocked: off
            return Optional.of(false);
        }
    }
}
