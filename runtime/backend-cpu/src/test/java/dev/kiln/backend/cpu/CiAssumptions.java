package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/** A test's precondition: skipped where it does not hold, except under CI=true, where the skip would prove nothing. */
final class CiAssumptions {
    private CiAssumptions() {}

    static void require(boolean holds, String why) {
        if (holds) return;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(why + "; CI=true, so this test must run");
        Assumptions.assumeTrue(false, why);
    }
}
