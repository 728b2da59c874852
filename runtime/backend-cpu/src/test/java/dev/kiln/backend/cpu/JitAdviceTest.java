package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitAdviceTest {
    // what ./kiln passes, as the JVM gives its CompileCommand lines back
    private static final Optional<String> KILN_COMMANDS = Optional.of("quiet\n"
            + "inline,dev.kiln.backend.cpu.FixedOrderMath::exp\n"
            + "inline,dev.kiln.backend.cpu.VectorLanes::cdf\n"
            + "inline,dev.kiln.backend.cpu.VectorLanes::geluErfDerivative");

    @Test
    void jdk17WithoutTheCleanupFlagIsToldWhichFlagsToAdd() {
        String advice = JitAdvice.advice(17, Optional.of(false), KILN_COMMANDS).orElseThrow();
        assertTrue(advice.contains("-XX:+UnlockDiagnosticVMOptions -XX:+IncrementalInlineForceCleanup"), advice);
        assertTrue(advice.startsWith("Java 17 "), advice);
        assertFalse(advice.contains("CompileCommand"), advice);
    }

    @Test
    void anyJdkWithoutTheInlineCommandsIsToldWhichOnesAreMissing() {
        Optional<String> oneMissing = Optional.of("quiet\ninline,dev.kiln.backend.cpu.FixedOrderMath::exp\n"
                + "inline,dev.kiln.backend.cpu.VectorLanes::geluErfDerivative");
        String advice = JitAdvice.advice(25, Optional.empty(), oneMissing).orElseThrow();
        assertTrue(advice.contains("-XX:CompileCommand=inline,dev.kiln.backend.cpu.VectorLanes::cdf"), advice);
        assertFalse(advice.contains("FixedOrderMath::exp"), advice);
        String none = JitAdvice.advice(17, Optional.of(false), Optional.of("")).orElseThrow();
        assertTrue(none.contains("IncrementalInlineForceCleanup"), none);
        for (String method : JitAdvice.INLINED) assertTrue(none.contains("-XX:CompileCommand=inline," + method), none);
    }

    @Test
    void nothingToSayWithTheFlagsOnJdk25OrWithoutC2() {
        assertEquals(Optional.empty(), JitAdvice.advice(17, Optional.of(true), KILN_COMMANDS));
        assertEquals(Optional.empty(), JitAdvice.advice(25, Optional.empty(), KILN_COMMANDS));
        assertEquals(Optional.empty(), JitAdvice.advice(17, Optional.empty(), Optional.empty()));
    }

    @Test
    void theTestJvmHasTheFlagsKilnLaunchesWith() {
        // kiln.jit.flags (root pom) carries the same flags as ./kiln: this JVM reads them back as set
        assertEquals(Optional.empty(), JitAdvice.forThisJvm(), "surefire's argLine lost a JIT flag");
    }
}
