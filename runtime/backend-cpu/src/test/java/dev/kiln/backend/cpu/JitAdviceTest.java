package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitAdviceTest {
    @Test
    void jdk17WithoutTheCleanupFlagIsToldWhichFlagsToAdd() {
        String advice = JitAdvice.advice(17, Optional.of(false)).orElseThrow();
        assertTrue(advice.contains("-XX:+UnlockDiagnosticVMOptions -XX:+IncrementalInlineForceCleanup"), advice);
        assertTrue(advice.startsWith("Java 17 "), advice);
    }

    @Test
    void nothingToSayWithTheFlagOnJdk25OrWithoutC2() {
        assertEquals(Optional.empty(), JitAdvice.advice(17, Optional.of(true)));
        assertEquals(Optional.empty(), JitAdvice.advice(25, Optional.of(false)));
        assertEquals(Optional.empty(), JitAdvice.advice(17, Optional.empty()));
    }

    @Test
    void theTestJvmHasTheFlagsKilnLaunchesWith() {
        // kiln.jit.flags (root pom) carries the same flags as ./kiln: this JVM reads them back as set
        assertEquals(Optional.empty(), JitAdvice.forThisJvm(), "surefire's argLine lost the cleanup flag");
    }
}
